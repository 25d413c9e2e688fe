import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { timeoutError } from "../guest-errors.js";
import type { FromWorker, GuestErrorInfo, HostCallReply, RunRequest } from "../protocol.js";
import { CallerBindings } from "./caller-bindings.js";
import { RunLogs } from "./run-logs.js";

/** Something the guest waits for that has happened: a host call's answer, or a timer that is due. */
export type Settle = { kind: "host"; reply: HostCallReply } | { kind: "timer"; id: number };

/** How a run talks to the main thread. */
export interface RunChannel {
  post: (message: FromWorker) => void;
  /** Delivers messages already waiting for the worker, without the event loop; whether any came. */
  drainMessages?: () => boolean;
}

/**
 * Everything one run of a guest has of its own, made when the run starts and dropped when
 * it ends: its request, modules and caller bindings, the host calls and timers it waits
 * for, its logs, deadline and cancellation. A guest rewound from a RuntimeImage therefore
 * has nothing left to forget between runs.
 *
 * It holds no QuickJS handle: a handle made during a run would point into memory that a
 * rewind takes back.
 */
export class RunState {
  /** Which modules of this run make their host calls under their own name (see CallerBindings). */
  readonly callers = new CallerBindings(() => randomBytes(16).toString("hex"));
  /** The run's own modules by specifier (the builtin ones are the guest's). */
  readonly modules = new Map<string, string>();
  /** Host calls sent to the main thread and not answered yet (their promises live in the guest). */
  readonly pendingCalls = new Set<number>();
  /** Answers and due timers not yet applied to the guest. */
  readonly queue: Settle[] = [];
  readonly logs: RunLogs;
  /** When the run started (performance.now() on the host): the guest's performance.now() counts from here. */
  readonly startedAt = performance.now();
  readonly drainMessages: () => boolean;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private hostCalls = 0;
  private wake: (() => void) | undefined;
  private deadline: number;
  /** Wakes the run's event wait at its deadline (one timer per run, not one per wait). */
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly request: RunRequest,
    private readonly channel: RunChannel,
    /** Set when the run was cancelled before it started. */
    private cancelled: string | undefined = undefined,
  ) {
    this.logs = new RunLogs(request.maxLogChars, (logs) => channel.post({ type: "logs", runId: request.runId, logs }));
    this.drainMessages = channel.drainMessages ?? (() => false);
    this.deadline = request.deadline;
    this.deadlineTimer = this.wakeAt(request.deadline);
    for (const m of request.modules) {
      this.modules.set(m.specifier, m.js);
      if (m.caller !== undefined) this.callers.assign(m.specifier, m.caller);
    }
  }

  /** Whether the engine must stop running guest code now (the interrupt handler asks). */
  mustStop(): boolean {
    return Date.now() > this.deadline || this.cancelled !== undefined;
  }

  /** Why the run is over before its outcome: cancelled or past its deadline. */
  stopReason(): GuestErrorInfo | undefined {
    if (this.cancelled !== undefined) return { name: "CancelledError", message: this.cancelled };
    if (Date.now() > this.deadline) return timeoutError(this.request.timeoutMs);
    return undefined;
  }

  /** Moves the deadline (null: no deadline while the run waits for a person's approval). */
  setDeadline(deadline: number | null): void {
    clearTimeout(this.deadlineTimer);
    this.deadline = deadline ?? Number.POSITIVE_INFINITY;
    this.deadlineTimer = deadline === null ? undefined : this.wakeAt(deadline);
  }

  cancel(reason: string): void {
    this.cancelled = reason;
    this.wake?.();
  }

  hostReply(reply: HostCallReply): void {
    // Call ids start again with each run: a late answer to an earlier run must not settle this one's call.
    if (reply.runId !== this.request.runId) return;
    this.queue.push({ kind: "host", reply });
    this.wake?.();
  }

  setTimer(id: number, ms: number): void {
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.queue.push({ kind: "timer", id });
        this.wake?.();
      }, ms),
    );
  }

  clearTimer(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  /** Whether nothing is left that could settle the guest's outcome (no host call, no timer). */
  get idle(): boolean {
    return this.pendingCalls.size === 0 && this.timers.size === 0;
  }

  /** Why host call `name` is refused at once ([errorName, message]), or undefined to send it. */
  refusalOf(name: string): [string, string] | undefined {
    if (!this.request.host.hostFunctions.includes(name)) return ["Error", `'${name}' is not available in this run`];
    if (++this.hostCalls > this.request.maxHostCalls) {
      return ["LimitError", `This run made more than ${this.request.maxHostCalls} host calls (limits.maxHostCalls). Batch the work or raise the limit in config.json.`];
    }
    return undefined;
  }

  /** Sends an admitted host call to the main thread (with the lines logged before it). */
  sendHostCall(name: string, argsJson: string, callId: number, caller: string | undefined): void {
    this.pendingCalls.add(callId);
    this.logs.flush(true);
    const { runId } = this.request;
    this.channel.post(caller === undefined ? { type: "hostCall", runId, callId, name, argsJson } : { type: "hostCall", runId, callId, name, argsJson, caller });
  }

  /** Resolves on the next timer, host reply, cancellation or the deadline. */
  nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Stops the run's timers: nothing of it may fire after its end. */
  end(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    clearTimeout(this.deadlineTimer);
  }

  private wakeAt(deadline: number): NodeJS.Timeout {
    return setTimeout(() => this.wake?.(), Math.max(0, deadline - Date.now()) + 1);
  }
}
