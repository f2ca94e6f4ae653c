import type { RandomBytes } from './types';

/**
 * Draws from `source` in blocks of `blockSize` and hands out slices, so that
 * issuing 10000 codes costs a few calls into the CSPRNG instead of 20000.
 * Each byte is handed out once; a new block is a new buffer, so earlier slices
 * never change. Errors of `source` propagate.
 */
export function bufferedRandom(source: RandomBytes, blockSize = 8192): RandomBytes {
  let block: Buffer = Buffer.alloc(0);
  let offset = 0;
  return (size) => {
    if (size > blockSize) return source(size);
    if (offset + size > block.length) {
      block = source(blockSize);
      offset = 0;
    }
    const slice = block.subarray(offset, offset + size);
    offset += size;
    return slice;
  };
}
