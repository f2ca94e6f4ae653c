import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from '../../../src/codes/cursor';
import { newCodeId } from '../../../src/codes/ids';

const codeId = fc.integer({ min: 0, max: 2 ** 48 - 1 }).map((ms) => newCodeId(new Date(ms), randomBytes));

describe('cursors', () => {
  it('round-trip every code id through an opaque base64url string', () => {
    fc.assert(
      fc.property(codeId, (id) => {
        const cursor = encodeCursor(id);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(cursor).not.toContain(id);
        expect(decodeCursor(cursor)).toBe(id);
      }),
    );
  });

  const base64url = (text: string) => Buffer.from(text).toString('base64url');
  const valid = encodeCursor('0194f3e2-7b1c-7a2d-9e3f-0123456789ab');

  it.each([
    ['empty', ''],
    ['short', 'abc'],
    ['not a code id', base64url('not-a-code-id-but-36-characters-long')],
    ['a version 4 uuid', base64url('0194f3e2-7b1c-4a2d-9e3f-0123456789ab')],
    ['an uppercase id', base64url('0194F3E2-7B1C-7A2D-9E3F-0123456789AB')],
    ['padded', `${valid}==`],
    ['standard base64 characters', valid.replace(/.$/, '+')],
    ['a bare code id', '0194f3e2-7b1c-7a2d-9e3f-0123456789ab'],
    ['huge', 'A'.repeat(1 << 20)],
  ])('decode to null when %s', (_case, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });

  it('decodes the valid cursor used above', () => {
    expect(decodeCursor(valid)).toBe('0194f3e2-7b1c-7a2d-9e3f-0123456789ab');
  });
});
