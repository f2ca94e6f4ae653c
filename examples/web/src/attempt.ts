import { useMemo, useRef } from 'react';

/** Browsers without crypto.randomUUID (plain-http origins other than localhost) still have getRandomValues. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export interface AttemptKey {
  /** The key of the attempt under way: made on the first submit, the same on every resubmit until settled. */
  take(): string;
  /** An answer arrived, or the input changed: the next submit is a new attempt. */
  settle(): void;
}

/**
 * One idempotency key per attempt, kept across resubmits of the same input
 * until an answer arrives: if the response to a won claim is lost, the retry
 * gets the original result back instead of a failure.
 */
export function useAttemptKey(): AttemptKey {
  const key = useRef<string | null>(null);
  return useMemo(
    () => ({
      take: () => (key.current ??= newIdempotencyKey()),
      settle: () => {
        key.current = null;
      },
    }),
    [],
  );
}
