import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import { memoryError, stackOverflowError } from "../guest-errors.js";
import type { GuestErrorInfo } from "../protocol.js";

/** What reading a guest error needs to know besides the error itself. */
export interface ErrorReading {
  runtime: QuickJSRuntime;
  ctx: QuickJSContext;
  /** The run's memory limit, named in a memory error. */
  memoryMb: number;
  /** The error escaped the job loop: there a null is always memory exhaustion. */
  fromJobLoop: boolean;
  /** Whether the WebAssembly memory under the runtime has reached its maximum (see GuestRun). */
  wasmMemoryFull: () => boolean;
  /** Called with a host-side failure met while reading (see isInstanceFailure). */
  onHostFailure: (error: unknown) => void;
}

/**
 * What a thrown guest value says, read without running guest code beyond property reads
 * (a getter could otherwise run past the deadline). Does not dispose the handle.
 */
export function readGuestError(handle: QuickJSHandle, reading: ErrorReading): GuestErrorInfo {
  const { ctx, memoryMb } = reading;
  const read = (key: string): string | undefined => {
    try {
      const prop = ctx.getProp(handle, key);
      try {
        return ctx.typeof(prop) === "undefined" ? undefined : String(ctx.dump(prop));
      } finally {
        if (prop.alive) prop.dispose();
      }
    } catch (error) {
      reading.onHostFailure(error);
      return `[unreadable ${key}]`;
    }
  };
  let name: string | undefined;
  let message: string | undefined;
  let stack: string | undefined;
  const kind = ctx.typeof(handle);
  if (kind === "object" && isNull(handle, reading)) {
    // QuickJS throws null when it cannot even allocate the out-of-memory error.
    if (reading.fromJobLoop || reading.wasmMemoryFull() || nearMemoryLimit(reading)) return memoryError(memoryMb);
    message = "Uncaught null";
  } else if (kind === "object") {
    name = read("name");
    message = read("message");
    stack = read("stack");
    if (message === undefined && name === undefined) message = `Uncaught object: ${describeValue(handle, reading)}`;
  } else {
    message = `Uncaught ${ctx.typeof(handle)}: ${String(ctx.dump(handle))}`;
  }
  if (name === "InternalError" && message === "out of memory") return memoryError(memoryMb, stack);
  // An Error whose name and message are both empty strings: the engine could not build one (memory exhausted).
  if (name === "" && message === "") return memoryError(memoryMb);
  if (name === "InternalError" && message === "stack overflow") {
    return stackOverflowError(stack);
  }
  return { name: name ?? "Error", message: message ?? "Unknown error", stack };
}

/** The error for a host-side exception out of the engine (the WebAssembly instance aborted). */
export function abortError(error: unknown, memoryMb: number): GuestErrorInfo {
  const text = error instanceof Error ? error.message : String(error);
  if (/memory|alloc/i.test(text)) return memoryError(memoryMb);
  if (/stack/i.test(text)) return stackOverflowError();
  return { name: "SandboxError", message: `The sandbox stopped abnormally (${text}). The run was discarded; try again.` };
}

/**
 * A WebAssembly trap (or a host stack overflow) unwinding through QuickJS skips the C
 * code's own cleanup, the stack pointer's reset included: the instance is never used
 * again, even when the failure was caught and reported as a readable error.
 */
export function isInstanceFailure(error: unknown): boolean {
  return error instanceof RangeError || (error instanceof Error && error.name === "RuntimeError");
}

/** Whether the runtime's allocations are at (or too close to measure) its memory limit. */
function nearMemoryLimit({ runtime, ctx, onHostFailure }: ErrorReading): boolean {
  try {
    const usage = runtime.computeMemoryUsage();
    try {
      const figures = ctx.dump(usage) as { malloc_size?: number; malloc_limit?: number };
      return typeof figures.malloc_size === "number" && typeof figures.malloc_limit === "number" && figures.malloc_limit > 0 && figures.malloc_size > figures.malloc_limit * 0.9;
    } finally {
      usage.dispose();
    }
  } catch (error) {
    onHostFailure(error);
    return true;
  }
}

function isNull(handle: QuickJSHandle, { ctx, onHostFailure }: ErrorReading): boolean {
  try {
    return ctx.dump(handle) === null;
  } catch (error) {
    onHostFailure(error);
    return false;
  }
}

function describeValue(handle: QuickJSHandle, { ctx, onHostFailure }: ErrorReading): string {
  try {
    return JSON.stringify(ctx.dump(handle)) ?? "undefined";
  } catch (error) {
    onHostFailure(error);
    return "[unserializable]";
  }
}
