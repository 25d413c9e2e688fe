import { totalmem } from "node:os";

/** Share of the machine's memory that concurrent runs may take by default. */
const RUN_MEMORY_SHARE = 0.5;
/** What a worker thread costs besides its guest's memory (V8 isolate, QuickJS module, buffers). */
const WORKER_OVERHEAD_MB = 24;
/** Most runs at once by default, however large the machine. */
const MAX_DEFAULT_CONCURRENT_RUNS = 64;

/**
 * How many runs may be in progress at once when `limits.maxConcurrentRuns` is not set:
 * as many as half the machine's memory holds at each run's memory limit, at least the
 * warm pool. Runs waiting on I/O cost memory, not CPU, so the bound is memory's.
 */
export function defaultMaxConcurrentRuns(memoryMb: number, warmWorkers: number, machineBytes = totalmem()): number {
  const perRunBytes = (memoryMb + WORKER_OVERHEAD_MB) * 1024 * 1024;
  const byMemory = Math.floor((machineBytes * RUN_MEMORY_SHARE) / perRunBytes);
  return Math.max(warmWorkers, Math.min(MAX_DEFAULT_CONCURRENT_RUNS, byMemory));
}
