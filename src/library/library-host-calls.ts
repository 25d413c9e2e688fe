import type { HostCallHandler } from "../sandbox/worker-pool.js";
import { interceptHostCalls } from "../sandbox/intercept-host-calls.js";
import type { DependentResult } from "./dependents.js";
import type { EditOptions } from "./library-edits.js";
import type { VerifyOutcome } from "./verify-integration.js";

/** Host functions behind `library` in the toolsmith module (run_code only: a save's test gets none). */
export const LIBRARY_HOST_FUNCTIONS = ["library.remove", "library.rename", "library.verify"] as const;

/** What the guest's `library` needs: the Toolsmith methods of the same names. */
export interface LibraryEditor {
  remove(name: string, options: EditOptions): Promise<{ version: string; removed: string; dependents: DependentResult[] }>;
  rename(from: string, to: string, options: EditOptions): Promise<{ version: string; from: string; to: string; verified: boolean; dependents: DependentResult[] }>;
  verify(name: string): Promise<VerifyOutcome>;
}

/** Errors whose messages were written for the guest (refusals, a busy library); anything else is reported without detail. */
const GUEST_FACING = new Set(["UserError", "LibraryBusyError"]);

/**
 * Answers `library.*` host calls with `editor`, and passes every other call to `next`.
 * The change is made whatever happens to the run meanwhile (like a save, it is one
 * commit under the home's lock); the guest gets `{ version, dependents, ... }`.
 */
export function libraryHostCalls(editor: LibraryEditor, next: HostCallHandler): HostCallHandler {
  return interceptHostCalls(new Set(LIBRARY_HOST_FUNCTIONS), async (name, argsJson) => {
    const parsed: unknown = JSON.parse(argsJson);
    const args = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { name?: unknown; from?: unknown; to?: unknown; force?: unknown };
    if (name === "library.verify") return verifyCall(editor, args.name);
    const names = name === "library.remove" ? [args.name] : [args.from, args.to];
    if (!names.every((n) => typeof n === "string")) {
      throw Object.assign(new Error(name === "library.remove" ? "library.remove(name) takes an integration name, e.g. library.remove(\"github/issues\")." : "library.rename(from, to) takes two integration names, e.g. library.rename(\"gh/issues\", \"github/issues\")."), { name: "LibraryError" });
    }
    const options = { force: args.force === true };
    try {
      const done = name === "library.remove" ? await editor.remove(args.name as string, options) : await editor.rename(args.from as string, args.to as string, options);
      return JSON.stringify(done);
    } catch (error) {
      const err = error as Error;
      if (GUEST_FACING.has(err.name)) throw Object.assign(new Error(err.message), { name: "LibraryError" });
      throw Object.assign(new Error("The library could not make the change; nothing was changed. Retry, and report it if it persists."), { name: "LibraryError" });
    }
  }, next);
}

/** `verify(name)`: the outcome, also when the test failed; a refusal (no such integration, no test) throws VerifyError. */
async function verifyCall(editor: LibraryEditor, name: unknown): Promise<string> {
  if (typeof name !== "string") throw Object.assign(new Error('verify(name) takes an integration name, e.g. verify("github/issues").'), { name: "VerifyError" });
  try {
    return JSON.stringify(await editor.verify(name));
  } catch (error) {
    const err = error as Error;
    if (GUEST_FACING.has(err.name)) throw Object.assign(new Error(err.message), { name: "VerifyError" });
    throw Object.assign(new Error("The verification could not run; nothing was recorded. Retry, and report it if it persists."), { name: "VerifyError" });
  }
}
