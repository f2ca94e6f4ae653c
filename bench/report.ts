/** Medians, ratios to the raw baselines, targets, and the two outputs: latest.json and a markdown table. */
import os from 'node:os';
import { results, unsuccessful, type Tally } from './graphql';
import type { GrowthMeasurements, GrowthStage } from './growth';
import type { LoadRun, MonotonicWindow } from './load';
import type { HotCodeSample, IssueSample, Measurements } from './measure';
import type { WebhookSample } from './webhooks';
import type { Mode, Plan } from './plan';
import type { RawRedeemRun } from './raw';
import { median, round } from './stats';

/** The issue's targets. Only a full run is held to them. */
export const TARGETS = {
  /** redeemCode throughput over the raw redemption's, at the same concurrency. */
  redeemRatio: 0.4,
  /** p99 of redeemCode by connections. */
  redeemP99Ms: { 16: 25, 64: 80 } as Record<number, number>,
  /** Server CPU (user + system) per successful redemption, by connections. */
  redeemCpuMicros: { 16: 500 } as Record<number, number>,
  /** redeemable check throughput over the raw redemption's at the same concurrency. */
  checkRatio: 0.5,
  /** Server CPU per successful check, at checkConnections. */
  checkCpuMicros: 300,
  hotLastAnswerMs: 1000,
  /** redeemCode with an endpoint subscribed to code.redeemed over the adjacent runs without (issue 13). */
  webhookRatio: 0.9,
  issueRatio: 0.6,
  /** Server RSS under the highest concurrency. */
  rssMiB: 250,
} as const;

export interface RawFigure {
  readonly workers: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
  /** The raw loop's own process CPU per redemption (there is no server): the floor of driver and protocol. */
  readonly cpuPerRedemptionMicros: number;
}

/** A load run's figures on their own: medians over the repetitions. */
export interface LoadSummary {
  readonly connections: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Summed over the repetitions: everything that was not the success type, plus connection errors. */
  readonly errors: number;
  readonly outcomes: Tally & { readonly socketErrors: number };
  readonly maxRssMiB: number;
  /** Server process CPU over the run ÷ successful answers. */
  readonly serverCpuPerSuccessMicros: number;
}

export interface LoadFigure extends LoadSummary {
  /** Over the raw redemption at the same concurrency. */
  readonly rateRatio: number;
  readonly p99Ratio: number;
  readonly cpuRatio: number;
}

export interface HotCodeFigure {
  readonly racers: number;
  readonly winnersPerRun: number[];
  /** Racers whose answer was a RedeemCodeResult (a Redemption or a RedeemFailure). */
  readonly answeredPerRun: number[];
  readonly lastAnswerMsPerRun: number[];
  readonly serverCpuPerAnswerMicros: number;
}

export interface IssueFigure {
  readonly codes: number;
  readonly codesPerCall: number;
  readonly apiRate: number;
  readonly rawRate: number;
  readonly ratio: number;
  /** Server CPU per code issued; this process's CPU per code inserted raw. */
  readonly apiServerCpuPerCodeMicros: number;
  readonly rawCpuPerCodeMicros: number;
}

/** One code of many uses under the redemption load, beside the load on distinct codes. */
export interface MultiUseFigure {
  readonly maxRedemptions: number;
  readonly load: LoadFigure;
  /** Its rate over redeemCode's on distinct codes at the same connections. */
  readonly rateVsDistinct: number;
  /** What the server counted on the code at the end, against the successful answers over all repetitions. */
  readonly redemptionCount: number;
  readonly successes: number;
  /** Requests in flight when a timed run stopped: redemptions the server may have made unseen. */
  readonly unanswered: number;
}

/** The redemption load with a webhook endpoint subscribed, beside the adjacent runs without, and the deliveries. */
export interface WebhookFigure {
  readonly without: LoadSummary;
  readonly subscribed: LoadSummary;
  /** Medians of the pairs' ratios: each pair ran back to back. */
  readonly rateRatio: number;
  readonly cpuDeltaMicros: number;
  /** Server CPU per redemption from the subscribed run's start to its last delivery, less the run without. */
  readonly deliveryCpuMicros: number;
  readonly expected: number;
  readonly delivered: number;
  readonly missing: number;
  /** Requests beyond the first per webhook-id (retries or duplicates; 0 expected). */
  readonly repeated: number;
  readonly deliveriesPerSecond: number;
  readonly lastAfterLoadMs: number[];
}

export interface GrowthStageFigure extends LoadSummary {
  readonly stored: number;
  readonly tableMiB: number;
}

export interface GrowthFigure {
  readonly bufferPoolMiB: number;
  readonly small: GrowthStageFigure;
  readonly large: GrowthStageFigure;
  /** The large stage's rate and CPU per redemption over the small stage's. */
  readonly rateRatio: number;
  readonly cpuRatio: number;
  readonly issue: {
    readonly codes: number;
    readonly codesPerCall: number;
    readonly storedBefore: number;
    readonly storedAfter: number;
    readonly seconds: number;
    readonly rate: number;
    readonly serverCpuPerCodeMicros: number;
    readonly maxRssMiB: number;
    /** Its rate over the main run's issueCodes figure of several calls. */
    readonly rateRatio: number;
  };
}

export interface Figures {
  readonly rawRedemption: RawFigure[];
  readonly redeemCode: LoadFigure[];
  readonly redeemableCheck: LoadFigure;
  readonly hotCode: HotCodeFigure;
  readonly multiUseCode: MultiUseFigure;
  readonly issueCodes: { readonly oneBatch: IssueFigure; readonly batches: IssueFigure };
  readonly webhooks: WebhookFigure;
  /** Null unless the plan had growth (always in smoke runs, with --growth in full ones). */
  readonly growth: GrowthFigure | null;
}

/** One line of the table; `met` is null for figures without a target and in smoke runs. */
export interface Row {
  readonly figure: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly met: boolean | null;
}

export interface Report {
  readonly mode: Mode;
  readonly date: string;
  readonly elapsedSeconds: number;
  readonly machine: { readonly cpus: string; readonly totalMemoryGiB: number; readonly os: string };
  readonly node: string;
  readonly database: string;
  readonly plan: Plan;
  readonly figures: Figures;
  readonly rows: Row[];
  /** Null in a smoke run, which has no thresholds. */
  readonly allTargetsMet: boolean | null;
  readonly cpuProfile: string | null;
  /** When each load run on the main server ran, so that its CPU profile can be cut to them (profile-layers). */
  readonly runWindows: RunWindow[];
}

export interface RunWindow extends MonotonicWindow {
  /** e.g. "redeemCode ×16": the runs of one figure share it. */
  readonly figure: string;
  readonly successes: number;
}

export interface RunFacts {
  readonly startedAt: Date;
  readonly elapsedSeconds: number;
  readonly database: string;
  readonly cpuProfile: string | null;
}

export function buildReport(
  plan: Plan,
  measurements: Measurements,
  growth: GrowthMeasurements | null,
  facts: RunFacts,
): Report {
  const figures = summarize(plan, measurements, growth);
  const rows = tableRows(plan, figures);
  const verdicts = rows.map((row) => row.met).filter((met) => met !== null);
  return {
    mode: plan.mode,
    date: facts.startedAt.toISOString(),
    elapsedSeconds: round(facts.elapsedSeconds),
    machine: describeMachine(),
    node: process.version,
    database: facts.database,
    plan,
    figures,
    rows,
    allTargetsMet: plan.mode === 'smoke' ? null : verdicts.every(Boolean),
    cpuProfile: facts.cpuProfile,
    runWindows: runWindows(plan, measurements),
  };
}

function runWindows(plan: Plan, measurements: Measurements): RunWindow[] {
  const windows = (figure: string, runs: readonly LoadRun[]): RunWindow[] =>
    runs.map((run) => ({ figure, ...run.window, successes: run.tally.success }));
  return [
    ...[...measurements.redeem].flatMap(([connections, runs]) => windows(`redeemCode ×${connections}`, runs)),
    ...windows(`redeemCode, one multi-use code ×${plan.multiUse.connections}`, measurements.multiUse.runs),
    ...windows(`redeemable ×${plan.checkConnections}`, measurements.check),
  ];
}

function describeMachine(): Report['machine'] {
  const cpus = os.cpus();
  return {
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    totalMemoryGiB: round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function summarize(plan: Plan, measurements: Measurements, growth: GrowthMeasurements | null): Figures {
  const rawRedemption = plan.concurrencies.map((workers) => rawFigure(workers, measurements.rawRedeem.get(workers)!));
  const rawAt = (concurrency: number): RawFigure => {
    const figure = rawRedemption.find((raw) => raw.workers === concurrency);
    if (!figure) throw new Error(`no raw redemption at ${concurrency} workers to compare with`);
    return figure;
  };
  const issueCodes = {
    oneBatch: issueFigure(measurements.issueBatch, plan.issueBatch),
    batches: issueFigure(measurements.issueBulk, plan.issueBatch),
  };
  const redeemCode = plan.concurrencies.map((connections) =>
    loadFigure(measurements.redeem.get(connections)!, rawAt(connections)),
  );
  return {
    rawRedemption,
    redeemCode,
    multiUseCode: multiUseFigure(plan, measurements, rawAt(plan.multiUse.connections), redeemCode),
    redeemableCheck: loadFigure(measurements.check, rawAt(plan.checkConnections)),
    hotCode: hotCodeFigure(plan.hotRacers, measurements.hotCode),
    issueCodes,
    webhooks: webhookFigure(measurements.webhooks),
    growth: growth && growthFigure(growth, issueCodes.batches),
  };
}

function webhookFigure(samples: readonly WebhookSample[]): WebhookFigure {
  const expected = sum(samples.map((sample) => sample.expected));
  const delivered = sum(samples.map((sample) => Math.min(sample.unique, sample.expected)));
  return {
    without: loadSummary(samples.map((sample) => sample.without)),
    subscribed: loadSummary(samples.map((sample) => sample.subscribed)),
    rateRatio: round(median(samples.map((sample) => sample.subscribed.rate / sample.without.rate)), 2),
    cpuDeltaMicros: round(
      median(
        samples.map((sample) => sample.subscribed.serverCpuPerSuccessMicros - sample.without.serverCpuPerSuccessMicros),
      ),
      0,
    ),
    deliveryCpuMicros: round(
      median(
        samples.map(
          (sample) => sample.serverCpuPerDeliveredRedemptionMicros - sample.without.serverCpuPerSuccessMicros,
        ),
      ),
      0,
    ),
    expected,
    delivered,
    missing: expected - delivered,
    repeated: sum(samples.map((sample) => sample.received - sample.unique)),
    deliveriesPerSecond: round(median(samples.map((sample) => sample.deliveriesPerSecond)), 0),
    lastAfterLoadMs: samples.map((sample) => Math.round(sample.lastAfterLoadMs)),
  };
}

function growthFigure(growth: GrowthMeasurements, issued: IssueFigure): GrowthFigure {
  const stageFigure = (stage: GrowthStage): GrowthStageFigure => ({
    stored: stage.stored,
    tableMiB: round(stage.tableMiB),
    ...loadSummary(stage.runs),
  });
  const small = stageFigure(growth.small);
  const large = stageFigure(growth.large);
  const { issue } = growth;
  return {
    bufferPoolMiB: round(growth.bufferPoolMiB),
    small,
    large,
    rateRatio: round(large.rate / small.rate, 2),
    cpuRatio: round(large.serverCpuPerSuccessMicros / small.serverCpuPerSuccessMicros, 2),
    issue: {
      codes: issue.codes,
      codesPerCall: issue.codesPerCall,
      storedBefore: issue.storedBefore,
      storedAfter: issue.storedAfter,
      seconds: round(issue.elapsedMs / 1000),
      rate: round(issue.rate, 0),
      serverCpuPerCodeMicros: round(issue.serverCpuPerCodeMicros),
      maxRssMiB: round(issue.maxRssMiB),
      rateRatio: round(issue.rate / issued.apiRate, 2),
    },
  };
}

function rawFigure(workers: number, runs: readonly RawRedeemRun[]): RawFigure {
  return {
    workers,
    rate: round(median(runs.map((run) => run.rate)), 0),
    p50Ms: round(median(runs.map((run) => run.p50Ms))),
    p99Ms: round(median(runs.map((run) => run.p99Ms))),
    failed: sum(runs.map((run) => run.failed)),
    cpuPerRedemptionMicros: round(median(runs.map((run) => run.cpuPerRedemptionMicros)), 0),
  };
}

function loadFigure(runs: readonly LoadRun[], raw: RawFigure): LoadFigure {
  const summary = loadSummary(runs);
  return {
    ...summary,
    rateRatio: round(summary.rate / raw.rate, 2),
    p99Ratio: round(summary.p99Ms / raw.p99Ms, 2),
    cpuRatio: round(summary.serverCpuPerSuccessMicros / raw.cpuPerRedemptionMicros, 2),
  };
}

function loadSummary(runs: readonly LoadRun[]): LoadSummary {
  const outcomes = {
    success: sum(runs.map((run) => run.tally.success)),
    refused: sum(runs.map((run) => run.tally.refused)),
    graphqlError: sum(runs.map((run) => run.tally.graphqlError)),
    non2xx: sum(runs.map((run) => run.tally.non2xx)),
    malformed: sum(runs.map((run) => run.tally.malformed)),
    socketErrors: sum(runs.map((run) => run.socketErrors)),
  };
  return {
    connections: runs[0]!.connections,
    rate: round(median(runs.map((run) => run.rate)), 0),
    p50Ms: round(median(runs.map((run) => run.p50Ms))),
    p99Ms: round(median(runs.map((run) => run.p99Ms))),
    errors: unsuccessful(outcomes) + outcomes.socketErrors,
    outcomes,
    maxRssMiB: round(Math.max(...runs.map((run) => run.maxRssMiB))),
    serverCpuPerSuccessMicros: round(median(runs.map((run) => run.serverCpuPerSuccessMicros)), 0),
  };
}

function multiUseFigure(
  plan: Plan,
  measurements: Measurements,
  raw: RawFigure,
  distinct: readonly LoadFigure[],
): MultiUseFigure {
  const load = loadFigure(measurements.multiUse.runs, raw);
  const same = distinct.find((figure) => figure.connections === load.connections);
  return {
    maxRedemptions: plan.multiUse.maxRedemptions,
    load,
    rateVsDistinct: same ? round(load.rate / same.rate, 2) : NaN,
    redemptionCount: measurements.multiUse.redemptionCount,
    successes: load.outcomes.success,
    unanswered: sum(measurements.multiUse.runs.map((run) => run.unanswered)),
  };
}

function hotCodeFigure(racers: number, runs: readonly HotCodeSample[]): HotCodeFigure {
  return {
    racers,
    winnersPerRun: runs.map((run) => run.tally.success),
    answeredPerRun: runs.map((run) => results(run.tally)),
    lastAnswerMsPerRun: runs.map((run) => round(run.lastAnswerMs)),
    serverCpuPerAnswerMicros: round(median(runs.map((run) => run.serverCpuPerAnswerMicros)), 0),
  };
}

function issueFigure(samples: readonly IssueSample[], codesPerCall: number): IssueFigure {
  const apiRate = median(samples.map((sample) => sample.apiRate));
  const rawRate = median(samples.map((sample) => sample.rawRate));
  return {
    codes: samples[0]!.codes,
    codesPerCall,
    apiRate: round(apiRate, 0),
    rawRate: round(rawRate, 0),
    ratio: round(apiRate / rawRate, 2),
    apiServerCpuPerCodeMicros: round(median(samples.map((sample) => sample.apiServerCpuPerCodeMicros))),
    rawCpuPerCodeMicros: round(median(samples.map((sample) => sample.rawCpuPerCodeMicros))),
  };
}

function tableRows(plan: Plan, figures: Figures): Row[] {
  const verdict = (met: boolean): boolean | null => (plan.mode === 'smoke' ? null : met);
  const rows: Row[] = figures.rawRedemption.map((raw) =>
    row(
      `raw redemption, ${raw.workers} workers`,
      `${raw.rate} /s, p50 ${raw.p50Ms} ms, p99 ${raw.p99Ms} ms${raw.failed > 0 ? `, ${raw.failed} did not win` : ''}; ` +
        `${raw.cpuPerRedemptionMicros} µs CPU/redemption (its own process)`,
    ),
  );
  for (const load of figures.redeemCode) {
    const raw = figures.rawRedemption.find((figure) => figure.workers === load.connections)!;
    const p99Limit = TARGETS.redeemP99Ms[load.connections];
    const cpuLimit = TARGETS.redeemCpuMicros[load.connections];
    rows.push(
      row(`redeemCode, ${load.connections} connections`, `${load.rate} /s; ${describeCpu(load, 'redemption')}`, {
        baseline: `${raw.rate} /s`,
        ratio: load.rateRatio.toFixed(2),
        target: `≥ ${TARGETS.redeemRatio.toFixed(2)}`,
        met: verdict(load.rateRatio >= TARGETS.redeemRatio),
      }),
      row(`redeemCode, ${load.connections} connections, latency`, `p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms`, {
        baseline: `p99 ${raw.p99Ms} ms`,
        ratio: load.p99Ratio.toFixed(2),
        target: p99Limit === undefined ? '' : `p99 ≤ ${p99Limit} ms`,
        met: p99Limit === undefined ? null : verdict(load.p99Ms <= p99Limit),
      }),
      row(
        `redeemCode, ${load.connections} connections, server CPU`,
        `${load.serverCpuPerSuccessMicros} µs/redemption`,
        {
          baseline: `${raw.cpuPerRedemptionMicros} µs (raw loop's process)`,
          ratio: load.cpuRatio.toFixed(2),
          target: cpuLimit === undefined ? '' : `≤ ${cpuLimit} µs`,
          met: cpuLimit === undefined ? null : verdict(load.serverCpuPerSuccessMicros <= cpuLimit),
        },
      ),
      row(`redeemCode, ${load.connections} connections, errors`, describeErrors(load)),
    );
  }
  rows.push(...multiUseRows(figures.multiUseCode, figures.redeemCode, verdict));
  const heaviest = figures.redeemCode.at(-1)!;
  rows.push(
    row(`server RSS, ${heaviest.connections} connections`, `${heaviest.maxRssMiB} MiB (max)`, {
      target: `≤ ${TARGETS.rssMiB} MiB`,
      met: verdict(heaviest.maxRssMiB <= TARGETS.rssMiB),
    }),
  );
  const check = figures.redeemableCheck;
  const checkRaw = figures.rawRedemption.find((figure) => figure.workers === check.connections)!;
  rows.push(
    row(
      `redeemable check, ${check.connections} connections`,
      `${check.rate} /s, p99 ${check.p99Ms} ms; ${describeCpu(check, 'check')}`,
      {
        baseline: `${checkRaw.rate} /s (raw redemption)`,
        ratio: check.rateRatio.toFixed(2),
        target: `≥ ${TARGETS.checkRatio.toFixed(2)}`,
        met: verdict(check.rateRatio >= TARGETS.checkRatio),
      },
    ),
    row(
      `redeemable check, ${check.connections} connections, server CPU`,
      `${check.serverCpuPerSuccessMicros} µs/check`,
      {
        baseline: `${checkRaw.cpuPerRedemptionMicros} µs (raw redemption's process)`,
        ratio: check.cpuRatio.toFixed(2),
        target: `≤ ${TARGETS.checkCpuMicros} µs`,
        met: verdict(check.serverCpuPerSuccessMicros <= TARGETS.checkCpuMicros),
      },
    ),
    row(`redeemable check, ${check.connections} connections, errors`, describeErrors(check)),
    ...hotCodeRows(figures.hotCode, verdict),
    ...[figures.issueCodes.oneBatch, figures.issueCodes.batches].map((issue) =>
      row(
        `issueCodes, ${issue.codes} codes in calls of ${issue.codesPerCall}`,
        `${issue.apiRate} codes/s; server ${issue.apiServerCpuPerCodeMicros} µs CPU/code`,
        {
          baseline: `${issue.rawRate} codes/s (multi-row INSERT; ${issue.rawCpuPerCodeMicros} µs CPU/code in its process)`,
          ratio: issue.ratio.toFixed(2),
          target: `≥ ${TARGETS.issueRatio.toFixed(2)}`,
          met: verdict(issue.ratio >= TARGETS.issueRatio),
        },
      ),
    ),
    ...webhookRows(figures.webhooks, verdict),
    ...(figures.growth ? growthRows(figures.growth, figures.issueCodes.batches) : []),
  );
  return rows;
}

function webhookRows(webhooks: WebhookFigure, verdict: (met: boolean) => boolean | null): Row[] {
  const { without, subscribed } = webhooks;
  const name = `redeemCode, ${subscribed.connections} connections, endpoint subscribed to code.redeemed`;
  return [
    row(name, `${subscribed.rate} /s, p99 ${subscribed.p99Ms} ms; ${describeCpu(subscribed, 'redemption')}`, {
      baseline: `without: ${without.rate} /s, p99 ${without.p99Ms} ms, ${without.serverCpuPerSuccessMicros} µs CPU`,
      ratio: `${webhooks.rateRatio.toFixed(2)} (CPU +${webhooks.cpuDeltaMicros} µs)`,
      target: `≥ ${TARGETS.webhookRatio.toFixed(2)}`,
      met: verdict(webhooks.rateRatio >= TARGETS.webhookRatio),
    }),
    row(`${name}, errors`, describeErrors(subscribed)),
    row(
      'webhook deliveries to a local receiver',
      `${webhooks.delivered} of ${webhooks.expected} redemptions, ${webhooks.repeated} repeated; ` +
        `${webhooks.deliveriesPerSecond} /s; last ${webhooks.lastAfterLoadMs.join(', ')} ms after the load; ` +
        `server ${webhooks.deliveryCpuMicros} µs CPU per delivery (until the last one arrived)`,
      { target: 'none missing', met: verdict(webhooks.missing === 0) },
    ),
  ];
}

function multiUseRows(
  multiUse: MultiUseFigure,
  distinct: readonly LoadFigure[],
  verdict: (met: boolean) => boolean | null,
): Row[] {
  const { load } = multiUse;
  const same = distinct.find((figure) => figure.connections === load.connections);
  const name = `redeemCode, one code of ${multiUse.maxRedemptions} uses, ${load.connections} connections`;
  return [
    row(name, `${load.rate} /s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms; ${describeCpu(load, 'redemption')}`, {
      baseline: same
        ? `distinct codes: ${same.rate} /s, p99 ${same.p99Ms} ms, ${same.serverCpuPerSuccessMicros} µs CPU`
        : '',
      ratio: multiUse.rateVsDistinct.toFixed(2),
    }),
    row(`${name}, errors`, describeErrors(load)),
    row(
      `${name}: redemptionCount at the end`,
      `${multiUse.redemptionCount} (successful answers ${multiUse.successes}, requests cut off unanswered ${multiUse.unanswered})`,
      {
        target: 'successes ≤ count ≤ successes + cut off',
        met: verdict(
          multiUse.redemptionCount >= multiUse.successes &&
            multiUse.redemptionCount <= multiUse.successes + multiUse.unanswered,
        ),
      },
    ),
  ];
}

function growthRows(growth: GrowthFigure, issued: IssueFigure): Row[] {
  const { small, large, issue } = growth;
  const stageName = (stage: GrowthStageFigure): string =>
    `growth: redeemCode, ${stage.connections} connections, ${stage.stored} codes stored ` +
    `(table ${stage.tableMiB} MiB, buffer pool ${growth.bufferPoolMiB} MiB)`;
  const stageValue = (stage: GrowthStageFigure): string =>
    `${stage.rate} /s, p99 ${stage.p99Ms} ms; ${describeCpu(stage, 'redemption')}`;
  return [
    row(stageName(small), stageValue(small)),
    row(stageName(large), stageValue(large), {
      baseline: `${small.rate} /s, ${small.serverCpuPerSuccessMicros} µs CPU (${small.stored} stored)`,
      ratio: `${growth.rateRatio.toFixed(2)} (CPU ${growth.cpuRatio.toFixed(2)})`,
    }),
    row(
      'growth: redeemCode, errors',
      [small, large].map((stage) => `${stage.stored} stored: ${describeErrors(stage)}`).join('; '),
    ),
    row(
      `growth: issueCodes, ${issue.codes} codes in calls of ${issue.codesPerCall} (${issue.storedBefore} → ${issue.storedAfter} stored)`,
      `${issue.seconds} s, ${issue.rate} codes/s; server ${issue.serverCpuPerCodeMicros} µs CPU/code; max server RSS ${issue.maxRssMiB} MiB`,
      {
        baseline: `${issued.apiRate} codes/s (issueCodes, ${issued.codes} codes)`,
        ratio: issue.rateRatio.toFixed(2),
      },
    ),
  ];
}

function hotCodeRows(hot: HotCodeFigure, verdict: (met: boolean) => boolean | null): Row[] {
  const slowest = Math.max(...hot.lastAnswerMsPerRun);
  const allAnswered = hot.answeredPerRun.every((answered) => answered === hot.racers);
  return [
    row(`hot code, ${hot.racers} racers: winners per run`, hot.winnersPerRun.join(', '), {
      target: 'exactly 1 in every run',
      met: verdict(hot.winnersPerRun.every((winners) => winners === 1)),
    }),
    row(
      `hot code, ${hot.racers} racers: answered, last answer`,
      `${hot.answeredPerRun.join(', ')} answered; last after ${hot.lastAnswerMsPerRun.join(', ')} ms; ` +
        `server ${hot.serverCpuPerAnswerMicros} µs CPU/answer`,
      {
        target: `all, ≤ ${TARGETS.hotLastAnswerMs} ms`,
        met: verdict(allAnswered && slowest <= TARGETS.hotLastAnswerMs),
      },
    ),
  ];
}

function row(figure: string, value: string, rest: Partial<Omit<Row, 'figure' | 'value'>> = {}): Row {
  return { figure, value, baseline: '', ratio: '', target: '', met: null, ...rest };
}

function describeCpu(load: LoadSummary, operation: string): string {
  return `server ${load.serverCpuPerSuccessMicros} µs CPU/${operation}`;
}

function describeErrors(load: LoadSummary): string {
  const { refused, graphqlError, non2xx, malformed, socketErrors } = load.outcomes;
  if (load.errors === 0) return '0';
  return `${load.errors} (RedeemFailure ${refused}, GraphQL errors ${graphqlError}, non-2xx ${non2xx}, unreadable ${malformed}, connection ${socketErrors})`;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export function markdownTable(report: Report): string {
  const mark = (met: boolean | null): string => (met === null ? '' : met ? 'pass' : '**FAIL**');
  const lines = [
    '| figure | value (median) | raw baseline | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...report.rows.map(
      (row) => `| ${row.figure} | ${row.value} | ${row.baseline} | ${row.ratio} | ${row.target} | ${mark(row.met)} |`,
    ),
  ];
  const verdict =
    report.allTargetsMet === null
      ? 'smoke run: no targets'
      : report.allTargetsMet
        ? 'all targets met'
        : 'targets missed';
  return [
    `claimcheck benchmark (${report.mode}), ${report.date}: ${report.machine.cpus}, ${report.machine.totalMemoryGiB} GiB, node ${report.node}, ${report.database}`,
    '',
    ...lines,
    '',
    `${verdict}; ${report.plan.repetitions} repetition(s), ${report.elapsedSeconds} s`,
  ].join('\n');
}
