/** Record ids travel as canonical UUID strings and are stored as BINARY(16). */
import { parse, stringify, validate } from 'uuid';

export function isUuid(id: string): boolean {
  return validate(id);
}

export function idToBinary(id: string): Buffer {
  return Buffer.from(parse(id));
}

export function idToBinaryOrNull(id: string | null): Buffer | null {
  return id === null ? null : idToBinary(id);
}

/** The adapter is the one place that turns stored bytes back into a typed id. */
export function binaryToId<Id extends string>(binary: Buffer): Id {
  return stringify(binary) as Id;
}

export function binaryToIdOrNull<Id extends string>(binary: unknown): Id | null {
  return binary === null || binary === undefined ? null : binaryToId<Id>(binary as Buffer);
}
