import { interceptHostCalls } from "../sandbox/intercept-host-calls.js";
import type { HostCallHandler } from "../sandbox/worker-pool.js";
import type { RunReport } from "../sandbox/sandbox.js";
import { LIBRARY_PREFIX } from "../library/names.js";

/** The host function that hands a schedule's or hook's arguments to its run (not compiled into the code, so any size up to the body cap works). */
export const RUN_INPUT_HOST_FUNCTION = "run.input";

/** What an always-on run needs from toolsmith: the run_code path, and the versions of what it loaded. */
export interface ExportRunner {
  /**
   * Runs `code` exactly as run_code does (limits, network policy, secrets, usage figures),
   * with `input` answered to the `run.input` host call; `owner` is charged with failures
   * no stack frame blames on another integration.
   */
  runCode(code: string, options: { input: unknown; owner: string; trigger?: { kind: "schedule" | "hook"; id: string } }): Promise<{ report: RunReport; modules: string[] }>;
  /** The commit sha of a library integration's current version. */
  versionOf(name: string): string | undefined;
}

export interface ExportCall {
  integration: string;
  export: string;
  args: unknown[];
  /** What started it, for the run's trace (`toolsmith runs`). */
  trigger?: { kind: "schedule" | "hook"; id: string };
}

export interface ExportOutcome {
  report: RunReport;
  versions: Record<string, string>;
}

/**
 * The module an always-on run executes: imports the integration, calls the export with
 * the arguments from `run.input`, and returns its result. Names are validated before
 * (ids and export names are plain identifiers), and quoted with JSON.stringify anyway.
 */
export function exportCallCode(call: Pick<ExportCall, "integration" | "export">): string {
  const specifier = JSON.stringify(`${LIBRARY_PREFIX}${call.integration}`);
  const name = JSON.stringify(call.export);
  return [
    `import * as integration from ${specifier};`,
    `import { __internal } from "toolsmith";`,
    `const fn = (integration as Record<string, unknown>)[${name}];`,
    `if (typeof fn !== "function") throw new TypeError(${JSON.stringify(`${call.integration} has no exported function '${call.export}' (it was renamed or removed): update the schedule or hook with the current name.`)});`,
    `const args = (await __internal.hostCall(${JSON.stringify(RUN_INPUT_HOST_FUNCTION)}, {})) as unknown[];`,
    `export default await (fn as (...a: unknown[]) => unknown)(...args);`,
    "",
  ].join("\n");
}

/** Runs one export call through the ordinary run path; never throws for anything the code does. */
export async function runExport(runner: ExportRunner, call: ExportCall): Promise<ExportOutcome> {
  const { report, modules } = await runner.runCode(exportCallCode(call), { input: call.args, owner: call.integration, trigger: call.trigger });
  const versions: Record<string, string> = {};
  for (const specifier of modules) {
    if (!specifier.startsWith(LIBRARY_PREFIX)) continue;
    const name = specifier.slice(LIBRARY_PREFIX.length);
    const version = runner.versionOf(name);
    if (version) versions[name] = version;
  }
  return { report, versions };
}

/** Answers `run.input` with `input` (as JSON) and passes every other host call to the handler given. */
export function runInputHostCall(input: unknown): (next: HostCallHandler) => HostCallHandler {
  const json = JSON.stringify(input);
  return (next) => interceptHostCalls(new Set([RUN_INPUT_HOST_FUNCTION]), async () => json, next);
}
