import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { setMaxListeners } from "node:events";
import type { FromWorker, GuestErrorInfo, LogEntry, RunOutcome, RunRequest, ToWorker } from "./protocol.js";
import { timeoutError } from "./guest-errors.js";
import { FairQueue } from "./fair-queue.js";
import { ReplyBacklog } from "./reply-backlog.js";
import { SpinWait } from "./spin-wait.js";
import { compileQuickJS } from "./wasm-compile.js";
import { drainPort, fromWire, toWire } from "./wire.js";
import { defaultMaxConcurrentRuns } from "./run-capacity.js";
import { usableCpus } from "../util/usable-cpus.js";
import { grantOf, type HostCallContext, type RunHost } from "./run-host.js";
import { distFile } from "../dist-dir.js";

/** How long past its deadline a worker may take to report before it is terminated. */
const HARD_STOP_GRACE_MS = 150;
/** After a cancellation, how long the worker gets to stop by itself. */
const CANCEL_GRACE_MS = 50;
/** Native stack for each worker: large enough that QuickJS's own stack limit always trips first. */
const WORKER_STACK_MB = 16;
/**
 * V8's young generation per worker. A worker's objects are short-lived messages (the
 * guest's own memory is WebAssembly), yet under a steady stream of runs V8 grows the
 * young generation to 8 MB per worker: 4 workers held ~30 MB more after a few thousand
 * trivial runs, and then stayed there. 2 MB keeps RSS flat at the same speed (measured
 * in-process over 6,000 runs on 4 workers).
 */
const WORKER_YOUNG_GENERATION_MB = 2;
/** Longest the pool's start waits for its first prepared worker (it goes on preparing after). */
const FIRST_PREPARED_WAIT_MS = 30_000;
/** A worker started beyond the warm pool is stopped after this long without a run. */
const EXTRA_WORKER_IDLE_MS = 30_000;
/** After answering a run's last outstanding host call, how long to poll for its next one (see SpinWait). */
const NEXT_CALL_SPIN_BUDGET_MS = SpinWait.budget(0.1);

export type { HostCallContext, HostCallHandler, RunClock } from "./run-host.js";

export interface PoolJob {
  request: Omit<RunRequest, "type" | "runId" | "deadline" | "host">;
  /** What the host gives the run (none: no host functions, no secrets). */
  host?: RunHost;
  /** Console lines as the worker flushes them (for live progress), before the run ends. */
  onLogs?: (entries: LogEntry[]) => void;
  signal?: AbortSignal;
  /** Who asked (a session or connection): waiting runs are served round-robin by client. */
  client?: string;
}

export interface PoolResult {
  outcome: RunOutcome;
  logs: LogEntry[];
  logsTruncated: boolean;
}

interface ActiveRun {
  runId: number;
  job: PoolJob;
  logs: LogEntry[];
  /** Made on the run's first host call (most runs make none); aborted when the run ends. */
  hostAbort: AbortController | undefined;
  /** Host calls received and not answered yet. */
  hostCallsInFlight: number;
  /** Its host-call replies posted to the worker and not taken yet. */
  backlog: ReplyBacklog;
  hardStop: NodeJS.Timeout;
  /** Epoch ms at which the run must stop (moved on when the clock was paused). */
  deadline: number;
  /** Host calls waiting for a person right now; the clock runs only when there are none. */
  pauses: number;
  /** Time left when the clock was paused. */
  remainingMs: number;
  /** Made on the run's first host call. */
  context: HostCallContext | undefined;
  resolve: (result: PoolResult) => void;
  onAbort?: () => void;
}

/** A run waiting for a worker. */
interface QueuedRun {
  job: PoolJob;
  resolve: (result: PoolResult) => void;
  /** Removes it from the queue if its caller gives up while it waits. */
  onAbort: (() => void) | undefined;
}

interface Slot {
  worker: Worker;
  /** The worker's messages to the main thread (a port of our own, so they can also be read synchronously). */
  fromWorker: MessagePort;
  /** Polls for the guest's next host call right after answering one. */
  nextCallSpin: SpinWait;
  /** When the run's last host call was answered, while its next one has not come. */
  answeredAt: number | undefined;
  active: ActiveRun | undefined;
  /** When its last run ended. */
  idleSince: number;
  /**
   * The worker writes here the id of the last run it was sent once its next guest is
   * prepared (0 before any run): shared memory, so saying so wakes no thread.
   */
  readiness: Int32Array;
  /** The id of the last run sent to the worker (0: none yet). */
  lastRunId: number;
}

export interface WorkerPoolOptions {
  size?: number;
  /** Memory the spare instances are prepared with (runs may ask for another size). */
  memoryMb: number;
  /** Runs allowed to wait for a worker; beyond it a run fails at once with a "busy, retry" error. */
  maxQueued: number;
  /** Most runs in progress at once, counting those waiting on host calls (default: by memory, see defaultMaxConcurrentRuns). */
  maxConcurrent?: number;
  /** Let V8 inline WebAssembly functions into each other when it optimizes QuickJS (see compileQuickJS); default true. */
  wasmInlining?: boolean;
  /** Start every run from a rewound image of a prepared runtime instead of a new runtime (see RuntimeImage); default true. */
  runtimeImages?: boolean;
}

/** Share of the waiting room one client may fill. */
const CLIENT_QUEUE_SHARE = 0.25;

/**
 * A pool of worker threads, one run per worker at a time. The main thread owns each
 * run's wall-clock deadline and terminates a worker that overruns it.
 *
 * `size` workers stay warm. A run that finds none free gets a new worker while fewer
 * runs than CPUs are runnable (a run waiting on a host call, e.g. a fetch, is not) and
 * fewer than `maxConcurrent` runs are in progress: runs waiting on I/O never keep a
 * runnable one out, and CPU-bound runs still queue instead of slicing the CPUs thinner.
 * Extra workers stop after EXTRA_WORKER_IDLE_MS idle.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue = new FairQueue<QueuedRun>();
  private nextRunId = 1;
  private closed = false;
  private readonly size: number;
  private readonly maxConcurrent: number;
  private readonly cpus = usableCpus();
  private retireTimer: NodeJS.Timeout | undefined;
  private wasmModule: WebAssembly.Module | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    // At least four: each worker prepares its next guest while the others serve, so back-to-back runs rarely wait.
    this.size = Math.max(1, options.size ?? Math.min(8, Math.max(4, this.cpus)));
    this.maxConcurrent = Math.max(this.size, options.maxConcurrent ?? defaultMaxConcurrentRuns(options.memoryMb, this.size));
  }

  /** Workers now (warm ones and extra ones started for runs waiting on I/O). */
  get workers(): number {
    return this.slots.length;
  }

  /** Compiles the WebAssembly once and starts the workers; runs wait for it. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      const require = createRequire(import.meta.url);
      const bytes = await readFile(require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm"));
      this.wasmModule = await compileQuickJS(bytes, this.options.wasmInlining ?? true);
      for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
      await this.firstPrepared();
    })();
    return this.starting;
  }

  /**
   * Resolves once one worker has its first guest prepared (bounded), so that a run's
   * time never includes the sandbox's own warm-up.
   */
  private async firstPrepared(): Promise<void> {
    const waits = this.slots.map((slot) => {
      // Atomics.waitAsync is in Node 20 (V8 8.7+); TypeScript types it only from lib es2024.
      const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(slot.readiness, 0, -1, FIRST_PREPARED_WAIT_MS);
      return wait.async ? wait.value.then(() => undefined) : Promise.resolve();
    });
    // The workers are unref'd and a waitAsync promise holds nothing: this timer keeps the process up meanwhile.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([...waits, new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_PREPARED_WAIT_MS)))]);
    clearTimeout(timer);
  }

  async run(job: PoolJob): Promise<PoolResult> {
    if (this.closed) return failed("SandboxError", "The sandbox is shutting down.");
    await this.start();
    if (job.signal?.aborted) return failed("CancelledError", "The run was cancelled before it started.");
    const client = job.client ?? "default";
    const idle = this.slots.some((s) => !s.active) || this.canGrow();
    if (!idle && this.queue.length >= this.options.maxQueued) {
      return failed("BusyError", `toolsmith is busy: ${this.queue.length} runs are already waiting for a sandbox. Retry in a few seconds.`);
    }
    const share = Math.max(1, Math.ceil(this.options.maxQueued * CLIENT_QUEUE_SHARE));
    if (!idle && this.queue.lengthFor(client) >= share) {
      return failed("BusyError", `This client already has ${share} runs waiting (its share of the queue). Wait for some to finish, then retry.`);
    }
    return new Promise<PoolResult>((resolve) => {
      // Nobody waiting and a worker free: start at once, without a queue entry or a listener
      // on the caller's signal (startOn adds its own for the run itself).
      if (this.queue.length === 0) {
        const slot = this.bestIdle() ?? this.grow();
        if (slot) return this.startOn(slot, job, resolve);
      }
      const entry: QueuedRun = { job, resolve, onAbort: undefined };
      if (job.signal) {
        const onAbort = () => {
          if (this.queue.remove(client, entry)) resolve(failed("CancelledError", "The run was cancelled before it started."));
        };
        job.signal.addEventListener("abort", onAbort, { once: true });
        entry.onAbort = onAbort;
      }
      this.queue.push(client, entry);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retireTimer);
    for (const pending of this.queue.drain()) pending.resolve(failed("SandboxError", "The sandbox is shutting down."));
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        if (slot.active) this.finish(slot, failed("SandboxError", "The sandbox is shutting down.").outcome);
        slot.fromWorker.close();
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const { port1: fromWorker, port2: toMain } = new MessageChannel();
    // [0]: readiness; [1]: replies the worker has taken (see ReplyBacklog).
    const readiness = new Int32Array(new SharedArrayBuffer(8));
    readiness[0] = -1;
    const worker = new Worker(distFile("sandbox/worker/entry.js"), {
      workerData: { wasmModule: this.wasmModule, memoryMb: this.options.memoryMb, toMain, readiness, runtimeImages: this.options.runtimeImages ?? true },
      transferList: [toMain],
      resourceLimits: { stackSizeMb: WORKER_STACK_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    worker.unref();
    const slot: Slot = {
      worker,
      fromWorker,
      nextCallSpin: new SpinWait(NEXT_CALL_SPIN_BUDGET_MS),
      answeredAt: undefined,
      active: undefined,
      idleSince: performance.now(),
      readiness,
      lastRunId: 0,
    };
    fromWorker.on("message", (raw: FromWorker | string) => {
      const message = fromWire<FromWorker>(raw);
      if (slot.answeredAt !== undefined && message.type === "hostCall") {
        slot.nextCallSpin.waited(performance.now() - slot.answeredAt);
        slot.answeredAt = undefined;
      }
      this.onMessage(slot, message);
    });
    // The worker's own ref (taken while it runs) keeps the process alive; the port never does.
    fromWorker.unref();
    worker.on("error", (error) => this.onWorkerGone(slot, `worker error: ${error.message}`));
    worker.on("exit", (code) => this.onWorkerGone(slot, `worker exited with code ${code}`));
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const best = this.bestIdle() ?? this.grow();
      if (!best) return;
      const next = this.queue.shift()!;
      // The caller's signal outlives the wait; a listener left on it keeps the whole job reachable.
      if (next.onAbort) next.job.signal?.removeEventListener("abort", next.onAbort);
      this.startOn(best, next.job, next.resolve);
    }
  }

  /** Whether another worker may start: fewer runnable runs than CPUs, fewer runs than the memory bound. */
  private canGrow(): boolean {
    if (this.closed || this.slots.length === 0 || this.slots.length >= this.maxConcurrent) return false;
    let runnable = 0;
    for (const slot of this.slots) if (slot.active && slot.active.hostCallsInFlight === 0) runnable++;
    return runnable < this.cpus;
  }

  /** A new worker beyond the warm pool, when canGrow() allows it. */
  private grow(): Slot | undefined {
    if (!this.canGrow()) return undefined;
    const slot = this.spawn();
    this.slots.push(slot);
    this.scheduleRetire();
    return slot;
  }

  /** Stops extra workers (beyond `size`) that have been idle for EXTRA_WORKER_IDLE_MS. */
  private scheduleRetire(): void {
    if (this.retireTimer || this.slots.length <= this.size) return;
    this.retireTimer = setTimeout(() => {
      this.retireTimer = undefined;
      const now = performance.now();
      for (let i = this.slots.length - 1; i >= 0 && this.slots.length > this.size; i--) {
        const slot = this.slots[i]!;
        if (slot.active || now - slot.idleSince < EXTRA_WORKER_IDLE_MS) continue;
        this.slots.splice(i, 1);
        slot.worker.removeAllListeners("exit");
        slot.worker.removeAllListeners("error");
        slot.worker.on("error", () => undefined);
        slot.fromWorker.close();
        void slot.worker.terminate();
      }
      this.scheduleRetire();
    }, EXTRA_WORKER_IDLE_MS);
    this.retireTimer.unref();
  }

  /**
   * The free worker to start a run on: of those whose next guest is prepared, the most
   * recently used (its code paths are the warmest); else the one idle longest (it has had
   * the most time to prepare).
   */
  private bestIdle(): Slot | undefined {
    let ready: Slot | undefined;
    let longestIdle: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.active) continue;
      const spareReady = Atomics.load(slot.readiness, 0) === slot.lastRunId;
      if (spareReady && (!ready || slot.idleSince > ready.idleSince)) ready = slot;
      if (!longestIdle || slot.idleSince < longestIdle.idleSince) longestIdle = slot;
    }
    return ready ?? longestIdle;
  }

  private startOn(slot: Slot, job: PoolJob, resolve: (r: PoolResult) => void): void {
    const runId = this.nextRunId++;
    const deadline = Date.now() + job.request.timeoutMs;
    const active: ActiveRun = {
      runId,
      job,
      logs: [],
      hostAbort: undefined,
      hostCallsInFlight: 0,
      backlog: new ReplyBacklog(slot.readiness),
      hardStop: setTimeout(() => this.hardStop(slot, runId, timeoutError(job.request.timeoutMs)), job.request.timeoutMs + HARD_STOP_GRACE_MS),
      deadline,
      pauses: 0,
      remainingMs: 0,
      context: undefined,
      resolve,
    };
    if (job.signal) {
      const onAbort = () => {
        const reason = "The run was cancelled by the client.";
        this.post(slot, { type: "cancel", runId, reason });
        setTimeout(() => this.hardStop(slot, runId, { name: "CancelledError", message: reason }), CANCEL_GRACE_MS).unref();
      };
      job.signal.addEventListener("abort", onAbort, { once: true });
      active.onAbort = onAbort;
    }
    slot.active = active;
    slot.lastRunId = runId;
    slot.worker.ref();
    this.post(slot, { type: "run", runId, deadline, ...job.request, host: grantOf(job.host) });
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    const active = slot.active;
    if (!active || message.runId !== active.runId) return;
    if (message.type === "logs") {
      active.logs.push(...message.logs);
      active.job.onLogs?.(message.logs);
    } else if (message.type === "hostCall") {
      void this.serveHostCall(slot, active, message.callId, message.name, message.argsJson, message.caller);
    } else if (message.type === "done") {
      active.logs.push(...message.logs);
      // The last lines come with the outcome: they are live progress too (sent before the result).
      if (message.logs.length) active.job.onLogs?.(message.logs);
      this.finish(slot, message.outcome, message.logsTruncated);
      if (message.poisoned) this.replace(slot);
      else this.dispatch();
    }
  }

  private async serveHostCall(slot: Slot, active: ActiveRun, callId: number, name: string, argsJson: string, caller: string | undefined): Promise<void> {
    const handler = active.job.host?.onHostCall;
    // A run now waiting on the host no longer needs its CPU: a queued run may start (see canGrow).
    if (active.hostCallsInFlight++ === 0 && this.queue.length > 0) this.dispatch();
    let reply: ToWorker;
    try {
      if (!handler) throw Object.assign(new Error(`'${name}' is not available in this run`), { name: "Error" });
      const context = this.contextOf(slot, active);
      const json = await handler(name, argsJson, this.hostSignal(active), active.backlog, caller === undefined ? context : { ...context, caller });
      reply = { type: "hostReply", runId: active.runId, callId, ok: true, json };
    } catch (error) {
      const err = error as Error;
      reply = { type: "hostReply", runId: active.runId, callId, ok: false, error: { name: err.name || "Error", message: err.message } };
    }
    active.hostCallsInFlight--;
    if (slot.active !== active) return;
    active.backlog.sent(reply.json?.length ?? reply.error?.message.length ?? 0);
    this.post(slot, reply);
    // As a microtask: a reply made without awaiting anything must not recurse into the poll that received its call.
    if (active.hostCallsInFlight === 0) queueMicrotask(() => this.awaitNextCall(slot, active));
  }

  /**
   * A guest that awaits host calls one after another sends its next call a few µs after
   * it gets an answer: polling for it skips waking this thread, and the worker's send
   * skips waking a sleeping thread (see SpinWait).
   */
  private awaitNextCall(slot: Slot, active: ActiveRun): void {
    if (slot.active !== active || active.hostCallsInFlight > 0) return;
    slot.answeredAt = performance.now();
    if (slot.nextCallSpin.spin(() => drainPort<FromWorker>(slot.fromWorker, (message) => this.onMessage(slot, message)))) slot.answeredAt = undefined;
  }

  /** The run's clock for its host calls, made on its first call. */
  private contextOf(slot: Slot, active: ActiveRun): HostCallContext {
    active.context ??= { clock: { pause: () => this.pauseClock(slot, active) } };
    return active.context;
  }

  /**
   * Stops the run's deadline (here and in the worker) until every pause is over; the run
   * then has the time it had left. A run that ended meanwhile is not touched.
   */
  private pauseClock(slot: Slot, active: ActiveRun): () => void {
    if (slot.active !== active) return () => undefined;
    if (active.pauses++ === 0) {
      clearTimeout(active.hardStop);
      active.remainingMs = active.deadline - Date.now();
      this.post(slot, { type: "clock", runId: active.runId, deadline: null });
    }
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--active.pauses > 0 || slot.active !== active) return;
      const remaining = Math.max(0, active.remainingMs);
      active.deadline = Date.now() + remaining;
      active.hardStop = setTimeout(() => this.hardStop(slot, active.runId, timeoutError(active.job.request.timeoutMs)), remaining + HARD_STOP_GRACE_MS);
      this.post(slot, { type: "clock", runId: active.runId, deadline: active.deadline });
    };
  }

  /** The signal a run's host calls listen on, made on its first call. */
  private hostSignal(active: ActiveRun): AbortSignal {
    if (!active.hostAbort) {
      active.hostAbort = new AbortController();
      // Every request and upstream call of the run listens on this signal; many may be in flight.
      setMaxListeners(active.job.request.maxHostCalls + 10, active.hostAbort.signal);
    }
    return active.hostAbort.signal;
  }

  private hardStop(slot: Slot, runId: number, error: GuestErrorInfo): void {
    if (slot.active?.runId !== runId) return;
    this.finish(slot, { ok: false, error });
    this.replace(slot);
  }

  private finish(slot: Slot, outcome: RunOutcome, logsTruncated = false): void {
    const active = slot.active;
    if (!active) return;
    slot.active = undefined;
    slot.answeredAt = undefined;
    slot.idleSince = performance.now();
    slot.worker.unref();
    clearTimeout(active.hardStop);
    active.hostAbort?.abort();
    if (active.onAbort) active.job.signal?.removeEventListener("abort", active.onAbort);
    active.resolve({ outcome, logs: active.logs, logsTruncated });
  }

  /** Terminates a worker (spinning, poisoned or cancelled) and puts a fresh one in its place. */
  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.removeAllListeners("exit");
    slot.worker.removeAllListeners("error");
    slot.worker.on("error", () => undefined);
    void slot.worker.terminate();
    // Whatever the old worker still had queued there belongs to runs that are over.
    slot.fromWorker.close();
    if (this.closed) {
      this.slots.splice(index, 1);
      return;
    }
    this.slots[index] = this.spawn();
    this.dispatch();
  }

  private onWorkerGone(slot: Slot, why: string): void {
    if (slot.active) this.finish(slot, { ok: false, error: { name: "SandboxError", message: `The sandbox stopped unexpectedly (${why}). The run was discarded; try again.` } });
    this.replace(slot);
  }

  private post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(toWire(message));
  }
}

interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

function failed(name: string, message: string): PoolResult {
  return { outcome: { ok: false, error: { name, message } }, logs: [], logsTruncated: false };
}
