import { performance } from "node:perf_hooks";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { GUEST_PRELUDE_JS } from "../guest/guest-scripts.js";
import { BUILTIN_MODULES } from "../guest/builtin-modules.js";
import type { FromWorker, GuestErrorInfo, HostCallReply, RunFinished, RunOutcome, RunRequest } from "../protocol.js";
import { abortError, isInstanceFailure, readGuestError } from "./guest-error-reader.js";
import { SpinWait } from "../spin-wait.js";
import { CallerBindings } from "./caller-bindings.js";
import { PreludeEntry } from "./prelude-entry.js";
import { installHostFunctions, refusal } from "./host-functions.js";
import { RunState } from "./run-state.js";
import { PreloadGuard } from "./preload-guard.js";

/** QuickJS's own stack limit; the worker's native stack (16 MiB) is far larger, so QuickJS always trips first. */
const GUEST_MAX_STACK_BYTES = 512 * 1024;
/** How long the worker polls for a host reply before it sleeps (see SpinWait). */
const REPLY_SPIN_BUDGET_MS = SpinWait.budget(0.2);
/** The callers of code loaded outside a run (the builtin modules at setup): none is bound. */
const NO_CALLERS = new CallerBindings(() => "");

/**
 * A prepared QuickJS runtime that runs agent code, one run at a time. Never throws from
 * a run: every way a run can end becomes a `RunFinished` message.
 *
 * What belongs to one run lives in its RunState, made when the run starts and dropped
 * when it ends; this class keeps only the engine and what was prepared before any run
 * (so a guest rewound from a RuntimeImage needs no reset).
 */
export class GuestRun {
  private readonly runtime: QuickJSRuntime;
  private readonly ctx: QuickJSContext;
  /** The run in progress, if any. */
  private current: RunState | undefined;
  /** The prelude's entry points, taken once at setup (undefined: setup failed). */
  private entry: PreludeEntry | undefined;
  /** Whether __ts_hostCall skips quickjs-emscripten's general wrapper (see serveDirectly). */
  servesHostCallsDirectly = false;
  /** Learns across runs how long host replies take to come (see SpinWait). */
  private readonly replySpin = new SpinWait(REPLY_SPIN_BUDGET_MS);
  private readonly setupError: GuestErrorInfo | undefined;
  /** Whether the last run ended in a way that lets its WebAssembly instance be reused. */
  private reusable = false;
  /** The WebAssembly instance aborted during a run, or a caught failure left it unsafe (see isInstanceFailure). */
  private poisoned = false;
  /** Up while package modules are evaluated ahead of a run (see PackageImages): refuses host functions that belong to a run. */
  readonly preloadGuard = new PreloadGuard();
  /** The engine's stop check: the run's deadline or a cancellation (PackageImages puts it back after using its own). */
  readonly shouldInterrupt = (): boolean => this.current?.mustStop() ?? false;

  /**
   * Prepares everything that does not depend on the run (runtime, globals, prelude,
   * builtin modules) so that a warm spare only has to evaluate the agent's code.
   *
   * @param wasmMemoryFull whether the WebAssembly memory under the runtime has reached its
   *   maximum: it can fill up before QuickJS's own count reaches the limit (allocator
   *   overhead), and then QuickJS cannot even allocate its out-of-memory error.
   */
  constructor(
    qjs: QuickJSWASMModule,
    readonly memoryMb: number,
    private readonly wasmMemoryFull: () => boolean = () => false,
  ) {
    this.runtime = qjs.newRuntime();
    this.runtime.setMemoryLimit(memoryMb * 1024 * 1024);
    this.runtime.setMaxStackSize(GUEST_MAX_STACK_BYTES);
    this.runtime.setInterruptHandler(this.shouldInterrupt);
    this.ctx = this.runtime.newContext();
    this.setupError = this.setUp();
  }

  private setUp(): GuestErrorInfo | undefined {
    this.installHostFunctions();
    const prelude = this.ctx.evalCode(GUEST_PRELUDE_JS, "<prelude>", { type: "global" });
    if (prelude.error) return this.consumeError(prelude.error);
    const internals = prelude.value;
    this.runtime.setModuleLoader(
      (name) => {
        const js = name.startsWith(UNRESOLVED) ? undefined : this.moduleCode(CallerBindings.codeOf(name));
        return js === undefined ? { error: new Error(unresolvedImportMessage(name.replace(UNRESOLVED, ""))) } : this.callers.source(name, js);
      },
      (base, requested) => this.normalize(base, requested),
    );
    // Evaluate the builtin module first so it takes the internals out of the global scope.
    const builtin = this.ctx.evalCode(BUILTIN_MODULES.toolsmith ?? "", "toolsmith", { type: "module" });
    if (builtin.error) {
      internals.dispose();
      return this.consumeError(builtin.error);
    }
    builtin.value.dispose();
    this.entry = new PreludeEntry(this.ctx, internals);
    return undefined;
  }

  /**
   * Loads the web globals (URL, TextEncoder, fetch and the rest) that the prelude
   * otherwise compiles on first use. Worth it only for a guest captured as a
   * RuntimeImage, where the load is paid once for every run; false if it failed.
   */
  preloadWebGlobals(): boolean {
    if (this.setupError) return false;
    const loaded = this.ctx.evalCode(PRELOADED_GLOBALS, "<preload>", { type: "global" });
    if (loaded.error) {
      loaded.error.dispose();
      return false;
    }
    loaded.value.dispose();
    return true;
  }

  /** The QuickJS runtime and context this guest runs in (for capturing them as a RuntimeImage). */
  get engine(): { runtime: QuickJSRuntime; ctx: QuickJSContext } | undefined {
    return this.setupError ? undefined : { runtime: this.runtime, ctx: this.ctx };
  }

  hostReply(reply: HostCallReply): void {
    this.current?.hostReply(reply);
  }

  /** Moves the deadline of the run in progress (null: no deadline while it waits for a person's approval). */
  setDeadline(deadline: number | null): void {
    this.current?.setDeadline(deadline);
  }

  cancel(reason: string): void {
    this.current?.cancel(reason);
  }

  /**
   * Runs the request's code to its outcome.
   *
   * @param drainMessages delivers messages already waiting for the worker, without the event loop; whether any came.
   * @param cancelled the reason the run was cancelled before it could start (it then ends at once).
   */
  async run(request: RunRequest, post: (message: FromWorker) => void, drainMessages?: () => boolean, cancelled?: string): Promise<RunFinished> {
    const run = new RunState(request, { post, drainMessages }, cancelled);
    this.current = run;
    let outcome: RunOutcome;
    try {
      outcome = await this.evaluate(run);
    } catch (error) {
      // A host-side exception here means the WebAssembly instance aborted (e.g. native
      // stack exhaustion); its memory may be inconsistent, so it is never touched again.
      this.poisoned = true;
      outcome = { ok: false, error: abortError(error, this.memoryMb) };
    } finally {
      run.end();
      this.current = undefined;
    }
    this.reusable = !this.poisoned && isCleanEnd(outcome);
    return { type: "done", runId: request.runId, outcome, logs: run.logs.takeRest(), logsTruncated: run.logs.truncated, poisoned: this.poisoned };
  }

  /** Whether the last run aborted the WebAssembly instance (nothing may run in it again). */
  get aborted(): boolean {
    return this.poisoned;
  }

  /**
   * Frees the runtime after its outcome has been sent (so freeing is not on the
   * caller's wait). Returns whether the WebAssembly instance may serve another run:
   * after an interrupt or exhaustion QuickJS may abort while freeing, so such a runtime
   * is dropped with its instance instead of being freed.
   */
  release(): boolean {
    return this.reusable && this.dispose();
  }

  private async evaluate(run: RunState): Promise<RunOutcome> {
    if (this.setupError) return { ok: false, error: this.setupError };
    const entry = this.entry!;
    const { request } = run;
    const configureError = entry.configure({ secretNames: request.host.secretNames, nonce: request.host.secretNonce, maxOutputChars: request.maxOutputChars });
    if (configureError) return { ok: false, error: this.consumeError(configureError) };
    const main = this.ctx.evalCode(request.main.js, request.main.specifier, { type: "module" });
    if (main.error) return { ok: false, error: this.consumeError(main.error) };
    const finished = entry.finish(main.value);
    main.value.dispose();
    if (finished.error) return { ok: false, error: this.consumeError(finished.error) };
    const promise = finished.value;
    try {
      return await this.settle(run, promise);
    } finally {
      if (promise.alive) promise.dispose();
    }
  }

  /** Pumps jobs, timers and host replies until the outcome promise settles or the run must stop. */
  private async settle(run: RunState, promise: QuickJSHandle): Promise<RunOutcome> {
    for (;;) {
      const jobs = this.runtime.executePendingJobs();
      if (jobs.error) {
        // Promise jobs turn the guest's own throws into rejections: what escapes the job
        // loop is the engine's (an interrupt, exhaustion), and a null one is memory.
        const error = this.consumeError(jobs.error, true);
        return { ok: false, error };
      }
      const state = this.ctx.getPromiseState(promise);
      if (state.type === "fulfilled") {
        const text = this.ctx.getString(state.value);
        state.value.dispose();
        const outcome = decodeOutcome(text);
        // A guest-side error caught after an interrupt is the stop itself.
        const stop = outcome.ok ? undefined : run.stopReason();
        return stop ? { ok: false, error: stop } : outcome;
      }
      if (state.type === "rejected") return { ok: false, error: this.consumeError(state.error) };
      const stop = run.stopReason();
      if (stop) return { ok: false, error: stop };
      if (run.queue.length === 0) {
        if (run.idle) {
          return {
            ok: false,
            error: {
              name: "NeverSettledError",
              message:
                "The module's default export is a promise that can never settle: nothing is left to wait for (no timer, no host call). Check for a missing resolve() or an await on a promise nobody settles.",
            },
          };
        }
        const waitStart = performance.now();
        // Quick host replies are caught by polling; anything slower wakes the event loop.
        if (!(run.pendingCalls.size > 0 && this.replySpin.spin(run.drainMessages))) {
          await run.nextEvent();
          this.replySpin.waited(performance.now() - waitStart);
        }
        // Nothing ran in the guest while it waited, so its jobs and the outcome are as they
        // were: only a stop or a newly queued item can be new (a reply goes straight in).
        const stopped = run.stopReason();
        if (stopped) return { ok: false, error: stopped };
        if (run.queue.length === 0) continue;
      }
      this.applyQueued(run);
    }
  }

  private applyQueued(run: RunState): void {
    for (const item of run.queue.splice(0)) {
      if (item.kind === "timer") this.entry!.fireTimer(item.id);
      // A call whose answer comes after the run gave up on it (or twice) is not delivered.
      else if (run.pendingCalls.delete(item.reply.callId)) this.entry!.deliver(item.reply);
    }
  }

  /** The caller bindings of the run in progress (none outside a run). */
  private get callers(): CallerBindings {
    return this.current?.callers ?? NO_CALLERS;
  }

  /** The code of module `specifier`: the run's own, or a builtin. */
  private moduleCode(specifier: string): string | undefined {
    return this.current?.modules.get(specifier) ?? (Object.hasOwn(BUILTIN_MODULES, specifier) ? BUILTIN_MODULES[specifier] : undefined);
  }

  /**
   * Module names are absolute: a known one is its own name. An unknown one (or the running
   * module itself) gets a name no module has, which the loader refuses with the requested
   * name in its message (quickjs-emscripten drops an error returned from here and asks the
   * loader for '' instead).
   */
  private normalize(base: string, requested: string): string {
    return this.moduleCode(requested) !== undefined ? this.callers.instanceFor(base, requested) : `${UNRESOLVED}${requested}`;
  }

  /** The host functions reach the run in progress; outside a run (setup) they do nothing. */
  private installHostFunctions(): void {
    this.servesHostCallsDirectly = installHostFunctions(this.ctx, {
      log: (level, text) => {
        const logs = this.current?.logs;
        logs?.add(level, text);
        return logs !== undefined && !logs.truncated;
      },
      setTimer: (id, ms) => this.current?.setTimer(id, ms),
      clearTimer: (id) => this.current?.clearTimer(id),
      hostCall: (name, argsJson, callId) => this.startHostCall(name, argsJson, callId),
      hostCallAs: (channel, call, json, callId) => {
        if (!this.current?.callers.has(channel)) return refusal(this.ctx, "Error", "This host channel is not known to the sandbox.");
        return this.startHostCall(call, json, callId, this.current.callers.callerOf(channel, call, json));
      },
      claimCaller: (token) => this.current?.callers.claim(token),
      now: () => (this.current ? performance.now() - this.current.startedAt : 0),
    }, this.preloadGuard);
  }

  /** Sends a guest's host call to the main thread; returns a [errorName, message] pair to refuse it at once. */
  private startHostCall(name: string, argsJson: string, callId: number, caller?: string): QuickJSHandle | undefined {
    const run = this.current;
    if (!run) return refusal(this.ctx, "Error", `'${name}' is not available outside a run`);
    const refused = run.refusalOf(name);
    if (refused) return refusal(this.ctx, ...refused);
    run.sendHostCall(name, argsJson, callId, caller);
    return undefined;
  }

  /** Reads a guest error without running guest code beyond property reads, then disposes it. */
  private consumeError(handle: QuickJSHandle, fromJobLoop = false): GuestErrorInfo {
    try {
      // Past the deadline (or cancelled), whatever the engine says is a consequence of the stop.
      return (
        this.current?.stopReason() ??
        readGuestError(handle, {
          runtime: this.runtime,
          ctx: this.ctx,
          memoryMb: this.memoryMb,
          fromJobLoop,
          wasmMemoryFull: this.wasmMemoryFull,
          onHostFailure: (error) => this.noteHostFailure(error),
        })
      );
    } finally {
      if (handle.alive) handle.dispose();
    }
  }

  /** A host-side failure caught while reading the guest: one that leaves the instance unsafe poisons it. */
  private noteHostFailure(error: unknown): void {
    if (isInstanceFailure(error)) this.poisoned = true;
  }

  private dispose(): boolean {
    try {
      this.entry?.dispose();
      this.ctx.dispose();
      this.runtime.dispose();
      return true;
    } catch {
      // Disposal can fail after a guest OOM; the instance is dropped either way.
      return false;
    }
  }
}

/**
 * What a guest captured as a RuntimeImage loads up front (see preloadWebGlobals): every
 * lazy group of web globals, paid once per image instead of once per run that uses them.
 */
const PRELOADED_GLOBALS = "void [globalThis.URL, globalThis.fetch, globalThis.AbortController, globalThis.FormData, globalThis.structuredClone, globalThis.crypto];";

/** Prefix of the name an import that resolves to nothing is given (see normalize). */
const UNRESOLVED = "?unresolved?";

function unresolvedImportMessage(specifier: string): string {
  if (specifier.startsWith("library/")) {
    return `Cannot find module '${specifier}': no saved integration has that name. Use search_library to find one, or save_integration to create it.`;
  }
  return `Cannot import '${specifier}': only 'library/<name>', 'mcp/<server>', 'npm:<package>@<range>' (written literally, so it is fetched before the run) and 'toolsmith' can be imported (no Node built-ins).`;
}

/** Errors after which the engine's state is suspect: its instance is not reused. */
const UNCLEAN_ERRORS = new Set(["TimeoutError", "MemoryError", "CancelledError", "RangeError", "SandboxError", "InternalError", "NeverSettledError"]);

function isCleanEnd(outcome: RunOutcome): boolean {
  return outcome.ok || !UNCLEAN_ERRORS.has(outcome.error.name);
}

function decodeOutcome(text: string): RunOutcome {
  if (text.startsWith("1")) return { ok: true, resultJson: text.slice(1) };
  if (text.startsWith("2")) return { ok: true, resultJson: text.slice(1), truncated: true };
  try {
    const error = JSON.parse(text.slice(1)) as GuestErrorInfo;
    return { ok: false, error: { name: String(error.name), message: String(error.message), stack: error.stack === undefined ? undefined : String(error.stack) } };
  } catch {
    return { ok: false, error: { name: "Error", message: "The run failed with an error that could not be read." } };
  }
}
