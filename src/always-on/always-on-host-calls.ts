import { interceptHostCalls } from "../sandbox/intercept-host-calls.js";
import type { HostCallHandler } from "../sandbox/worker-pool.js";
import type { AlwaysOn } from "./always-on.js";

/** Host functions behind `schedules` and `hooks` in the toolsmith module (run_code only: a save's test gets none). */
export const ALWAYS_ON_HOST_FUNCTIONS = ["schedules.set", "schedules.list", "schedules.remove", "schedules.runNow", "hooks.set", "hooks.list", "hooks.remove"] as const;

const HANDLED = new Set<string>(ALWAYS_ON_HOST_FUNCTIONS);
/** Errors whose messages were written for the guest; anything else is reported without detail. */
const GUEST_FACING = new Set(["ScheduleError", "HookError", "AlwaysOnFileError", "LibraryBusyError"]);

/**
 * Answers `schedules.*` and `hooks.*` host calls on the main thread and passes every
 * other call to `next`. Arguments arrive as `{ id, options }`; the guest gets JSON.
 */
export function alwaysOnHostCalls(alwaysOn: () => Promise<AlwaysOn>, next: HostCallHandler): HostCallHandler {
  return interceptHostCalls(HANDLED, async (name, argsJson) => {
    const parsed: unknown = JSON.parse(argsJson);
    const args = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { id?: unknown; options?: unknown };
    const kind = name.startsWith("hooks.") ? "HookError" : "ScheduleError";
    try {
      const service = await alwaysOn();
      const done = await call(service, name, args);
      return JSON.stringify(done);
    } catch (error) {
      const err = error as Error;
      if (GUEST_FACING.has(err.name)) throw Object.assign(new Error(err.message), { name: err.name === "HookError" || err.name === "ScheduleError" ? err.name : kind });
      throw Object.assign(new Error(`${name} failed on the host; nothing was changed. Retry, and report it if it persists.`), { name: kind });
    }
  }, next);
}

function call(service: AlwaysOn, name: string, args: { id?: unknown; options?: unknown }): Promise<unknown> {
  switch (name) {
    case "schedules.set":
      return service.schedules.set(args.id, args.options);
    case "schedules.list":
      return service.schedules.list();
    case "schedules.remove":
      return service.schedules.remove(args.id);
    case "schedules.runNow":
      return service.schedules.runNow(args.id);
    case "hooks.set":
      return service.hooks.set(args.id, args.options);
    case "hooks.list":
      return service.hooks.list();
    default:
      return service.hooks.remove(args.id);
  }
}
