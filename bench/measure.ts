/** The measurements, each repeated per the plan, on a running server and a pool onto its database. */
import { performance } from 'node:perf_hooks';
import type { Pool } from 'mysql2/promise';
import { CodeBook, CodeQueue } from './codes';
import { meterProcess, microsPer } from './cpu';
import {
  CHECK,
  issueCodes,
  issueMultiUseCode,
  REDEEM,
  redeemAsFreshSubjects,
  redemptionCount,
  results,
} from './graphql';
import { raceOneCode, type HotCodeRun } from './hot-code';
import { consuming, cycling, runLoad, type LoadRun, type LoadTarget, type RunBounds } from './load';
import type { Plan } from './plan';
import { insertRaw, rawRedeem, type RawInsert, type RawRedeemRun } from './raw';
import { perSecond } from './stats';
import { measureWebhookPair, Receiver, type WebhookSample } from './webhooks';

/** The raw rows' scope: apart from the server's codes in the same table, as the brief asks. */
const RAW_SCOPE = 'bench-raw';

export interface IssueSample {
  readonly codes: number;
  /** Codes per second through issueCodes, and through raw multi-row INSERTs. */
  readonly apiRate: number;
  readonly rawRate: number;
  /** Per code: the server's CPU over the issueCodes calls, and this process's over the raw INSERTs. */
  readonly apiServerCpuPerCodeMicros: number;
  readonly rawCpuPerCodeMicros: number;
}

export interface Measurements {
  readonly issueBatch: IssueSample[];
  readonly issueBulk: IssueSample[];
  /** By concurrency. */
  readonly rawRedeem: Map<number, RawRedeemRun[]>;
  readonly redeem: Map<number, LoadRun[]>;
  readonly check: LoadRun[];
  readonly hotCode: HotCodeSample[];
  readonly multiUse: MultiUseSample;
  /** redeemCode with and without an endpoint subscribed to code.redeemed, pair by pair. */
  readonly webhooks: WebhookSample[];
}

/** One code of many uses, redeemed by a fresh subject per request in every repetition. */
export interface MultiUseSample {
  readonly runs: LoadRun[];
  /** The code's redemptionCount after the last run, to hold against the successful answers. */
  readonly redemptionCount: number;
}

export interface HotCodeSample extends HotCodeRun {
  /** The server's CPU over the race, per racer answered (one winner: per success would say little). */
  readonly serverCpuPerAnswerMicros: number;
}

export type Progress = (line: string) => void;

interface Context {
  readonly plan: Plan;
  readonly target: LoadTarget;
  readonly pool: Pool;
  readonly progress: Progress;
  readonly book: CodeBook;
  /** Codes the server issued, for the redeemCode runs. */
  readonly issued: CodeQueue;
  /** Codes inserted directly, for the raw redemption runs. */
  readonly raw: CodeQueue;
}

export async function measure(plan: Plan, target: LoadTarget, pool: Pool, progress: Progress): Promise<Measurements> {
  const context: Context = {
    plan,
    target,
    pool,
    progress,
    book: new CodeBook(),
    issued: new CodeQueue(),
    raw: new CodeQueue(),
  };
  const measurements: Omit<Measurements, 'multiUse' | 'webhooks'> = {
    issueBatch: [],
    issueBulk: [],
    rawRedeem: new Map(plan.concurrencies.map((concurrency) => [concurrency, []])),
    redeem: new Map(plan.concurrencies.map((concurrency) => [concurrency, []])),
    check: [],
    hotCode: [],
  };
  const multiUseRuns: LoadRun[] = [];
  // Issuing first: its codes then feed the redemption runs.
  for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
    progress(`issue, repetition ${repetition}/${plan.repetitions}`);
    measurements.issueBatch.push(noted(progress, await compareIssue(context, 1), describeIssue));
    measurements.issueBulk.push(noted(progress, await compareIssue(context, plan.issueBulkBatches), describeIssue));
  }
  await warmUp(context);
  const checkCodes = context.issued.takeMany(plan.checkCodes);
  const multiUse = await issueMultiUseCode(target.endpoint, plan.multiUse.maxRedemptions);
  for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
    progress(`redemption, repetition ${repetition}/${plan.repetitions}`);
    for (const concurrency of plan.concurrencies) {
      const raw = await measureRawRedeem(context, concurrency);
      measurements.rawRedeem.get(concurrency)!.push(noted(progress, raw, describeRaw(concurrency)));
      const load = await measureRedeem(context, concurrency);
      measurements.redeem.get(concurrency)!.push(noted(progress, load, describeLoad(`redeemCode ×${concurrency}`)));
    }
    multiUseRuns.push(noted(progress, await measureMultiUse(context, multiUse.code), describeMultiUse(plan)));
    const check = await runLoad(target, CHECK, cycling(checkCodes), plan.checkConnections, runBounds(plan));
    measurements.check.push(noted(progress, check, describeLoad(`redeemable ×${plan.checkConnections}`)));
    measurements.hotCode.push(noted(progress, await measureHotCode(context, repetition), describeHotCode));
  }
  const multiUseCount = await redemptionCount(target.endpoint, multiUse.id);
  return {
    ...measurements,
    multiUse: { runs: multiUseRuns, redemptionCount: multiUseCount },
    webhooks: await measureWebhooks(context),
  };
}

/** Last: no endpoint exists during the other figures, and an endpoint hears only what follows its creation. */
async function measureWebhooks(context: Context): Promise<WebhookSample[]> {
  const { plan, progress, target } = context;
  const receiver = await Receiver.start();
  try {
    const samples: WebhookSample[] = [];
    for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
      progress(`webhooks, repetition ${repetition}/${plan.repetitions}`);
      const redeemRun = () => measureRedeem(context, plan.webhookConnections);
      samples.push(
        noted(
          progress,
          await measureWebhookPair(target.endpoint, target.serverPid, context.pool, receiver, redeemRun),
          describeWebhooks,
        ),
      );
    }
    return samples;
  } finally {
    receiver.stop();
  }
}

/** `batches` issueCodes calls against as many raw INSERT transactions of the same size. */
async function compareIssue(context: Context, batches: number): Promise<IssueSample> {
  const raw = await insertRawBatches(context, batches);
  const serverCpu = meterProcess(context.target.serverPid);
  let apiMs = 0;
  for (let batch = 0; batch < batches; batch++) apiMs += await issueBatch(context);
  const codes = batches * context.plan.issueBatch;
  return {
    codes,
    apiRate: perSecond(codes, apiMs),
    rawRate: perSecond(codes, raw.elapsedMs),
    apiServerCpuPerCodeMicros: microsPer(serverCpu.stop(), codes),
    rawCpuPerCodeMicros: microsPer(raw.cpuMicros, codes),
  };
}

/** One issueCodes call; its codes join the redemption queue. Returns the call's milliseconds. */
async function issueBatch(context: Context): Promise<number> {
  const started = performance.now();
  const codes = await issueCodes(context.target.endpoint, context.plan.issueBatch);
  const elapsedMs = performance.now() - started;
  context.book.addIssued(codes);
  context.issued.add(codes);
  return elapsedMs;
}

/** `transactions` raw INSERT transactions of a batch each; their codes join the raw redemption queue. */
async function insertRawBatches(context: Context, transactions: number): Promise<RawInsert> {
  const { plan } = context;
  const shape = { transactions, perTransaction: plan.issueBatch, perStatement: plan.rawInsertRows };
  const inserted = await insertRaw(context.pool, context.book, shape, RAW_SCOPE);
  context.raw.add(inserted.codes);
  return inserted;
}

/** Untimed runs of both redemption paths, so that the timed ones meet warm JIT code and open connections. */
async function warmUp(context: Context): Promise<void> {
  const { plan, target } = context;
  if (plan.warmupSeconds === 0) return;
  const concurrency = plan.concurrencies[0]!;
  context.progress(`warm-up, ${plan.warmupSeconds} s`);
  await topUpRaw(context);
  const bounds = { seconds: plan.warmupSeconds, requests: null };
  await rawRedeem(context.pool, context.raw, concurrency, bounds);
  await topUpIssued(context);
  await runLoad(target, REDEEM, consuming(context.issued, concurrency), concurrency, bounds);
}

async function measureRawRedeem(context: Context, workers: number): Promise<RawRedeemRun> {
  await topUpRaw(context);
  return rawRedeem(context.pool, context.raw, workers, runBounds(context.plan));
}

async function measureRedeem(context: Context, connections: number): Promise<LoadRun> {
  await topUpIssued(context);
  return runLoad(context.target, REDEEM, consuming(context.issued, connections), connections, runBounds(context.plan));
}

function runBounds(plan: Plan): RunBounds {
  return { seconds: plan.runSeconds, requests: plan.requestsPerRun };
}

/** redeemCode on the one multi-use code, each request by a subject of its own. */
function measureMultiUse(context: Context, code: string): Promise<LoadRun> {
  const { plan, target } = context;
  return runLoad(target, redeemAsFreshSubjects(), cycling([code]), plan.multiUse.connections, runBounds(plan));
}

/**
 * A fresh scope and client address per race: the losers' failures count against both (production rate
 * limits), and must not block the next race or the other runs.
 */
async function measureHotCode(context: Context, repetition: number): Promise<HotCodeSample> {
  const scope = `bench-hot-${repetition}`;
  const [code] = await issueCodes(context.target.endpoint, 1, scope);
  const serverCpu = meterProcess(context.target.serverPid);
  const race = await raceOneCode(
    context.target.endpoint,
    code!,
    scope,
    context.plan.hotRacers,
    `127.0.0.${10 + repetition}`,
  );
  return { ...race, serverCpuPerAnswerMicros: microsPer(serverCpu.stop(), results(race.tally)) };
}

/** Issues codes until a run's worth is at hand. */
async function topUpIssued(context: Context): Promise<void> {
  while (context.issued.remaining < context.plan.codesPerRun) await issueBatch(context);
}

/** Inserts raw codes until a run's worth is at hand. */
async function topUpRaw(context: Context): Promise<void> {
  const missing = context.plan.codesPerRun - context.raw.remaining;
  if (missing > 0) await insertRawBatches(context, Math.ceil(missing / context.plan.issueBatch));
}

/** Reports a sample as it is taken: a long run shows where it is, and a noisy repetition shows as one. */
function noted<T>(progress: Progress, sample: T, describe: (sample: T) => string): T {
  progress(`  ${describe(sample)}`);
  return sample;
}

function describeIssue(sample: IssueSample): string {
  return (
    `${sample.codes} codes: issueCodes ${Math.round(sample.apiRate)}/s (server ${Math.round(sample.apiServerCpuPerCodeMicros)} µs CPU/code), ` +
    `raw INSERT ${Math.round(sample.rawRate)}/s (${Math.round(sample.rawCpuPerCodeMicros)} µs CPU/code)`
  );
}

function describeLatency(run: { rate: number; p50Ms: number; p99Ms: number }): string {
  return `${Math.round(run.rate)}/s, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms`;
}

function describeRaw(workers: number): (run: RawRedeemRun) => string {
  return (run) =>
    `raw redemption ×${workers}: ${describeLatency(run)}, ${Math.round(run.cpuPerRedemptionMicros)} µs CPU/redemption (this process)`;
}

function describeLoad(name: string): (run: LoadRun) => string {
  return (run) =>
    `${name}: ${describeLatency(run)}, server ${Math.round(run.serverCpuPerSuccessMicros)} µs CPU/success`;
}

function describeMultiUse(plan: Plan): (run: LoadRun) => string {
  return describeLoad(`redeemCode of one multi-use code ×${plan.multiUse.connections}`);
}

function describeWebhooks(sample: WebhookSample): string {
  return (
    `redeemCode ×${sample.subscribed.connections} without / with an endpoint: ${describeLatency(sample.without)} / ` +
    `${describeLatency(sample.subscribed)}, server ${Math.round(sample.without.serverCpuPerSuccessMicros)} / ` +
    `${Math.round(sample.subscribed.serverCpuPerSuccessMicros)} µs CPU/success (${Math.round(sample.serverCpuPerDeliveredRedemptionMicros)} µs until delivered); deliveries ${sample.unique}/${sample.expected} ` +
    `(${sample.received - sample.unique} repeated), ${Math.round(sample.deliveriesPerSecond)}/s, last ${Math.round(sample.lastAfterLoadMs)} ms after the load`
  );
}

function describeHotCode(run: HotCodeSample): string {
  return (
    `hot code: ${run.tally.success} winner(s), ${results(run.tally)}/${run.racers} answered, last after ${Math.round(run.lastAnswerMs)} ms, ` +
    `server ${Math.round(run.serverCpuPerAnswerMicros)} µs CPU/answer`
  );
}
