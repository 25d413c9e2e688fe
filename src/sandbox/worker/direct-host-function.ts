import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";

/** Reads the arguments of a direct host function call, straight from the guest's memory. */
export interface DirectArgs {
  string(index: number): string;
  number(index: number): number;
}

/** Returns undefined (the guest gets `undefined`) or a handle the guest gets (it is disposed here). */
export type DirectHostFunction = (args: DirectArgs) => QuickJSHandle | undefined;

type CallFunction = (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number;

/** The parts of quickjs-emscripten-core 0.32's QuickJSContext (private there) this file uses. */
interface ContextInternals {
  cToHostCallbacks?: { callFunction?: CallFunction };
  ctx?: { value: number };
  ffi?: {
    QTS_ArgvGetJSValueConstPointer(argv: number, index: number): number;
    QTS_GetString(ctx: number, value: number): number;
    QTS_GetFloat64(ctx: number, value: number): number;
    QTS_DupValuePointer(ctx: number, value: number): number;
    QTS_Throw(ctx: number, error: number): number;
  };
  memory?: { consumeJSCharPointer(pointer: number): string };
  runtime?: { hostRefs?: { get(id: number): unknown } };
}

/**
 * Makes `fn` (created with `ctx.newFunction(name, impl)`) run `direct` instead of `impl`.
 *
 * quickjs-emscripten calls every host function through a general wrapper: a generator
 * (in case the function is async), a scope, and a handle with its own lifetime for
 * `this` and each argument. That costs ~4 µs per call, about a quarter of an awaited
 * host call's work inside the worker. A direct function reads its arguments from the
 * FFI itself and returns a raw value.
 *
 * This uses quickjs-emscripten-core internals (the version is pinned). When they are
 * not what this file expects, it changes nothing and returns false: `impl` keeps
 * serving through the general wrapper, only slower.
 */
export function serveDirectly(ctx: QuickJSContext, impl: unknown, direct: DirectHostFunction): boolean {
  const internals = ctx as unknown as ContextInternals;
  const callbacks = internals.cToHostCallbacks;
  const general = callbacks?.callFunction;
  const ffi = internals.ffi;
  const memory = internals.memory;
  const hostRefs = internals.runtime?.hostRefs;
  const ctxPointer = internals.ctx?.value;
  if (!callbacks || typeof general !== "function" || !ffi || !memory || !hostRefs || typeof ctxPointer !== "number") return false;
  const needed = ["QTS_ArgvGetJSValueConstPointer", "QTS_GetString", "QTS_GetFloat64", "QTS_DupValuePointer", "QTS_Throw"] as const;
  if (needed.some((name) => typeof ffi[name] !== "function") || typeof memory.consumeJSCharPointer !== "function" || typeof hostRefs.get !== "function") return false;

  callbacks.callFunction = (ctxArg, thisPtr, argc, argv, fnId) => {
    if (ctxArg !== ctxPointer || hostRefs.get(fnId) !== impl) return general(ctxArg, thisPtr, argc, argv, fnId);
    // A missing argument reads as undefined would: "undefined" and NaN.
    const args: DirectArgs = {
      string: (index) => (index < argc ? memory.consumeJSCharPointer(ffi.QTS_GetString(ctxPointer, ffi.QTS_ArgvGetJSValueConstPointer(argv, index))) : "undefined"),
      number: (index) => (index < argc ? ffi.QTS_GetFloat64(ctxPointer, ffi.QTS_ArgvGetJSValueConstPointer(argv, index)) : Number.NaN),
    };
    try {
      const result = direct(args);
      if (result === undefined) return 0;
      try {
        return ffi.QTS_DupValuePointer(ctxPointer, result.value as unknown as number);
      } finally {
        result.dispose();
      }
    } catch (error) {
      // As the general wrapper does: a host-side exception becomes a guest error of the same name.
      const thrown = error instanceof Error ? ctx.newError({ name: error.name, message: error.message }) : ctx.newError(String(error));
      try {
        return ffi.QTS_Throw(ctxPointer, thrown.value as unknown as number);
      } finally {
        thrown.dispose();
      }
    }
  };
  return true;
}
