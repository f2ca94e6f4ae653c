/**
 * What one cluster test file did and found: printed at its end as a block of
 * "name: value" lines, as the reliability suite prints its own, and kept in
 * test-artifacts/cluster/figures-<suite>.json beside figures.json, which
 * gathers the latest figures of every file.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CLUSTER_ARTIFACTS_DIR = path.resolve(__dirname, '../../..', 'test-artifacts', 'cluster');

export class ClusterFigures {
  private readonly values: Record<string, number | string> = {};

  /** Adds `amount` to the count `name`. */
  add(name: string, amount = 1): void {
    this.values[name] = Number(this.values[name] ?? 0) + amount;
  }

  /** Sets a measurement (a time, a list of outcomes). */
  note(name: string, value: number | string): void {
    this.values[name] = value;
  }

  report(suite: string): void {
    mkdirSync(CLUSTER_ARTIFACTS_DIR, { recursive: true });
    const own = { suite, writtenAt: new Date().toISOString(), ...this.values };
    writeFileSync(path.join(CLUSTER_ARTIFACTS_DIR, `figures-${suite}.json`), JSON.stringify(own, null, 2));
    writeFileSync(path.join(CLUSTER_ARTIFACTS_DIR, 'figures.json'), JSON.stringify(allFigures(), null, 2));
    const lines = Object.entries(this.values).map(([name, value]) => `  ${name}: ${value}`);
    console.log([`==== cluster figures: ${suite} ====`, ...lines, '===='].join('\n'));
  }
}

function allFigures(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const name of readdirSync(CLUSTER_ARTIFACTS_DIR).filter((file) => /^figures-.+\.json$/.test(file))) {
    const figures = JSON.parse(readFileSync(path.join(CLUSTER_ARTIFACTS_DIR, name), 'utf8')) as { suite: string };
    files[figures.suite] = figures;
  }
  return files;
}
