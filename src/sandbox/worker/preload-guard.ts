import type { QuickJSHandle, VmFunctionImplementation } from "quickjs-emscripten-core";

/**
 * Host functions whose effect is the same whenever they are called: they only load the
 * prelude's own lazy scripts. Every other host function (logs, timers, host calls, the
 * clock, host entropy) is refused while the guard is up.
 */
const SAME_EVERY_RUN = new Set(["__ts_loadFetch", "__ts_loadScript", "__ts_loadPolyfills"]);

/**
 * Tells whether code evaluated ahead of a run (package modules captured in an image, see
 * PackageImages) did anything whose result must differ from run to run, or that belongs
 * to a run: wrote a log line, set a timer, called the host, read the clock or host
 * entropy. Such code is not captured: every run must then evaluate it itself, or each
 * would see the same "random" bytes, the same time, or lose the log line.
 *
 * While the guard is up, such a host function throws (so the evaluation fails early) and
 * the guard records its name. The guest's `Date.now()` and `new Date()` reach the host's
 * `Date.now` through Emscripten's glue, which looks it up on every call: the guard
 * swaps it for one that records the read.
 */
export class PreloadGuard {
  private up = false;
  private touched: string | undefined;

  /** `fns` with every host function that must not run ahead of a run checked by the guard. */
  wrap(fns: Record<string, VmFunctionImplementation<QuickJSHandle>>): Record<string, VmFunctionImplementation<QuickJSHandle>> {
    const guard = this;
    const guarded: Record<string, VmFunctionImplementation<QuickJSHandle>> = {};
    for (const [name, impl] of Object.entries(fns)) {
      guarded[name] = SAME_EVERY_RUN.has(name)
        ? impl
        : function (this: QuickJSHandle, ...args) {
            guard.check(name);
            return impl.apply(this, args);
          };
    }
    return guarded;
  }

  /** Refuses host function `name` while the guard is up (see wrap; for host functions served otherwise). */
  check(name: string): void {
    if (!this.up) return;
    this.touched ??= name;
    throw new Error(`${name} cannot be called while a package is prepared ahead of a run`);
  }

  /**
   * Runs `evaluate` with the guard up; returns what it returned and, if it did anything
   * that must not run ahead of a run, the first such thing (a host function's name or
   * `Date.now`).
   */
  during<T>(evaluate: () => T): { value: T; touched: string | undefined } {
    const hostNow = Date.now;
    this.up = true;
    this.touched = undefined;
    Date.now = () => {
      this.touched ??= "Date.now";
      return hostNow.call(Date);
    };
    try {
      const value = evaluate();
      return { value, touched: this.touched };
    } finally {
      Date.now = hostNow;
      this.up = false;
    }
  }
}
