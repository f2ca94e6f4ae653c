/**
 * Redemption load over the instances of every node, as well-behaved clients
 * make it while a fault is injected: each redeemer sends an idempotency key,
 * and on TEMPORARILY_UNAVAILABLE or a failed request tries again through the
 * next instance with the same key, until it gets an answer. Whatever a
 * redeemer was finally told goes into a WinLedger, to be held against the rows;
 * every answer on the way is tallied by instance and by the phase of the fault
 * the request started in.
 */
import {
  type IssuedCode,
  type ServerInstance,
  WinLedger,
  idempotencyKey,
  outcomeName,
  redeem,
  sleep,
  uniqueAddress,
} from '../../support/processes';

const RETRY_PAUSE_MS = 100;
const GIVE_UP_MS = 90_000;
/** Answers a redeemer keeps: the others are tried again elsewhere. */
const FINAL = new Set(['redeemed', 'INVALID_OR_EXPIRED', 'RATE_LIMITED']);

export interface LoadOptions {
  readonly codesPerWave: number;
  readonly redeemersPerCode: number;
}

export class RedemptionLoad {
  readonly ledger = new WinLedger();
  /** `${phase} ${instance}` → answer name → count; a failed request is 'no HTTP answer', a 5xx 'HTTP 5xx'. */
  readonly tallies = new Map<string, Record<string, number>>();
  readonly contested: IssuedCode[] = [];
  phase = 'before';
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly instances: readonly ServerInstance[],
    private readonly codes: readonly IssuedCode[],
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.running = this.run();
  }

  /** Lets the wave under way finish (with its retries) and resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Answers of `phase` from the instance at `index`. */
  answers(phase: string, index: number): Record<string, number> {
    return this.tallies.get(`${phase} ${this.instances[index]!.name}`) ?? {};
  }

  private async run(): Promise<void> {
    for (let first = 0; !this.stopped; first += this.options.codesPerWave) {
      const wave = this.codes.slice(first, first + this.options.codesPerWave);
      if (wave.length < this.options.codesPerWave) throw new Error('the load ran out of codes: issue more');
      this.contested.push(...wave);
      await Promise.all(
        wave.flatMap((code) =>
          Array.from({ length: this.options.redeemersPerCode }, (_, redeemer) => this.redeemer(code, redeemer)),
        ),
      );
    }
  }

  /** One redeemer of `code`, starting at instance `first` mod the count, until it has an answer to keep. */
  private async redeemer(code: IssuedCode, first: number): Promise<void> {
    const address = uniqueAddress();
    const input = { code: code.code, scope: code.scope, subject: `load ${address}`, idempotencyKey: idempotencyKey() };
    const deadline = Date.now() + GIVE_UP_MS;
    for (let attempt = first; ; attempt += 1) {
      const instance = this.instances[attempt % this.instances.length]!;
      const phase = this.phase;
      let name: string;
      try {
        const answer = await redeem(instance.client, input, address);
        name = answer.status >= 500 ? 'HTTP 5xx' : outcomeName(answer.outcome);
        if (FINAL.has(name)) {
          this.count(phase, instance, name);
          this.ledger.record(answer.outcome);
          return;
        }
      } catch {
        name = 'no HTTP answer';
      }
      this.count(phase, instance, name);
      if (Date.now() > deadline) throw new Error(`a redeemer of ${code.id} got no answer within ${GIVE_UP_MS} ms`);
      await sleep(RETRY_PAUSE_MS);
    }
  }

  private count(phase: string, instance: ServerInstance, name: string): void {
    const key = `${phase} ${instance.name}`;
    const tally = this.tallies.get(key) ?? {};
    tally[name] = (tally[name] ?? 0) + 1;
    this.tallies.set(key, tally);
  }

  /** Every tally as one line per phase and instance, for the figures. */
  describe(): string {
    return [...this.tallies].map(([key, tally]) => `${key} ${JSON.stringify(tally)}`).join('; ');
  }
}
