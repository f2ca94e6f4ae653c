/** Code ids travel as canonical UUID strings and are stored as BINARY(16). */
import { parse, stringify, validate } from 'uuid';

export function isCodeId(id: string): boolean {
  return validate(id);
}

export function idToBinary(id: string): Buffer {
  return Buffer.from(parse(id));
}

export function binaryToId(binary: Buffer): string {
  return stringify(binary);
}
