/**
 * The contract between the worker and the guest runtime: the host functions the worker
 * installs as guest globals before the prelude runs (see worker/guest-run.ts), declared once.
 * The prelude (runtime/prelude.ts) reads them through `GuestHostFunctions`, the worker
 * implements them as `HostFunctionImplementations`, so a function one side has and the
 * other lacks, or one taking more arguments on the host than the guest passes, fails the
 * type check of one side. The prelude captures each one in its closure and deletes the
 * global before any agent code runs.
 *
 * Types only: this file is checked by both tsconfigs (the host's and the guest runtime's),
 * so it imports nothing.
 */

/** The console levels a log line may carry. */
export type GuestLogLevel = "log" | "info" | "warn" | "error" | "debug";

/** A host call refused up front: the name and message of the error its promise rejects with. */
export type HostCallRefusal = [errorName: string, message: string];

/** The guest scripts the prelude loads by name through `__ts_loadScript` (see lazy-scripts.ts). */
export type LazyGuestScriptName = "abort" | "form-data" | "structured-clone" | "web-crypto";

export interface GuestHostFunctions {
  /** Appends one log line; false once the run's log limit is reached (console then stops formatting lines). */
  __ts_log(level: GuestLogLevel, text: string): boolean;
  /** Starts timer `id`: the worker calls internals.fireTimer(id) after `ms` milliseconds. */
  __ts_timerSet(id: number, ms: number): void;
  __ts_timerClear(id: number): void;
  /** Sends a host call; its answer arrives later through internals.deliver(id, ...), unless refused at once. */
  __ts_hostCall(name: string, argsJson: string, id: number): HostCallRefusal | undefined;
  /** The caller key for a saved integration's one-time module token, or undefined (see bindCaller). */
  __ts_claimCaller(token: string): string | undefined;
  /** As __ts_hostCall, attributed to the caller whose key this is. */
  __ts_hostCallAs(key: string, name: string, argsJson: string, id: number): HostCallRefusal | undefined;
  /** Evaluates runtime/polyfills.ts (URL, TextEncoder, ...), after installing `PolyfillHostFunctions`. */
  __ts_loadPolyfills(): void;
  /** Evaluates runtime/fetch.ts (the prelude first installs the globals it takes: `FetchHandOver` in runtime/guest-global.ts). */
  __ts_loadFetch(): void;
  /** Evaluates one of the lazily loaded guest scripts; an unknown name does nothing. */
  __ts_loadScript(name: LazyGuestScriptName): void;
  /** `count` random bytes from the host (at most 65536) as a string, byte b as the character U+0100 + b. */
  __ts_randomBytes(count: number): string;
  /** Milliseconds since the run started (fractional, the host's monotonic clock). */
  __ts_now(): number;
}

/** Installed by the worker's __ts_loadPolyfills just before runtime/polyfills.ts runs; the polyfills take it and delete it. */
export interface PolyfillHostFunctions {
  /** Node's WHATWG URL parse as JSON: `{ ok: true, href, protocol, ... }` or `{ ok: false, message }`. */
  __toolsmith_host_parseUrl(input: string, base?: string): string;
}

/**
 * The host side of `GuestHostFunctions`: one implementation per function, taking the guest's
 * arguments as handles `H` (at most as many as the guest passes) and returning `R`.
 */
export type HostFunctionImplementations<H, R> = {
  [K in keyof GuestHostFunctions]: (...args: HandlesFor<Parameters<GuestHostFunctions[K]>, H>) => R;
};

type HandlesFor<P extends unknown[], H> = { [I in keyof P]: H };
