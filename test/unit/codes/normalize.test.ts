import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { generateCode, toDisplayForm } from '../../../src/codes/generator';
import { normalizeCode } from '../../../src/codes/normalize';
import { CODE_ALPHABET, MAX_CODE_LENGTH, MAX_RAW_CODE_INPUT, MIN_CODE_LENGTH } from '../../../src/codes/policy';

const LENGTH = 8;
const NORMALIZED = new RegExp(`^[${CODE_ALPHABET}]{${LENGTH}}$`);

/** A code as a person might type it: any case, with spaces and hyphens between symbols and blanks around. */
const typedCode = fc
  .array(fc.constantFrom(...CODE_ALPHABET), { minLength: LENGTH, maxLength: LENGTH })
  .chain((symbols) =>
    fc
      .tuple(
        fc.constantFrom('', ' ', '\t', '\n ', '  '),
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom('', '', ' ', '-', ' - ', '--')), {
          minLength: LENGTH,
          maxLength: LENGTH,
        }),
        fc.constantFrom('', ' ', '\r\n'),
      )
      .map(([before, styles, after]) => ({
        code: symbols.join(''),
        typed:
          before +
          symbols.map((symbol, i) => (styles[i][0] ? symbol.toLowerCase() : symbol) + styles[i][1]).join('') +
          after,
      })),
  );

describe('normalizeCode', () => {
  it('returns not-ok or exactly `length` alphabet symbols, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        const result = normalizeCode(input, LENGTH);
        if (result.ok) expect(result.code).toMatch(NORMALIZED);
      }),
      { numRuns: 2_000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          typedCode.map(({ typed }) => typed),
        ),
        (input) => {
          const result = normalizeCode(input, LENGTH);
          if (result.ok) expect(normalizeCode(result.code, LENGTH)).toEqual(result);
        },
      ),
    );
  });

  it('recovers a code typed in any case with spaces and hyphens', () => {
    fc.assert(
      fc.property(typedCode, ({ code, typed }) => {
        expect(normalizeCode(typed, LENGTH)).toEqual({ ok: true, code });
      }),
    );
  });

  it('maps generated codes and their display form back to the normalized code, for every length', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_CODE_LENGTH, max: MAX_CODE_LENGTH }), (length) => {
        const code = generateCode(randomBytes, length);
        expect(normalizeCode(code, length)).toEqual({ ok: true, code });
        expect(normalizeCode(toDisplayForm(code), length)).toEqual({ ok: true, code });
        expect(normalizeCode(toDisplayForm(code).toLowerCase(), length)).toEqual({ ok: true, code });
      }),
    );
  });

  it.each([
    ['a tab inside', 'K7QM\t2XHP'],
    ['a no-break space inside', 'K7QM\u00a02XHP'],
    ['an en dash', 'K7QM\u20132XHP'],
    ['a full-width letter', '\uff2b7QM2XHP'],
    ['a full-width digit', 'K\uff17QM2XHP'],
    ['a Cyrillic lookalike', '\u041a7QM2XHP'],
    ['a Greek lookalike', 'K7QM2X\u0397P'],
    ['a long s that toUpperCase() turns into S', 'K7QM2XH\u017f'],
    ['a zero', 'K7QM2XH0'],
    ['a capital O', 'K7QM2XHO'],
    ['a one', 'K7QM2XH1'],
    ['a capital I', 'K7QM2XHI'],
    ['a capital L', 'K7QM2XHL'],
    ['a lowercase l', 'K7QM2XHl'],
    ['a symbol too few', 'K7QM2XH'],
    ['a symbol too many', 'K7QM2XHPA'],
    ['nothing', ''],
    ['only separators', ' - - '],
    ['an astral character', 'K7QM2XH\u{1d40f}'],
  ])('rejects %s', (_case, input) => {
    expect(normalizeCode(input, LENGTH)).toEqual({ ok: false });
  });

  it('accepts input up to MAX_RAW_CODE_INPUT characters and no more', () => {
    const padded = (size: number) => 'K7QM-2XHP'.padStart(size, ' ');
    expect(normalizeCode(padded(MAX_RAW_CODE_INPUT), LENGTH)).toEqual({ ok: true, code: 'K7QM2XHP' });
    expect(normalizeCode(padded(MAX_RAW_CODE_INPUT + 1), LENGTH)).toEqual({ ok: false });
  });

  it('rejects a 1 MB input before doing any work on it', () => {
    const huge = ' '.repeat(1 << 20) + 'K7QM2XHP';
    const started = performance.now();
    expect(normalizeCode(huge, LENGTH)).toEqual({ ok: false });
    expect(performance.now() - started).toBeLessThan(50);
  });
});
