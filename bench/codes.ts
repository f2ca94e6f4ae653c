/** The plaintext codes the benchmark holds: what it knows exists, and what each run may still use. */
import { randomBytes } from 'node:crypto';
import { generateCode } from '../src/codes/generator';

/** CODE_LENGTH's production default. */
const CODE_LENGTH = 8;

const SEPARATOR = /-/g;

/**
 * Every code that exists in the benchmark's database, in normalized form. The raw baselines draw
 * only codes not in it: their INSERTs have no collision handling, unlike the server's.
 */
export class CodeBook {
  private readonly known = new Set<string>();

  /** Records codes the server issued (display form). */
  addIssued(codes: readonly string[]): void {
    for (const code of codes) this.known.add(code.replace(SEPARATOR, ''));
  }

  /** A code drawn as the server draws them, not yet stored anywhere. */
  draw(): string {
    let code: string;
    do code = generateCode(randomBytes, CODE_LENGTH);
    while (this.known.has(code));
    this.known.add(code);
    return code;
  }
}

/** Unused codes, each handed out once. */
export class CodeQueue {
  private readonly codes: string[] = [];
  private next = 0;

  get remaining(): number {
    return this.codes.length - this.next;
  }

  add(codes: readonly string[]): void {
    for (const code of codes) this.codes.push(code);
  }

  /** The next unused code, or null when they are all used. */
  take(): string | null {
    return this.next < this.codes.length ? this.codes[this.next++]! : null;
  }

  /** Up to `count` codes, removed from the queue. */
  takeMany(count: number): string[] {
    const taken = this.codes.slice(this.next, this.next + count);
    this.next += taken.length;
    return taken;
  }
}
