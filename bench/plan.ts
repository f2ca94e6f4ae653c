/** How much the benchmark does: the full run (for the figures) or the smoke run (so that it cannot rot). */

export type Mode = 'full' | 'smoke';

export interface Plan {
  readonly mode: Mode;
  /** Each measurement is repeated this often and its median reported: the machine is shared and noisy. */
  readonly repetitions: number;
  /** Length of each timed load run (raw redemption, redeemCode, redeemable check): an upper bound with requestsPerRun. */
  readonly runSeconds: number;
  /** Ends each run after this many requests instead; null runs for runSeconds (or until the codes run out). */
  readonly requestsPerRun: number | null;
  /** An untimed redeemCode run first, so that JIT and connection pools are warm; 0 skips it. */
  readonly warmupSeconds: number;
  /** Concurrent workers / connections of the redemption runs. */
  readonly concurrencies: readonly number[];
  readonly checkConnections: number;
  /** Codes at hand before each redemption run; a run that uses them up ends early. */
  readonly codesPerRun: number;
  /** Valid codes the redeemable check cycles through (a check does not consume them). */
  readonly checkCodes: number;
  readonly hotRacers: number;
  /** Codes per issueCodes call (and per raw INSERT transaction). */
  readonly issueBatch: number;
  /** Batches of the bulk issue figure. */
  readonly issueBulkBatches: number;
  /** Rows per raw multi-row INSERT statement. */
  readonly rawInsertRows: number;
  /** One code of this many uses, redeemed over this many connections, each request by another subject. */
  readonly multiUse: { readonly maxRedemptions: number; readonly connections: number };
  /** Connections of the redeemCode runs with and without a webhook endpoint subscribed. */
  readonly webhookConnections: number;
  /** How cost grows with the table (growth.ts); null skips it. */
  readonly growth: GrowthPlan | null;
}

export interface GrowthPlan {
  /** Rows in the codes table during the first redeemCode runs, and during the second. */
  readonly smallStored: number;
  readonly largeStored: number;
  /** Issued codes at hand for each of those runs; a run that uses them up ends early (the smoke run, on purpose). */
  readonly codesPerRun: number;
  /** The bulk issue: this many codes in issueCodes calls of issueCall. */
  readonly issueCodes: number;
  readonly issueCall: number;
  /** Rows per multi-row INSERT of the rows that only fill the table. */
  readonly fillerRows: number;
}

/** Over two minutes of issuing and filling on top of the full run: only with --growth. */
export const FULL_GROWTH: GrowthPlan = {
  smallStored: 100_000,
  largeStored: 1_000_000,
  codesPerRun: 20_000,
  issueCodes: 1_000_000,
  issueCall: 10_000,
  fillerRows: 5_000,
};

export const FULL_PLAN: Plan = {
  mode: 'full',
  repetitions: 3,
  runSeconds: 6,
  requestsPerRun: null,
  warmupSeconds: 2,
  concurrencies: [16, 64],
  checkConnections: 16,
  codesPerRun: 40_000,
  checkCodes: 5_000,
  hotRacers: 500,
  issueBatch: 10_000,
  issueBulkBatches: 10,
  rawInsertRows: 1_000,
  multiUse: { maxRedemptions: 1_000_000, connections: 16 },
  webhookConnections: 16,
  growth: null,
};

/**
 * About a second per figure on a quiet machine, one repetition: checks that every figure is still produced,
 * not how fast. Runs are counted in requests, so that a busy machine still answers some of them.
 */
export const SMOKE_PLAN: Plan = {
  ...FULL_PLAN,
  mode: 'smoke',
  repetitions: 1,
  runSeconds: 10,
  requestsPerRun: 500,
  warmupSeconds: 0,
  codesPerRun: 3_000,
  checkCodes: 500,
  issueBatch: 2_000,
  issueBulkBatches: 2,
  // Scaled down, but always there: so that the growth figures cannot rot either.
  growth: {
    smallStored: 5_000,
    largeStored: 20_000,
    codesPerRun: 300,
    issueCodes: 20_000,
    issueCall: 5_000,
    fillerRows: 5_000,
  },
};
