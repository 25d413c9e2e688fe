import { Scope, type QuickJSContext, type QuickJSHandle, type VmCallResult } from "quickjs-emscripten-core";
import type { HostCallReply } from "../protocol.js";

/** What the prelude's configure() is told at the start of each run (JSON text in the guest). */
export interface GuestRunSettings {
  secretNames: readonly string[];
  nonce: string;
  maxOutputChars: number;
}

/**
 * The host's side of the prelude's entry points (src/sandbox/guest/prelude.ts, the
 * `internals` object its script evaluates to): configure a run, finish the agent's module
 * into the outcome promise, fire a timer, deliver a host call's answer.
 *
 * The handles are taken once, when the guest is set up, and live as long as its context:
 * a guest captured as a RuntimeImage keeps them valid through every rewind.
 */
export class PreludeEntry {
  private readonly configureFn: QuickJSHandle;
  private readonly finishFn: QuickJSHandle;
  private readonly fireTimerFn: QuickJSHandle;
  private readonly deliverFn: QuickJSHandle;

  /** Takes the entry points from `internals` (the prelude script's value), which it owns from now on. */
  constructor(
    private readonly ctx: QuickJSContext,
    private readonly internals: QuickJSHandle,
  ) {
    this.configureFn = ctx.getProp(internals, "configure");
    this.finishFn = ctx.getProp(internals, "finish");
    this.fireTimerFn = ctx.getProp(internals, "fireTimer");
    this.deliverFn = ctx.getProp(internals, "deliver");
  }

  /** Tells the prelude this run's settings; the error thrown, if any (the caller disposes it). */
  configure(settings: GuestRunSettings): QuickJSHandle | undefined {
    const { ctx } = this;
    const configured = ctx.newString(JSON.stringify(settings)).consume((json) => ctx.callFunction(this.configureFn, ctx.undefined, json));
    if (configured.error) return configured.error;
    configured.value.dispose();
    return undefined;
  }

  /** The promise of the run's outcome text for the agent's module namespace (or the promise of one). */
  finish(main: QuickJSHandle): VmCallResult<QuickJSHandle> {
    return this.ctx.callFunction(this.finishFn, this.ctx.undefined, main);
  }

  /** Runs the callback of guest timer `id`. */
  fireTimer(id: number): void {
    const { ctx } = this;
    const result = ctx.newNumber(id).consume((handle) => ctx.callFunction(this.fireTimerFn, ctx.undefined, handle));
    // Only an interrupt (deadline, cancel) can escape fireTimer; the run's stop check reports it.
    if (result.error) result.error.dispose();
    else result.value.dispose();
  }

  /** Settles the guest's promise of host call `reply.callId`. */
  deliver(reply: HostCallReply): void {
    const { ctx } = this;
    const delivered = Scope.withScope((scope) => {
      const args = [scope.manage(ctx.newNumber(reply.callId)), reply.ok ? ctx.true : ctx.false];
      if (reply.ok) {
        if (reply.json !== undefined) args.push(scope.manage(ctx.newString(reply.json)));
      } else {
        args.push(scope.manage(ctx.newString(reply.error?.message ?? "host call failed")), scope.manage(ctx.newString(reply.error?.name ?? "Error")));
      }
      return ctx.callFunction(this.deliverFn, ctx.undefined, ...args);
    });
    // Only an interrupt (deadline, cancel) can escape deliver; the run's stop check reports it.
    if (delivered.error) delivered.error.dispose();
    else delivered.value.dispose();
  }

  dispose(): void {
    for (const handle of [this.configureFn, this.finishFn, this.fireTimerFn, this.deliverFn, this.internals]) handle.dispose();
  }
}
