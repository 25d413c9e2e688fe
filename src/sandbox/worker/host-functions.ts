import { randomFillSync } from "node:crypto";
import type { QuickJSContext, QuickJSHandle, VmFunctionImplementation } from "quickjs-emscripten-core";
import { GUEST_FETCH_JS, GUEST_POLYFILLS_JS } from "../guest/guest-scripts.js";
import type { HostFunctionImplementations } from "../guest/host-functions.js";
import { LAZY_GUEST_SCRIPTS } from "../guest/lazy-scripts.js";
import { serveDirectly } from "./direct-host-function.js";
import { parseUrlForGuest } from "./parse-url.js";
import type { PreloadGuard } from "./preload-guard.js";

/** The most bytes one crypto.getRandomValues call may ask for (the Web Crypto limit). */
const MAX_RANDOM_BYTES_PER_CALL = 65536;

/**
 * What the guest's `__ts_*` functions reach of the run in progress. The functions are
 * installed once per guest (before a RuntimeImage capture) and serve every run of it, so
 * they ask this for the current run instead of holding one.
 */
export interface RunSide {
  /** Records a console line; false once the run's log cap is reached (the guest stops formatting lines). */
  log(level: string, text: string): boolean;
  setTimer(id: number, ms: number): void;
  clearTimer(id: number): void;
  /** Sends a host call to the main thread; a [name, message] pair refuses it at once. */
  hostCall(name: string, argsJson: string, callId: number): QuickJSHandle | undefined;
  /** A host call through a module's bound channel (see CallerBindings); refused for an unknown key. */
  hostCallAs(key: string, name: string, argsJson: string, callId: number): QuickJSHandle | undefined;
  /** Spends a module's one-time token for the key its calls go through. */
  claimCaller(token: string): string | undefined;
  /** Milliseconds since the run started (the guest's performance.now()). */
  now(): number;
}

/**
 * Installs the host functions the prelude calls as globals of `ctx`: the run's own ones
 * (through `run`), the lazy loaders of guest scripts, and host entropy. Returns whether
 * __ts_hostCall skips quickjs-emscripten's general wrapper (see serveDirectly).
 */
export function installHostFunctions(ctx: QuickJSContext, run: RunSide, guard: PreloadGuard): boolean {
  const fns: HostFunctionImplementations<QuickJSHandle, ReturnType<VmFunctionImplementation<QuickJSHandle>>> = {
    // Tells the guest to stop formatting lines nobody will see.
    __ts_log: (level, text) => (run.log(ctx.getString(level!), ctx.getString(text!)) ? ctx.true : ctx.false),
    __ts_timerSet: (id, ms) => {
      run.setTimer(ctx.getNumber(id!), ctx.getNumber(ms!));
      return undefined;
    },
    __ts_timerClear: (id) => {
      run.clearTimer(ctx.getNumber(id!));
      return undefined;
    },
    __ts_hostCall: (name, argsJson, id) => run.hostCall(ctx.getString(name!), ctx.getString(argsJson!), ctx.getNumber(id!)),
    __ts_claimCaller: (token) => {
      const key = run.claimCaller(ctx.getString(token!));
      return key === undefined ? undefined : ctx.newString(key);
    },
    __ts_hostCallAs: (key, name, argsJson, id) => run.hostCallAs(ctx.getString(key!), ctx.getString(name!), ctx.getString(argsJson!), ctx.getNumber(id!)),
    __ts_loadFetch: () => evalGlobal(ctx, GUEST_FETCH_JS, "<fetch>"),
    __ts_loadScript: (name) => {
      const scriptName = ctx.getString(name!);
      const source = Object.hasOwn(LAZY_GUEST_SCRIPTS, scriptName) ? LAZY_GUEST_SCRIPTS[scriptName] : undefined;
      return source === undefined ? undefined : evalGlobal(ctx, source, `<${scriptName}>`);
    },
    // Host entropy, drawn per call: nothing of it is in a runtime image, so every run differs.
    // Byte b is the character U+0100 + b: a string crosses into QuickJS as a C string, which a NUL would end.
    __ts_randomBytes: (count) => {
      const n = Math.max(0, Math.min(MAX_RANDOM_BYTES_PER_CALL, Math.trunc(ctx.getNumber(count!)) || 0));
      const units = new Uint16Array(randomFillSync(new Uint8Array(n))).map((byte) => 0x100 + byte);
      return ctx.newString(Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString("utf16le"));
    },
    __ts_now: () => ctx.newNumber(run.now()),
    __ts_loadPolyfills: () => {
      ctx
        .newFunction("parseUrl", (input, base) =>
          ctx.newString(parseUrlForGuest(ctx.getString(input!), base === undefined || ctx.typeof(base) === "undefined" ? undefined : ctx.getString(base))),
        )
        .consume((parseUrl) => ctx.setProp(ctx.global, "__toolsmith_host_parseUrl", parseUrl));
      return evalGlobal(ctx, GUEST_POLYFILLS_JS, "<polyfills>");
    },
  };
  // Package images evaluate bundles ahead of a run: the guard refuses what belongs to a run (see PreloadGuard).
  const guarded = guard.wrap(fns);
  for (const [name, impl] of Object.entries(guarded)) ctx.newFunction(name, impl).consume((handle) => ctx.setProp(ctx.global, name, handle));
  // Every awaited host call goes through __ts_hostCall: it skips the general wrapper.
  return serveDirectly(ctx, guarded.__ts_hostCall!, (args) => {
    guard.check("__ts_hostCall");
    return run.hostCall(args.string(0), args.string(1), args.number(2));
  });
}

/** A [name, message] pair: how a host function refuses a call at once (the guest throws it). */
export function refusal(ctx: QuickJSContext, name: string, message: string): QuickJSHandle {
  const pair = ctx.newArray();
  ctx.newString(name).consume((h) => ctx.setProp(pair, 0, h));
  ctx.newString(message).consume((h) => ctx.setProp(pair, 1, h));
  return pair;
}

/** Evaluates a guest script for its effect on the globals; its error is thrown in the guest. */
function evalGlobal(ctx: QuickJSContext, source: string, filename: string): { error: QuickJSHandle } | undefined {
  const result = ctx.evalCode(source, filename, { type: "global" });
  if (result.error) return { error: result.error };
  result.value.dispose();
  return undefined;
}
