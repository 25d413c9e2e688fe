import type { GuestErrorInfo } from "./protocol.js";

/** The errors a run can end with that the sandbox itself raises, each with a fix in its message. */
export function timeoutError(timeoutMs: number): GuestErrorInfo {
  return {
    name: "TimeoutError",
    message: `The run exceeded its time limit of ${timeoutMs} ms. Do less work per run (or pass a larger timeoutMs, up to limits.timeoutMs in config.json).`,
  };
}

export function memoryError(memoryMb: number, stack?: string): GuestErrorInfo {
  return {
    name: "MemoryError",
    message: `The run ran out of memory (limit ${memoryMb} MB, limits.memoryMb). Process data in smaller pieces or keep less of it at once.`,
    stack,
  };
}

export function stackOverflowError(stack?: string): GuestErrorInfo {
  return { name: "RangeError", message: "Maximum call stack size exceeded (runaway recursion?). Make the recursion iterative or shallower.", stack };
}
