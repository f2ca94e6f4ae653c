/**
 * Prints where a .cpuprofile (node --cpu-prof) spent its time: the functions with the most self time, each
 * with the callers that account for most of it (a native like writeBuffer says little on its own), and
 * self time by package. Usage: node dist/bench/bench/profile-top.js <file.cpuprofile> [count]
 */
import path from 'node:path';
import { parentsOf, readProfile, samplesOf, type CpuProfile, type ProfileNode } from './cpuprofile';

interface Sampled {
  readonly node: ProfileNode;
  readonly parent: ProfileNode | undefined;
  readonly micros: number;
}

const DEFAULT_COUNT = 25;
const CALLERS_SHOWN = 2;
const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)/;

/** Self time per profile node, from the sample timeline. */
function sampled(profile: CpuProfile): Sampled[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = parentsOf(profile);
  const micros = new Map<number, number>();
  for (const sample of samplesOf(profile)) micros.set(sample.nodeId, (micros.get(sample.nodeId) ?? 0) + sample.micros);
  return [...micros].map(([id, time]) => ({ node: nodes.get(id)!, parent: parents.get(id), micros: time }));
}

function totalsBy(samples: readonly Sampled[], key: (sample: Sampled) => string): [string, number][] {
  const totals = new Map<string, number>();
  for (const sample of samples) totals.set(key(sample), (totals.get(key(sample)) ?? 0) + sample.micros);
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** `name file:line`, the file relative to the working directory (or to node_modules). */
function functionLabel(node: ProfileNode | undefined): string {
  if (!node) return '(root)';
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('node_modules/');
  const shown = modules >= 0 ? file.slice(modules + 'node_modules/'.length) : path.relative(process.cwd(), file);
  return `${name} ${shown}:${lineNumber + 1}`;
}

/** A node_modules package, node itself, the project, native code, or a V8 pseudo-node such as (idle). */
function packageLabel({ node }: Sampled): string {
  const { functionName, url } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native code)';
  if (url.startsWith('node:')) return 'node (core)';
  return PACKAGE.exec(url)?.[1] ?? 'claimcheck';
}

function line(micros: number, total: number, label: string): string {
  return `${(micros / 1000).toFixed(0).padStart(8)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${label}`;
}

function main(args: readonly string[]): void {
  const [file, countText] = args;
  if (!file) {
    console.error('usage: node dist/bench/bench/profile-top.js <file.cpuprofile> [count]');
    process.exitCode = 2;
    return;
  }
  const count = countText ? Number(countText) : DEFAULT_COUNT;
  const samples = sampled(readProfile(file));
  const total = samples.reduce((sum, sample) => sum + sample.micros, 0);
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nself time by function (top callers indented)`);
  for (const [label, micros] of totalsBy(samples, (sample) => functionLabel(sample.node)).slice(0, count)) {
    console.log(line(micros, total, label));
    const own = samples.filter((sample) => functionLabel(sample.node) === label);
    for (const [caller, callerMicros] of totalsBy(own, (sample) => functionLabel(sample.parent)).slice(
      0,
      CALLERS_SHOWN,
    )) {
      console.log(line(callerMicros, total, `    ← ${caller}`));
    }
  }
  console.log('\nself time by package');
  for (const [label, micros] of totalsBy(samples, packageLabel).slice(0, count))
    console.log(line(micros, total, label));
}

main(process.argv.slice(2));
