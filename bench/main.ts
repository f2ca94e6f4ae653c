/**
 * npm run bench [-- --smoke] [--cpu-prof] [--growth]: runs the benchmark, prints a markdown table and (full
 * runs only) writes bench/results/latest.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchServerUrl } from './database';
import { FULL_GROWTH, FULL_PLAN, SMOKE_PLAN, type Plan } from './plan';
import { markdownTable } from './report';
import { runBench } from './run';
import { repoRoot } from './server';

const USAGE = 'usage: npm run bench [-- --smoke] [--cpu-prof] [--growth]';
const FLAGS = new Set(['--smoke', '--cpu-prof', '--growth']);
/** The report of the latest --cpu-prof run, beside its profile. */
const PROFILED_REPORT = 'cpu-prof-report.json';

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((arg) => !FLAGS.has(arg));
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const plan = planOf(args);
  const profiling = args.includes('--cpu-prof');
  const results = path.join(repoRoot(), 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const report = await runBench({
    plan,
    serverUrl: benchServerUrl(),
    logFile: path.join(results, `server-${plan.mode}.log`),
    cpuProfileDir: profiling ? results : null,
    progress: (line) => console.error(`bench: ${line}`),
  });
  console.log(markdownTable(report));
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (report.cpuProfile) {
    // The run windows in it cut the profile to the load runs: only this run's report fits this profile.
    const profiled = path.join(results, PROFILED_REPORT);
    writeFileSync(profiled, json);
    console.log(`\nserver CPU profile: ${report.cpuProfile}, its run's report: ${profiled}`);
    console.log(`  node dist/bench/bench/profile-layers.js ${report.cpuProfile} ${profiled}`);
    console.log(`  node dist/bench/bench/profile-top.js ${report.cpuProfile}`);
  }
  // Smoke figures mean nothing and a profiler slows the server: only a plain full run replaces the committed results.
  if (plan.mode === 'full' && !profiling) writeFileSync(path.join(results, 'latest.json'), json);
}

/** The smoke plan always measures growth, scaled down; a full run only with --growth (minutes more). */
function planOf(args: readonly string[]): Plan {
  if (args.includes('--smoke')) return SMOKE_PLAN;
  return args.includes('--growth') ? { ...FULL_PLAN, growth: FULL_GROWTH } : FULL_PLAN;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
