import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { version } from 'uuid';
import { isUuidV7 as isCodeId, newCodeId, parseCodeId } from '../../../src/codes/ids';

const MAX_UUID_V7_MSECS = 2 ** 48 - 1;
const instant = fc.integer({ min: 0, max: MAX_UUID_V7_MSECS }).map((ms) => new Date(ms));

describe('newCodeId', () => {
  it('makes a canonical lowercase UUIDv7 carrying the creation time', () => {
    const now = new Date('2026-11-28T17:00:00.000Z');
    const id = newCodeId(now, randomBytes);
    expect(version(id)).toBe(7);
    expect(isCodeId(id)).toBe(true);
    expect(parseInt(id.replace('-', '').slice(0, 12), 16)).toBe(now.getTime());
  });

  it('depends only on its inputs', () => {
    const now = new Date(1_700_000_000_000);
    const random = (size: number) => Buffer.alloc(size, 0xab);
    expect(newCodeId(now, random)).toBe(newCodeId(now, random));
  });

  it('sorts by creation time', () => {
    fc.assert(
      fc.property(instant, instant, (a, b) => {
        fc.pre(a.getTime() !== b.getTime());
        const [earlier, later] = a < b ? [a, b] : [b, a];
        expect(newCodeId(earlier, randomBytes) < newCodeId(later, randomBytes)).toBe(true);
      }),
    );
  });

  it('propagates a failing random source', () => {
    expect(() =>
      newCodeId(new Date(), () => {
        throw new Error('no entropy');
      }),
    ).toThrow('no entropy');
  });
});

describe('isCodeId', () => {
  it('accepts what newCodeId makes', () => {
    fc.assert(fc.property(instant, (now) => expect(isCodeId(newCodeId(now, randomBytes))).toBe(true)));
  });

  it.each([
    ['empty', ''],
    ['uppercase', '0194F3E2-7B1C-7A2D-9E3F-0123456789AB'],
    ['version 4', '0194f3e2-7b1c-4a2d-9e3f-0123456789ab'],
    ['wrong variant', '0194f3e2-7b1c-7a2d-c23f-0123456789ab'],
    ['nil', '00000000-0000-0000-0000-000000000000'],
    ['no hyphens', '0194f3e27b1c7a2d9e3f0123456789ab'],
    ['braces', '{0194f3e2-7b1c-7a2d-9e3f-0123456789ab}'],
    ['trailing newline', '0194f3e2-7b1c-7a2d-9e3f-0123456789ab\n'],
    ['not a uuid', 'K7QM-2XHP'],
  ])('rejects %s', (_case, value) => {
    expect(isCodeId(value)).toBe(false);
  });
});

describe('parseCodeId', () => {
  it('gives back a code id for what newCodeId makes, and null for anything else', () => {
    const id = newCodeId(new Date(), randomBytes);
    expect(parseCodeId(id)).toBe(id);
    expect(parseCodeId('K7QM-2XHP')).toBeNull();
  });
});
