/** bench/cpu.ts reads a process's CPU from /proc as process.cpuUsage() sees its own. */
import { meterProcess, meterSelf, microsPer } from '../../../bench/cpu';

/** Spends about `ms` of this thread's CPU. */
function burn(ms: number): void {
  const until = process.cpuUsage().user + ms * 1000;
  while (process.cpuUsage().user < until);
}

describe('CPU meters', () => {
  test('/proc/<pid>/stat agrees with process.cpuUsage() on this process, to its 10 ms ticks', () => {
    const proc = meterProcess(process.pid);
    const self = meterSelf();
    burn(200);
    const fromProc = proc.stop();
    const fromSelf = self.stop();
    expect(fromSelf).toBeGreaterThanOrEqual(200_000);
    expect(Math.abs(fromProc - fromSelf)).toBeLessThanOrEqual(30_000);
  });

  test('CPU per operation is NaN without operations, so that nothing reads as free', () => {
    expect(microsPer(5000, 10)).toBe(500);
    expect(microsPer(5000, 0)).toBeNaN();
  });
});
