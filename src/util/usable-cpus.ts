import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * CPUs this process may use: its affinity (availableParallelism), and on Linux the
 * cgroup v2 quota (`cpu.max`), which Node 20's availableParallelism does not read.
 */
export function usableCpus(): number {
  const cpus = availableParallelism();
  try {
    const [quota, period] = readFileSync("/sys/fs/cgroup/cpu.max", "utf8").trim().split(/\s+/);
    const q = Number(quota);
    const p = Number(period);
    if (quota !== "max" && q > 0 && p > 0) return Math.min(cpus, Math.max(1, Math.floor(q / p)));
  } catch {
    // Not Linux, or no cgroup v2 quota to read: the affinity is all there is.
  }
  return cpus;
}
