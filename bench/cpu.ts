/**
 * CPU time spent, per process: on a shared two-core machine a wall-clock rate moves with whatever else runs,
 * while the CPU a process spends per operation is its own cost.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ, what `getconf CLK_TCK` says on Linux: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;
const MICROS_PER_TICK = 1e6 / CLOCK_TICKS_PER_SECOND;
/** utime and stime, counted from the field after the command name (state, field 3, is index 0). */
const UTIME_INDEX = 14 - 3;
const STIME_INDEX = 15 - 3;

/** Measures CPU from its creation; stop() gives the microseconds spent since. */
export interface CpuMeter {
  stop(): number;
}

/** User plus system CPU of process `pid` (all its threads: GC and the libuv pool too), in microseconds. */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may itself hold spaces or parentheses: the fields follow the last one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[UTIME_INDEX]) + Number(fields[STIME_INDEX])) * MICROS_PER_TICK;
}

/** Another process, such as the server child. */
export function meterProcess(pid: number): CpuMeter {
  const before = processCpuMicros(pid);
  return { stop: () => processCpuMicros(pid) - before };
}

/** This process (the raw baselines run in it), with microsecond resolution. */
export function meterSelf(): CpuMeter {
  const before = process.cpuUsage();
  return {
    stop: () => {
      const spent = process.cpuUsage(before);
      return spent.user + spent.system;
    },
  };
}

/** Microseconds of CPU per operation; NaN when there was none, so that it never reads as free. */
export function microsPer(cpuMicros: number, operations: number): number {
  return operations > 0 ? cpuMicros / operations : NaN;
}

/** A point of the monotonic clock in microseconds, the clock of V8's .cpuprofile timestamps: windows of a profile. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
