/**
 * What a test file opens (servers, pools, browsers, folders), kept so that it
 * is all released whatever failed. A failed or timed-out setup is what breaks
 * other files: a start still under way when Jest tears the environment down
 * goes on using it (mysql2's handshake then fails to load its charset tables
 * in whatever file the worker runs next). So close() first waits for every
 * start to finish, then closes each resource on its own.
 */
export class Resources {
  private readonly starts: Promise<unknown>[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  private closed = false;

  /**
   * Starts `open` (a synchronous throw counts as a failed start) and keeps
   * `close` for what it opens, as soon as it exists.
   */
  open<T>(open: () => Promise<T>, close: (resource: T) => Promise<void>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('these resources are already closed'));
    const started = Promise.resolve()
      .then(open)
      .then((resource) => {
        this.closers.push(() => close(resource));
        return resource;
      });
    this.starts.push(started.catch(() => undefined));
    return started;
  }

  /**
   * Waits for the starts still under way, then closes everything opened, last
   * first, each whether or not another failed to close; the failures are
   * thrown together at the end.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.starts);
    const failures: unknown[] = [];
    for (const close of this.closers.splice(0).reverse()) {
      await close().catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} resource(s) failed to close`);
  }
}

/**
 * Promise.all that waits for every promise to settle before it rejects, so
 * that nothing is left running behind a setup that failed early; rejects with
 * the first failure, or all of them when several failed.
 */
export async function settleAll<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, failures.map(String).join('; '));
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
