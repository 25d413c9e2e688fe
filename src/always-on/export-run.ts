import type { CompiledModule } from "../sandbox/transpile.js";
import type { RunReport } from "../sandbox/sandbox.js";
import { LIBRARY_PREFIX } from "../library/names.js";

/**
 * The module a schedule's or hook's run imports its arguments from, made for each run
 * (runInputModule). Not a host call: the arguments are in the run's request, so the
 * guest does not wait for a round trip to the main thread before calling the export
 * (~0.5 ms of a hook's reply, more while the main thread is busy). Not compiled into the
 * code either, so the call's code stays the same (compiled once) and any size up to the
 * body cap works. Only runs started with `input` have it; elsewhere importing it fails.
 */
export const RUN_INPUT_MODULE = "toolsmith:run-input";

/** What an always-on run needs from toolsmith: the run_code path, and the versions of what it loaded. */
export interface ExportRunner {
  /**
   * Runs `code` exactly as run_code does (limits, network policy, secrets, usage figures),
   * with `input` as the default export of RUN_INPUT_MODULE; `owner` is charged with failures
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
 * the arguments from RUN_INPUT_MODULE, and returns its result. Names are validated before
 * (ids and export names are plain identifiers), and quoted with JSON.stringify anyway.
 */
export function exportCallCode(call: Pick<ExportCall, "integration" | "export">): string {
  const specifier = JSON.stringify(`${LIBRARY_PREFIX}${call.integration}`);
  const name = JSON.stringify(call.export);
  return [
    `import * as integration from ${specifier};`,
    `import args from ${JSON.stringify(RUN_INPUT_MODULE)};`,
    `const fn = (integration as Record<string, unknown>)[${name}];`,
    `if (typeof fn !== "function") throw new TypeError(${JSON.stringify(`${call.integration} has no exported function '${call.export}' (it was renamed or removed): update the schedule or hook with the current name.`)});`,
    `export default await (fn as (...a: unknown[]) => unknown)(...(args as unknown[]));`,
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

/** An empty source map: the module is generated, no line of it is anyone's code. */
const NO_SOURCE_MAP = JSON.stringify({ version: 3, sources: [], names: [], mappings: "" });

/**
 * RUN_INPUT_MODULE for one run: `input` as its default export, parsed from JSON text in
 * the guest (an object literal would give a `__proto__` key a meaning; JSON.parse keeps
 * it an ordinary property, as a hook's body has it).
 */
export function runInputModule(input: unknown): CompiledModule {
  const json = JSON.stringify(input) ?? "null";
  return { filename: RUN_INPUT_MODULE, js: `export default JSON.parse(${JSON.stringify(json)});\n`, map: NO_SOURCE_MAP, imports: [], exports: ["default"] };
}
