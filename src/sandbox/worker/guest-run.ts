import { randomBytes, randomFillSync } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule, VmFunctionImplementation } from "quickjs-emscripten-core";
import { GUEST_FETCH_JS } from "../guest/fetch.js";
import { GUEST_POLYFILLS_JS } from "../guest/polyfills.js";
import { GUEST_PRELUDE_JS } from "../guest/prelude.js";
import { BUILTIN_MODULES } from "../guest/builtin-modules.js";
import { LAZY_GUEST_SCRIPTS } from "../guest/lazy-scripts.js";
import type { FromWorker, GuestErrorInfo, HostCallReply, LogEntry, RunFinished, RunOutcome, RunRequest } from "../protocol.js";
import { parseUrlForGuest } from "./parse-url.js";
import { memoryError, stackOverflowError, timeoutError } from "../guest-errors.js";
import { SpinWait } from "../spin-wait.js";
import { serveDirectly } from "./direct-host-function.js";
import { CallerBindings } from "./caller-bindings.js";
import { PreloadGuard } from "./preload-guard.js";

/** QuickJS's own stack limit; the worker's native stack (16 MiB) is far larger, so QuickJS always trips first. */
const GUEST_MAX_STACK_BYTES = 512 * 1024;
/** How often buffered log lines are sent to the main thread, so they survive a hard stop. */
const LOG_FLUSH_INTERVAL_MS = 100;
/** How long the worker polls for a host reply before it sleeps (see SpinWait). */
const REPLY_SPIN_BUDGET_MS = SpinWait.budget(0.2);
const LOG_LEVELS = new Set(["log", "info", "warn", "error", "debug"]);
/** The most bytes one crypto.getRandomValues call may ask for (the Web Crypto limit). */
const MAX_RANDOM_BYTES_PER_CALL = 65536;

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
  private readonly logs: LogEntry[] = [];
  private logChars = 0;
  private logsTruncated = false;
  private lastFlush = Date.now();
  private hostCalls = 0;
  private wake: (() => void) | undefined;
  private cancelled: string | undefined;
  private readonly queue: Settle[] = [];
  private internals: QuickJSHandle | undefined;
  /** The prelude's entry points (internals.configure, .finish, .fireTimer, .deliver), fetched once at setup. */
  private entry: { configure: QuickJSHandle; finish: QuickJSHandle; fireTimer: QuickJSHandle; deliver: QuickJSHandle } | undefined;
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
  /** Up while package modules are evaluated ahead of a run (see PackageImages): refuses host functions that belong to a run. */
  readonly preloadGuard = new PreloadGuard();
  /** The engine's stop check: the run's deadline or a cancellation (PackageImages puts it back after using its own). */
  readonly shouldInterrupt = (): boolean => Date.now() > this.deadline || this.cancelled !== undefined;

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
    this.modules = new Map(Object.entries(BUILTIN_MODULES));
    this.setupError = this.setUp();
  }

  private setUp(): GuestErrorInfo | undefined {
    this.installHostFunctions();
    const setup = this.evalScript(GUEST_PRELUDE_JS, "<prelude>", true);
    if (setup) return setup;
    this.runtime.setModuleLoader(
      (name) => {
        const js = name.startsWith(UNRESOLVED) ? undefined : this.modules.get(CallerBindings.codeOf(name));
        return js === undefined ? { error: new Error(unresolvedImportMessage(name.replace(UNRESOLVED, ""))) } : this.callers.source(name, js);
      },
      (base, requested) => this.normalize(base, requested),
    );
    // Evaluate the builtin module first so it takes the internals out of the global scope.
    const builtin = this.ctx.evalCode(BUILTIN_MODULES.toolsmith ?? "", "toolsmith", { type: "module" });
    if (builtin.error) return this.consumeError(builtin.error);
    builtin.value.dispose();
    const internals = this.internals!;
    this.entry = {
      configure: this.ctx.getProp(internals, "configure"),
      finish: this.ctx.getProp(internals, "finish"),
      fireTimer: this.ctx.getProp(internals, "fireTimer"),
      deliver: this.ctx.getProp(internals, "deliver"),
    };
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
    this.logs.length = 0;
    this.logChars = 0;
    this.logsTruncated = false;
    this.lastFlush = Date.now();
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
      outcome = { ok: false, error: this.abortError(error) };
    }
    for (const timer of this.timers.values()) clearTimeout(timer);
    clearTimeout(this.deadlineTimer);
    this.reusable = !this.poisoned && isCleanEnd(outcome);
    return { type: "done", runId: this.request.runId, outcome, logs: this.logs.splice(0), logsTruncated: this.logsTruncated, poisoned: this.poisoned };
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
    const settings = this.ctx.newString(JSON.stringify({ secretNames: this.request.secretNames, nonce: this.request.secretNonce, maxOutputChars: this.request.maxOutputChars }));
    const configured = this.ctx.callFunction(entry.configure, this.ctx.undefined, settings);
    settings.dispose();
    if (configured.error) return { ok: false, error: this.consumeError(configured.error) };
    configured.value.dispose();
    const main = this.ctx.evalCode(this.request.main.js, this.request.main.specifier, { type: "module" });
    if (main.error) return { ok: false, error: this.consumeError(main.error) };
    const finished = this.ctx.callFunction(entry.finish, this.ctx.undefined, main.value);
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
      if (item.kind === "timer") {
        const id = this.ctx.newNumber(item.id);
        const result = this.ctx.callFunction(this.entry!.fireTimer, this.ctx.undefined, id);
        id.dispose();
        if (result.error) {
          // Only an interrupt (deadline, cancel) can escape fireTimer; stopReason reports it.
          result.error.dispose();
        } else result.value.dispose();
        continue;
      }
      const { reply } = item;
      if (!this.pendingCalls.delete(reply.callId)) continue;
      const args = [this.ctx.newNumber(reply.callId), reply.ok ? this.ctx.true : this.ctx.false];
      if (reply.ok) {
        if (reply.json !== undefined) args.push(this.ctx.newString(reply.json));
      } else {
        args.push(this.ctx.newString(reply.error?.message ?? "host call failed"), this.ctx.newString(reply.error?.name ?? "Error"));
      }
      const delivered = this.ctx.callFunction(this.entry!.deliver, this.ctx.undefined, ...args);
      for (const arg of args) if (arg.alive && arg !== this.ctx.true && arg !== this.ctx.false) arg.dispose();
      // Only an interrupt (deadline, cancel) can escape deliver; stopReason reports it.
      if (delivered.error) delivered.error.dispose();
      else delivered.value.dispose();
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
    const { ctx } = this;
    const fns: Record<string, VmFunctionImplementation<QuickJSHandle>> = {
      __ts_log: (level, text) => {
        this.log(ctx.getString(level!), ctx.getString(text!));
        // Tells the guest to stop formatting lines nobody will see.
        return this.logsTruncated ? ctx.false : ctx.true;
      },
      __ts_timerSet: (id, ms) => {
        const timerId = ctx.getNumber(id!);
        const delay = ctx.getNumber(ms!);
        this.timers.set(
          timerId,
          setTimeout(() => {
            this.timers.delete(timerId);
            this.queue.push({ kind: "timer", id: timerId });
            this.wake?.();
          }, delay),
        );
        return undefined;
      },
      __ts_timerClear: (id) => {
        const timerId = ctx.getNumber(id!);
        clearTimeout(this.timers.get(timerId));
        this.timers.delete(timerId);
        return undefined;
      },
      __ts_hostCall: (name, argsJson, id) => this.startHostCall(ctx.getString(name!), ctx.getString(argsJson!), ctx.getNumber(id!)),
      __ts_claimCaller: (token) => {
        const key = this.callers.claim(ctx.getString(token!));
        return key === undefined ? undefined : ctx.newString(key);
      },
      __ts_hostCallAs: (key, name, argsJson, id) => {
        const channel = ctx.getString(key!);
        if (!this.callers.has(channel)) return this.refusal("Error", "This host channel is not known to the sandbox.");
        const call = ctx.getString(name!);
        const json = ctx.getString(argsJson!);
        return this.startHostCall(call, json, ctx.getNumber(id!), this.callers.callerOf(channel, call, json));
      },
      __ts_loadFetch: () => {
        const result = ctx.evalCode(GUEST_FETCH_JS, "<fetch>", { type: "global" });
        if (result.error) return { error: result.error };
        result.value.dispose();
        return undefined;
      },
      __ts_loadScript: (name) => {
        const scriptName = ctx.getString(name!);
        const source = Object.hasOwn(LAZY_GUEST_SCRIPTS, scriptName) ? LAZY_GUEST_SCRIPTS[scriptName] : undefined;
        if (source === undefined) return undefined;
        const result = ctx.evalCode(source, `<${scriptName}>`, { type: "global" });
        if (result.error) return { error: result.error };
        result.value.dispose();
        return undefined;
      },
      // Host entropy, drawn per call: nothing of it is in a runtime image, so every run differs.
      // Byte b is the character U+0100 + b: a string crosses into QuickJS as a C string, which a NUL would end.
      __ts_randomBytes: (count) => {
        const n = Math.max(0, Math.min(MAX_RANDOM_BYTES_PER_CALL, Math.trunc(ctx.getNumber(count!)) || 0));
        const units = new Uint16Array(randomFillSync(new Uint8Array(n))).map((byte) => 0x100 + byte);
        return ctx.newString(Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString("utf16le"));
      },
      __ts_now: () => ctx.newNumber(performance.now() - this.runStartedAt),
      __ts_loadPolyfills: () => {
        const parseUrl = ctx.newFunction("parseUrl", (input, base) =>
          ctx.newString(parseUrlForGuest(ctx.getString(input!), base === undefined || ctx.typeof(base) === "undefined" ? undefined : ctx.getString(base))),
        );
        ctx.setProp(ctx.global, "__toolsmith_host_parseUrl", parseUrl);
        parseUrl.dispose();
        const result = ctx.evalCode(GUEST_POLYFILLS_JS, "<polyfills>", { type: "global" });
        if (result.error) return { error: result.error };
        result.value.dispose();
        return undefined;
      },
    };
    const guarded = this.preloadGuard.wrap(fns);
    for (const [name, impl] of Object.entries(guarded)) {
      const handle = ctx.newFunction(name, impl);
      ctx.setProp(ctx.global, name, handle);
      handle.dispose();
    }
    // Every awaited host call goes through __ts_hostCall: it skips the general wrapper.
    this.servesHostCallsDirectly = serveDirectly(ctx, guarded.__ts_hostCall, (args) => {
      this.preloadGuard.check("__ts_hostCall");
      return this.startHostCall(args.string(0), args.string(1), args.number(2));
    });
  }

  /** Sends a guest's host call to the main thread; returns [errorName, message] to refuse it at once. */
  private startHostCall(name: string, argsJson: string, callId: number, caller?: string): QuickJSHandle | undefined {
    if (!this.request.hostFunctions.includes(name)) return this.refusal("Error", `'${name}' is not available in this run`);
    if (++this.hostCalls > this.request.maxHostCalls) {
      return this.refusal(
        "LimitError",
        `This run made more than ${this.request.maxHostCalls} host calls (limits.maxHostCalls). Batch the work or raise the limit in config.json.`,
      );
    }
    this.pendingCalls.add(callId);
    this.flushLogs(true);
    this.post(caller === undefined ? { type: "hostCall", runId: this.request.runId, callId, name, argsJson } : { type: "hostCall", runId: this.request.runId, callId, name, argsJson, caller });
    return undefined;
  }

  private refusal(name: string, message: string): QuickJSHandle {
    const pair = this.ctx.newArray();
    this.ctx.newString(name).consume((h) => this.ctx.setProp(pair, 0, h));
    this.ctx.newString(message).consume((h) => this.ctx.setProp(pair, 1, h));
    return pair;
  }

  private log(level: string, text: string): void {
    if (this.logsTruncated) return;
    const room = this.request.maxLogChars - this.logChars;
    if (text.length > room) {
      if (room > 0) this.logs.push({ level: "warn", text: text.slice(0, room) });
      this.logs.push({ level: "warn", text: `[logs truncated at ${this.request.maxLogChars} characters (limits.maxLogChars)]` });
      this.logsTruncated = true;
      this.logChars = this.request.maxLogChars;
    } else {
      this.logs.push({ level: LOG_LEVELS.has(level) ? (level as LogEntry["level"]) : "log", text });
      this.logChars += text.length;
    }
    this.flushLogs(false);
  }

  private flushLogs(force: boolean): void {
    if (this.logs.length === 0) return;
    const now = Date.now();
    if (!force && now - this.lastFlush < LOG_FLUSH_INTERVAL_MS) return;
    this.lastFlush = now;
    this.post({ type: "logs", runId: this.request.runId, logs: this.logs.splice(0) });
  }

  private evalScript(code: string, filename: string, keep = false): GuestErrorInfo | undefined {
    const result = this.ctx.evalCode(code, filename, { type: "global" });
    if (result.error) return this.consumeError(result.error);
    if (keep) this.internals = result.value;
    else result.value.dispose();
    return undefined;
  }

  /** Reads a guest error without running guest code beyond property reads, then disposes it. */
  private consumeError(handle: QuickJSHandle, fromJobLoop = false): GuestErrorInfo {
    try {
      // Past the deadline (or cancelled), whatever the engine says is a consequence of the stop.
      const stop = this.stopReason();
      if (stop) return stop;
      const read = (key: string): string | undefined => {
        try {
          const prop = this.ctx.getProp(handle, key);
          try {
            return this.ctx.typeof(prop) === "undefined" ? undefined : String(this.ctx.dump(prop));
          } finally {
            if (prop.alive) prop.dispose();
          }
        } catch (error) {
          this.noteHostFailure(error);
          return `[unreadable ${key}]`;
        }
      };
      let name: string | undefined;
      let message: string | undefined;
      let stack: string | undefined;
      const kind = this.ctx.typeof(handle);
      if (kind === "object" && this.isNull(handle)) {
        // QuickJS throws null when it cannot even allocate the out-of-memory error.
        if (fromJobLoop || this.wasmMemoryFull() || this.nearMemoryLimit()) return memoryError(this.request.memoryMb);
        message = "Uncaught null";
      } else if (kind === "object") {
        name = read("name");
        message = read("message");
        stack = read("stack");
        if (message === undefined && name === undefined) message = `Uncaught object: ${this.describeValue(handle)}`;
      } else {
        message = `Uncaught ${this.ctx.typeof(handle)}: ${String(this.ctx.dump(handle))}`;
      }
      if (name === "InternalError" && message === "out of memory") return memoryError(this.request.memoryMb, stack);
      // An Error whose name and message are both empty strings: the engine could not build one (memory exhausted).
      if (name === "" && message === "") return memoryError(this.request.memoryMb);
      if (name === "InternalError" && message === "stack overflow") {
        return stackOverflowError(stack);
      }
      return { name: name ?? "Error", message: message ?? "Unknown error", stack };
    } finally {
      if (handle.alive) handle.dispose();
    }
  }

  /** Whether the runtime's allocations are at (or too close to measure) its memory limit. */
  private nearMemoryLimit(): boolean {
    try {
      const usage = this.runtime.computeMemoryUsage();
      try {
        const figures = this.ctx.dump(usage) as { malloc_size?: number; malloc_limit?: number };
        return typeof figures.malloc_size === "number" && typeof figures.malloc_limit === "number" && figures.malloc_limit > 0 && figures.malloc_size > figures.malloc_limit * 0.9;
      } finally {
        usage.dispose();
      }
    } catch (error) {
      this.noteHostFailure(error);
      return true;
    }
  }

  private isNull(handle: QuickJSHandle): boolean {
    try {
      return this.ctx.dump(handle) === null;
    } catch (error) {
      this.noteHostFailure(error);
      return false;
    }
  }

  private describeValue(handle: QuickJSHandle): string {
    try {
      return JSON.stringify(this.ctx.dump(handle)) ?? "undefined";
    } catch (error) {
      this.noteHostFailure(error);
      return "[unserializable]";
    }
  }

  /**
   * A WebAssembly trap (or a host stack overflow) unwinding through QuickJS skips the C
   * code's own cleanup, the stack pointer's reset included: the instance is never used
   * again, even when the failure was caught and reported as a readable error.
   */
  private noteHostFailure(error: unknown): void {
    if (error instanceof RangeError || (error instanceof Error && error.name === "RuntimeError")) this.poisoned = true;
  }

  private abortError(error: unknown): GuestErrorInfo {
    const text = error instanceof Error ? error.message : String(error);
    if (/memory|alloc/i.test(text)) return memoryError(this.request.memoryMb);
    if (/stack/i.test(text)) return stackOverflowError();
    return { name: "SandboxError", message: `The sandbox stopped abnormally (${text}). The run was discarded; try again.` };
  }

  /** Whether the run ended in a way that lets its WebAssembly instance be reused. */
  private reusable = false;
  /** The WebAssembly instance aborted during the run, or a caught failure left it unsafe (see noteHostFailure). */
  private poisoned = false;

  private dispose(): boolean {
    try {
      this.pendingCalls.clear();
      if (this.entry) for (const handle of Object.values(this.entry)) handle.dispose();
      this.internals?.dispose();
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
