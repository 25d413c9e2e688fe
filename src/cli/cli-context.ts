import { resolveHomeDir } from "../config/home.js";
import { Toolsmith, UserError } from "../toolsmith.js";

/** What a command gets from the process: its arguments, environment and output streams. */
export interface CliContext {
  args: string[];
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  /** Reads a secret: from a terminal without echo (after showing `prompt` on stderr), else all of stdin. */
  readSecret: (prompt: string) => Promise<string>;
  /** The Node.js executable running toolsmith (for printed client configs). */
  nodePath: string;
}

/** A command's exit code: 0 success, 1 the work failed, 2 bad usage or configuration. */
export type ExitCode = 0 | 1 | 2;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface OpenHomeOptions {
  /** A long-lived server (collects garbage in step with its calls). */
  serving?: boolean;
  /** Start the configured upstream MCP servers (commands that never run code or search leave them off). */
  upstreams?: boolean;
}

export function openHome(ctx: CliContext, options: OpenHomeOptions = {}): Toolsmith {
  return Toolsmith.open({
    home: resolveHomeDir(ctx.env),
    npmConfig: { env: ctx.env, homeDir: ctx.env.HOME ?? ctx.env.USERPROFILE },
    upstreams: options.upstreams,
    backgroundSync: options.serving === true,
    warmCompiler: options.serving === true,
    // A one-shot command starts the sandbox when it first runs or saves something (never, for search or log).
    warmSandbox: options.serving === true,
    // Only a serving process fires schedules (and only with config schedules.enabled).
    fireSchedules: options.serving === true,
    log: (line) => ctx.stderr(`toolsmith: ${line}\n`),
    // A serving process answers calls for hours: collect its garbage in step (see PeriodicCollector).
    collectGarbageEvery: options.serving ? SERVING_COLLECT_EVERY : undefined,
    // Only a server lives long enough for a warm type checker to pay off.
    warmTypeChecker: options.serving === true,
  });
}

/** Calls between full garbage collections in a serving process. */
const SERVING_COLLECT_EVERY = 500;

/**
 * Opens the home, does the work, and closes it; a UserError (a bad name, an unknown
 * version) is printed and becomes exit code 1.
 */
export async function withHome(ctx: CliContext, work: (toolsmith: Toolsmith) => Promise<ExitCode>, options: OpenHomeOptions = {}): Promise<ExitCode> {
  const toolsmith = openHome(ctx, options);
  try {
    return await work(toolsmith);
  } catch (error) {
    if (error instanceof UserError) {
      ctx.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await toolsmith.close();
  }
}
