/** A V8 .cpuprofile (node --cpu-prof), read for the profile scripts: nodes, their callers, and timed samples. */
import { readFileSync } from 'node:fs';

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds on the monotonic clock (process.hrtime), like the benchmark's run windows. */
  readonly startTime: number;
  readonly samples: readonly number[];
  /** Microseconds before each sample. */
  readonly timeDeltas: readonly number[];
}

/** One sample: the node that was running, when, and the time it stands for (the delta before it). */
export interface Sample {
  readonly nodeId: number;
  readonly atMicros: number;
  readonly micros: number;
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function parentsOf(profile: CpuProfile): Map<number, ProfileNode> {
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  return parents;
}

/** The sample timeline (more exact than hit counts: the sampling interval drifts under load). */
export function samplesOf(profile: CpuProfile): Sample[] {
  let at = profile.startTime;
  return profile.samples.map((nodeId, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    return { nodeId, atMicros: at, micros };
  });
}
