import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import { GUEST_PRELUDE_JS } from "../guest/prelude.js";
import { BUILTIN_MODULES } from "../guest/builtin-modules.js";
import type { FromWorker, GuestErrorInfo, HostCallReply, RunFinished, RunOutcome, RunRequest } from "../protocol.js";
import { timeoutError } from "../guest-errors.js";
import { abortError, isInstanceFailure, readGuestError } from "./guest-error-reader.js";
import { SpinWait } from "../spin-wait.js";
import { CallerBindings } from "./caller-bindings.js";
import { RunLogs } from "./run-logs.js";
import { PreludeEntry } from "./prelude-entry.js";
import { installHostFunctions, refusal } from "./host-functions.js";

/** QuickJS's own stack limit; the worker's native stack (16 MiB) is far larger, so QuickJS always trips first. */
const GUEST_MAX_STACK_BYTES = 512 * 1024;
/** How long the worker polls for a host reply before it sleeps (see SpinWait). */
const REPLY_SPIN_BUDGET_MS = SpinWait.budget(0.2);

type Settle = { kind: "host"; reply: HostCallReply } | { kind: "timer"; id: number };

/**
 * One run of agent code in a fresh QuickJS runtime. Never throws: every way a run
 * can end becomes a `RunFinished` message.
 */
export class GuestRun {
  private readonly runtime: QuickJSRuntime;
  private readonly ctx: QuickJSContext;
  private readonly modules: Map<string, string>;
  /** Which modules of this run make their host calls under their own name (see CallerBindings). */
  private readonly callers = new CallerBindings(() => randomBytes(16).toString("hex"));
  /** Host calls sent to the main thread and not answered yet (their promises live in the guest). */
  private readonly pendingCalls = new Set<number>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** The run's console lines (made anew by each run). */
  private logs = new RunLogs(0, () => undefined);
  private hostCalls = 0;
  private wake: (() => void) | undefined;
  private cancelled: string | undefined;
  private readonly queue: Settle[] = [];
  /** The prelude's entry points, taken once at setup (undefined: setup failed). */
  private entry: PreludeEntry | undefined;
  /** Whether __ts_hostCall skips quickjs-emscripten's general wrapper (see serveDirectly). */
  servesHostCallsDirectly = false;
  /** When the run started (performance.now() on the host): the guest's performance.now() counts from here. */
  private runStartedAt = performance.now();
  /** Wakes the run's event wait at its deadline (one timer per run, not one per wait). */
  private deadlineTimer: NodeJS.Timeout | undefined;

  private request!: RunRequest;
  private post!: (message: FromWorker) => void;
  /** Delivers messages already waiting for the worker, without the event loop; whether any came. */
  private drainMessages: () => boolean = () => false;
  private readonly replySpin = new SpinWait(REPLY_SPIN_BUDGET_MS);
  private deadline = Number.POSITIVE_INFINITY;
  private readonly setupError: GuestErrorInfo | undefined;

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
    this.runtime.setInterruptHandler(() => Date.now() > this.deadline || this.cancelled !== undefined);
    this.ctx = this.runtime.newContext();
    this.modules = new Map(Object.entries(BUILTIN_MODULES));
    this.setupError = this.setUp();
  }

  private setUp(): GuestErrorInfo | undefined {
    this.installHostFunctions();
    const prelude = this.ctx.evalCode(GUEST_PRELUDE_JS, "<prelude>", { type: "global" });
    if (prelude.error) return this.consumeError(prelude.error);
    const internals = prelude.value;
    this.runtime.setModuleLoader(
      (name) => {
        const js = name.startsWith(UNRESOLVED) ? undefined : this.modules.get(CallerBindings.codeOf(name));
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

  /**
   * Forgets the last run, for a guest whose QuickJS state has been rewound to before it
   * (see RuntimeImage): the next run starts as on a freshly set-up guest.
   *
   * Every handle this class keeps across runs is made in setUp, before the capture; a
   * handle made during a run and kept (a lazily cached one, say) would point into memory
   * the rewind takes back, and disposing it later would corrupt the restored state.
   */
  reset(): void {
    this.pendingCalls.clear();
    this.timers.clear();
    this.hostCalls = 0;
    this.wake = undefined;
    this.cancelled = undefined;
    this.queue.length = 0;
    this.drainMessages = () => false;
    this.deadline = Number.POSITIVE_INFINITY;
    this.deadlineTimer = undefined;
    this.callers.clear();
    // The run's own modules go; the builtin ones stay (kept in place: nothing new to allocate per run).
    for (const specifier of this.modules.keys()) if (!Object.hasOwn(BUILTIN_MODULES, specifier)) this.modules.delete(specifier);
    for (const [specifier, js] of Object.entries(BUILTIN_MODULES)) this.modules.set(specifier, js);
    this.reusable = false;
    this.poisoned = false;
  }

  hostReply(reply: HostCallReply): void {
    // Call ids start again with each run: a late answer to an earlier run must not settle this one's call.
    if (reply.runId !== this.request?.runId) return;
    this.queue.push({ kind: "host", reply });
    this.wake?.();
  }

  /** Moves the deadline (null: no deadline while the run waits for a person's approval). */
  setDeadline(deadline: number | null): void {
    clearTimeout(this.deadlineTimer);
    this.deadline = deadline ?? Number.POSITIVE_INFINITY;
    this.deadlineTimer = deadline === null ? undefined : setTimeout(() => this.wake?.(), Math.max(0, deadline - Date.now()) + 1);
  }

  cancel(reason: string): void {
    this.cancelled = reason;
    this.wake?.();
  }

  async run(request: RunRequest, post: (message: FromWorker) => void, drainMessages?: () => boolean): Promise<RunFinished> {
    this.request = request;
    this.post = post;
    this.logs = new RunLogs(request.maxLogChars, (logs) => post({ type: "logs", runId: request.runId, logs }));
    this.runStartedAt = performance.now();
    if (drainMessages) this.drainMessages = drainMessages;
    this.deadline = request.deadline;
    this.deadlineTimer = setTimeout(() => this.wake?.(), Math.max(0, request.deadline - Date.now()) + 1);
    this.callers.clear();
    for (const m of request.modules) {
      this.modules.set(m.specifier, m.js);
      if (m.caller !== undefined) this.callers.assign(m.specifier, m.caller);
    }
    let outcome: RunOutcome;
    try {
      outcome = await this.evaluate();
    } catch (error) {
      // A host-side exception here means the WebAssembly instance aborted (e.g. native
      // stack exhaustion); its memory may be inconsistent, so it is never touched again.
      this.poisoned = true;
      outcome = { ok: false, error: abortError(error, this.memoryMb) };
    }
    for (const timer of this.timers.values()) clearTimeout(timer);
    clearTimeout(this.deadlineTimer);
    this.reusable = !this.poisoned && isCleanEnd(outcome);
    return { type: "done", runId: this.request.runId, outcome, logs: this.logs.takeRest(), logsTruncated: this.logs.truncated, poisoned: this.poisoned };
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

  private async evaluate(): Promise<RunOutcome> {
    if (this.setupError) return { ok: false, error: this.setupError };
    const entry = this.entry!;
    const configureError = entry.configure({ secretNames: this.request.secretNames, nonce: this.request.secretNonce, maxOutputChars: this.request.maxOutputChars });
    if (configureError) return { ok: false, error: this.consumeError(configureError) };
    const main = this.ctx.evalCode(this.request.main.js, this.request.main.specifier, { type: "module" });
    if (main.error) return { ok: false, error: this.consumeError(main.error) };
    const finished = entry.finish(main.value);
    main.value.dispose();
    if (finished.error) return { ok: false, error: this.consumeError(finished.error) };
    const promise = finished.value;
    try {
      return await this.settle(promise);
    } finally {
      if (promise.alive) promise.dispose();
    }
  }

  /** Pumps jobs, timers and host replies until the outcome promise settles or the run must stop. */
  private async settle(promise: QuickJSHandle): Promise<RunOutcome> {
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
        const stop = outcome.ok ? undefined : this.stopReason();
        return stop ? { ok: false, error: stop } : outcome;
      }
      if (state.type === "rejected") return { ok: false, error: this.consumeError(state.error) };
      const stop = this.stopReason();
      if (stop) return { ok: false, error: stop };
      if (this.queue.length === 0) {
        if (this.pendingCalls.size === 0 && this.timers.size === 0) {
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
        if (!(this.pendingCalls.size > 0 && this.replySpin.spin(this.drainMessages))) {
          await this.nextEvent();
          this.replySpin.waited(performance.now() - waitStart);
        }
        // Nothing ran in the guest while it waited, so its jobs and the outcome are as they
        // were: only a stop or a newly queued item can be new (a reply goes straight in).
        const stopped = this.stopReason();
        if (stopped) return { ok: false, error: stopped };
        if (this.queue.length === 0) continue;
      }
      this.applyQueued();
    }
  }

  /** Resolves on the next timer, host reply, cancellation or the deadline. */
  private nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  private applyQueued(): void {
    for (const item of this.queue.splice(0)) {
      if (item.kind === "timer") this.entry!.fireTimer(item.id);
      // A call whose answer comes after the run gave up on it (or twice) is not delivered.
      else if (this.pendingCalls.delete(item.reply.callId)) this.entry!.deliver(item.reply);
    }
  }

  private stopReason(): GuestErrorInfo | undefined {
    if (this.cancelled !== undefined) return { name: "CancelledError", message: this.cancelled };
    if (Date.now() > this.deadline) return timeoutError(this.request.timeoutMs);
    return undefined;
  }

  /**
   * Module names are absolute: a known one is its own name. An unknown one (or the running
   * module itself) gets a name no module has, which the loader refuses with the requested
   * name in its message (quickjs-emscripten drops an error returned from here and asks the
   * loader for '' instead).
   */
  private normalize(base: string, requested: string): string {
    return this.modules.has(requested) ? this.callers.instanceFor(base, requested) : `${UNRESOLVED}${requested}`;
  }

  private installHostFunctions(): void {
    this.servesHostCallsDirectly = installHostFunctions(this.ctx, {
      log: (level, text) => {
        this.logs.add(level, text);
        return !this.logs.truncated;
      },
      setTimer: (timerId, delay) => {
        this.timers.set(
          timerId,
          setTimeout(() => {
            this.timers.delete(timerId);
            this.queue.push({ kind: "timer", id: timerId });
            this.wake?.();
          }, delay),
        );
      },
      clearTimer: (timerId) => {
        clearTimeout(this.timers.get(timerId));
        this.timers.delete(timerId);
      },
      hostCall: (name, argsJson, callId) => this.startHostCall(name, argsJson, callId),
      hostCallAs: (channel, call, json, callId) => {
        if (!this.callers.has(channel)) return refusal(this.ctx, "Error", "This host channel is not known to the sandbox.");
        return this.startHostCall(call, json, callId, this.callers.callerOf(channel, call, json));
      },
      claimCaller: (token) => this.callers.claim(token),
      now: () => performance.now() - this.runStartedAt,
    });
  }

  /** Sends a guest's host call to the main thread; returns [errorName, message] to refuse it at once. */
  private startHostCall(name: string, argsJson: string, callId: number, caller?: string): QuickJSHandle | undefined {
    if (!this.request.hostFunctions.includes(name)) return refusal(this.ctx, "Error", `'${name}' is not available in this run`);
    if (++this.hostCalls > this.request.maxHostCalls) {
      return refusal(this.ctx, 
        "LimitError",
        `This run made more than ${this.request.maxHostCalls} host calls (limits.maxHostCalls). Batch the work or raise the limit in config.json.`,
      );
    }
    this.pendingCalls.add(callId);
    this.logs.flush(true);
    this.post(caller === undefined ? { type: "hostCall", runId: this.request.runId, callId, name, argsJson } : { type: "hostCall", runId: this.request.runId, callId, name, argsJson, caller });
    return undefined;
  }

  /** Reads a guest error without running guest code beyond property reads, then disposes it. */
  private consumeError(handle: QuickJSHandle, fromJobLoop = false): GuestErrorInfo {
    try {
      // Past the deadline (or cancelled), whatever the engine says is a consequence of the stop.
      return (
        this.stopReason() ??
        readGuestError(handle, {
          runtime: this.runtime,
          ctx: this.ctx,
          memoryMb: this.memoryMb,
          fromJobLoop,
          wasmMemoryFull: this.wasmMemoryFull,
          onHostFailure: (error) => {
            if (isInstanceFailure(error)) this.poisoned = true;
          },
        })
      );
    } finally {
      if (handle.alive) handle.dispose();
    }
  }

  /** Whether the run ended in a way that lets its WebAssembly instance be reused. */
  private reusable = false;
  /** The WebAssembly instance aborted during the run, or a caught failure left it unsafe (see isInstanceFailure). */
  private poisoned = false;

  private dispose(): boolean {
    try {
      this.pendingCalls.clear();
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
