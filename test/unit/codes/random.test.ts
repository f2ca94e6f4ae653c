import { bufferedRandom } from '../../../src/codes/random';

/** A source that counts its calls and returns consecutive byte values, so slices can be traced back. */
function countingSource() {
  let next = 0;
  const calls: number[] = [];
  const source = (size: number) => {
    calls.push(size);
    return Buffer.from(Array.from({ length: size }, () => next++ % 256));
  };
  return { source, calls };
}

test('hands out consecutive, never-repeated slices of few large draws', () => {
  const { source, calls } = countingSource();
  const random = bufferedRandom(source, 64);
  const slices = Array.from({ length: 20 }, () => random(10));
  expect(calls).toEqual([64, 64, 64, 64]);
  const bytes = Buffer.concat(slices);
  expect(bytes).toHaveLength(200);
  expect(new Set(slices.map((slice) => slice.toString('hex'))).size).toBe(20);
});

test('earlier slices keep their bytes after the block is replaced', () => {
  const { source } = countingSource();
  const random = bufferedRandom(source, 16);
  const first = random(16);
  const copy = Buffer.from(first);
  random(16);
  expect(first).toEqual(copy);
});

test('a request larger than a block goes to the source directly, and source errors propagate', () => {
  const { source, calls } = countingSource();
  expect(bufferedRandom(source, 8)(100)).toHaveLength(100);
  expect(calls).toEqual([100]);
  const failing = bufferedRandom(() => {
    throw new Error('entropy unavailable');
  });
  expect(() => failing(4)).toThrow('entropy unavailable');
});
