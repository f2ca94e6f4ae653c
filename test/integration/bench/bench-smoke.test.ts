/**
 * The benchmark in its smoke size, so that it cannot rot: every figure is still produced, the load runs
 * still send distinct valid codes (no errors), and the hot code still has exactly one winner.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SMOKE_PLAN } from '../../../bench/plan';
import type { LoadFigure, Report } from '../../../bench/report';
import { runBench } from '../../../bench/run';
import { serverUrl } from '../../support/database';

const ROOT = path.resolve(__dirname, '../../..');
const LOG_DIR = path.join(ROOT, 'test-artifacts', 'bench');

let report: Report;

beforeAll(async () => {
  mkdirSync(LOG_DIR, { recursive: true });
  report = await runBench({
    plan: SMOKE_PLAN,
    serverUrl: serverUrl(),
    logFile: path.join(LOG_DIR, 'server-smoke.log'),
    cpuProfileDir: null,
    progress: () => {},
  });
}, 120_000);

function expectMeasured(figure: LoadFigure): void {
  expect(figure.rate).toBeGreaterThan(0);
  expect(figure.p50Ms).toBeGreaterThan(0);
  expect(figure.p99Ms).toBeGreaterThanOrEqual(figure.p50Ms);
  expect(figure.rateRatio).toBeGreaterThan(0);
  expect(figure.errors).toBe(0);
  expect(figure.serverCpuPerSuccessMicros).toBeGreaterThan(0);
}

describe('benchmark smoke run', () => {
  test('reports the raw redemption and redeemCode at every concurrency, without errors', () => {
    const { rawRedemption, redeemCode } = report.figures;
    expect(rawRedemption.map((raw) => raw.workers)).toEqual(SMOKE_PLAN.concurrencies);
    expect(redeemCode.map((load) => load.connections)).toEqual(SMOKE_PLAN.concurrencies);
    for (const raw of rawRedemption) {
      expect(raw.rate).toBeGreaterThan(0);
      expect(raw.failed).toBe(0);
      expect(raw.cpuPerRedemptionMicros).toBeGreaterThan(0);
    }
    redeemCode.forEach(expectMeasured);
    expect(redeemCode.at(-1)!.maxRssMiB).toBeGreaterThan(0);
  });

  test('redeems one multi-use code from many subjects, and the server counted every success', () => {
    const { multiUseCode } = report.figures;
    expectMeasured(multiUseCode.load);
    // A smoke run is counted in requests: autocannon waits for every answer, so none is cut off.
    expect(multiUseCode.unanswered).toBe(0);
    expect(multiUseCode.redemptionCount).toBe(multiUseCode.successes);
    expect(multiUseCode.successes).toBeGreaterThan(0);
  });

  test('reports the redeemable check, on valid codes', () => {
    expectMeasured(report.figures.redeemableCheck);
  });

  test('the hot code had exactly one winner and every racer an answer', () => {
    const { hotCode } = report.figures;
    expect(hotCode.winnersPerRun).toEqual([1]);
    expect(hotCode.answeredPerRun).toEqual([SMOKE_PLAN.hotRacers]);
    expect(hotCode.lastAnswerMsPerRun[0]).toBeGreaterThan(0);
  });

  test('redeems with a webhook endpoint subscribed, and every redemption reached the receiver once', () => {
    const { webhooks } = report.figures;
    expect(webhooks.subscribed.rate).toBeGreaterThan(0);
    expect(webhooks.subscribed.errors).toBe(0);
    expect(webhooks.expected).toBe(webhooks.subscribed.outcomes.success);
    expect(webhooks.missing).toBe(0);
    expect(webhooks.repeated).toBe(0);
    expect(webhooks.deliveriesPerSecond).toBeGreaterThan(0);
  });

  test('reports issueCodes against the raw multi-row INSERT rate', () => {
    for (const issue of [report.figures.issueCodes.oneBatch, report.figures.issueCodes.batches]) {
      expect(issue.apiRate).toBeGreaterThan(0);
      expect(issue.rawRate).toBeGreaterThan(0);
      expect(issue.ratio).toBeGreaterThan(0);
      expect(issue.apiServerCpuPerCodeMicros).toBeGreaterThan(0);
    }
  });

  test('reports how redemption and issuance fare as the table grows', () => {
    const growth = report.figures.growth!;
    expect(growth.large.stored).toBeGreaterThan(growth.small.stored);
    expect(growth.small.stored).toBeGreaterThanOrEqual(SMOKE_PLAN.growth!.smallStored);
    for (const stage of [growth.small, growth.large]) {
      expect(stage.rate).toBeGreaterThan(0);
      expect(stage.errors).toBe(0);
      expect(stage.serverCpuPerSuccessMicros).toBeGreaterThan(0);
      expect(stage.tableMiB).toBeGreaterThan(0);
    }
    expect(growth.bufferPoolMiB).toBeGreaterThan(0);
    expect(growth.issue.codes).toBe(SMOKE_PLAN.growth!.issueCodes);
    expect(growth.issue.storedAfter - growth.issue.storedBefore).toBe(growth.issue.codes);
    expect(growth.issue.rate).toBeGreaterThan(0);
    expect(growth.issue.maxRssMiB).toBeGreaterThan(0);
  });

  test('holds a smoke run to no target, and describes the machine', () => {
    expect(report.allTargetsMet).toBeNull();
    expect(report.rows.every((row) => row.met === null)).toBe(true);
    expect(report.machine.cpus).not.toBe('');
    expect(report.database).not.toBe('');
  });
});
