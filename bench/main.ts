/**
 * npm run bench [-- --smoke] [--cpu-prof]: runs the benchmark, prints a markdown table and (full runs
 * only) writes bench/results/latest.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchServerUrl } from './database';
import { FULL_PLAN, SMOKE_PLAN } from './plan';
import { markdownTable } from './report';
import { runBench } from './run';
import { repoRoot } from './server';

const USAGE = 'usage: npm run bench [-- --smoke] [--cpu-prof]';
const FLAGS = new Set(['--smoke', '--cpu-prof']);

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((arg) => !FLAGS.has(arg));
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const plan = args.includes('--smoke') ? SMOKE_PLAN : FULL_PLAN;
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
  if (report.cpuProfile)
    console.log(`\nserver CPU profile: ${report.cpuProfile} (node dist/bench/bench/profile-top.js <file>)`);
  // Smoke figures mean nothing and a profiler slows the server: only a plain full run replaces the committed results.
  if (plan.mode === 'full' && !profiling)
    writeFileSync(path.join(results, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
