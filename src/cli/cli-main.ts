/**
 * The `toolsmith` command line: parses it, checks each command's options, and runs the
 * command (cli.ts gives it the process's arguments, environment and streams).
 */
import { parseArgs } from "node:util";
import { UsageError, type CliContext, type ExitCode } from "./cli-context.js";
import { CLI_OPTIONS } from "./cli-options.js";
import { ConfigError } from "../config/load-config.js";
import { checkGit } from "../library/git-check.js";
import { SERVER_VERSION } from "../version.js";

const MAIN_HELP = `toolsmith ${SERVER_VERSION}: an MCP server with three tools (search_library, run_code,
save_integration) that lets agents write, run and save TypeScript integrations.

Usage: toolsmith [command] [options]

Commands:
  serve                 serve MCP over stdio (the default)
  run <file|->          run a module as run_code does
  search [query]        search the library
  log [name]            list versions
  diff <name> [a] [b]   show how an integration changed between versions
  sync                  pull and push the library's shared remote
  revert <name> <ver>   restore an integration to a version (as a new commit)
  remove <name>         delete an integration (as a new commit)
  rename <old> <new>    rename an integration (as a new commit)
  verify <name>         re-run an integration's test and its dependents' tests
  secret set|list|remove  manage secrets (values never enter the sandbox)
  schedule add|list|remove|run  run integrations on a cron (fired by the running server)
  hook add|list|remove  signed webhooks at /hooks/<id> on the HTTP server
  import-config <file>  front the MCP servers of a Claude Desktop config
  context-cost          tokens of a conventional MCP setup vs toolsmith
  runs                  the last runs with what they fetched and called (--failed, --integration NAME)
  doctor                check git, the home, config, secrets, library, remote, upstreams
  approvals             list approval questions and their answers
  help [command]        show help

Run 'toolsmith <command> --help' for a command's options.
Every command takes --home <folder> (default: TOOLSMITH_HOME, else ~/.toolsmith).
`;

/**
 * Each command's module, loaded when that command runs (or its help is shown): `serve`
 * does not pay for loading what `doctor` or `context-cost` need, nor they for the server.
 */
const COMMANDS = {
  serve: () => import("./commands/serve.js"),
  run: () => import("./commands/run.js"),
  search: () => import("./commands/search.js"),
  log: () => import("./commands/history.js"),
  diff: () => import("./commands/history.js"),
  revert: () => import("./commands/history.js"),
  remove: () => import("./commands/remove-rename.js"),
  rename: () => import("./commands/remove-rename.js"),
  secret: () => import("./commands/secret.js"),
  "import-config": () => import("./commands/import-config.js"),
  "context-cost": () => import("./commands/context-cost.js"),
  sync: () => import("./commands/sync.js"),
  doctor: () => import("./commands/doctor.js"),
  approvals: () => import("./commands/approvals.js"),
  runs: () => import("./commands/runs.js"),
  verify: () => import("./commands/verify.js"),
  schedule: () => import("./commands/schedule-hook.js"),
  hook: () => import("./commands/schedule-hook.js"),
};
type Command = keyof typeof COMMANDS;
const isCommand = (name: string | undefined): name is Command => name !== undefined && Object.hasOwn(COMMANDS, name);

/** A command's help text (from its module). */
async function helpFor(command: Command): Promise<string> {
  const m = (await COMMANDS[command]()) as Record<string, unknown>;
  // Each module exports its commands' help as <COMMAND>_HELP (`import-config` → IMPORT_CONFIG_HELP).
  const name = `${command.toUpperCase().replaceAll("-", "_")}_HELP`;
  return (m[name] as string | undefined) ?? MAIN_HELP;
}

/** Commands that open the library (a git repository): they refuse to start without git. */
const NEEDS_GIT = new Set(["serve", "run", "search", "log", "diff", "revert", "remove", "rename", "verify", "sync", "schedule", "hook"]);

/** Options every command takes. */
const GLOBAL_OPTIONS = ["help", "home"];

const ALLOWED: Record<string, string[]> = {
  serve: ["help", "http", "port", "host", "max-connections", "allowed-host"],
  run: ["help", "timeout-ms", "json"],
  search: ["help", "limit", "full", "json"],
  log: ["help", "max", "json"],
  revert: ["help"],
  remove: ["help", "force", "json"],
  rename: ["help", "force", "json"],
  verify: ["help", "json"],
  diff: ["help"],
  sync: ["help", "json"],
  secret: ["help", "host", "json"],
  "import-config": ["help", "dry-run"],
  "context-cost": ["help", "config", "tools-json", "json"],
  doctor: ["help", "json"],
  approvals: ["help", "limit", "json"],
  runs: ["help", "failed", "integration", "limit", "json"],
  schedule: ["help", "json", "cron", "tz", "integration", "export", "args", "catch-up", "skip-missed"],
  hook: ["help", "json", "integration", "export", "async"],
  help: ["help"],
};

export async function main(ctx: CliContext): Promise<ExitCode> {
  let parsed;
  try {
    parsed = parseArgs({ args: ctx.args, options: CLI_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    ctx.stderr(`toolsmith: ${(error as Error).message}\nRun 'toolsmith --help' for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command = "serve", ...rest] = positionals;
  if (values.version) {
    ctx.stdout(`${SERVER_VERSION}\n`);
    return 0;
  }
  if (command === "help" || (values.help && positionals.length === 0) || (values.help && !isCommand(command))) {
    const topic = command === "help" ? rest[0] : undefined;
    ctx.stdout(isCommand(topic) ? await helpFor(topic) : MAIN_HELP);
    return 0;
  }
  if (!isCommand(command)) {
    ctx.stderr(`toolsmith: unknown command '${command}'.\n\n${MAIN_HELP}`);
    return 2;
  }
  if (values.help) {
    ctx.stdout(await helpFor(command));
    return 0;
  }
  if (values.home !== undefined) {
    // Some clients (MCP Inspector 2.x) pass no environment: --home says it on the command line.
    if (!values.home.trim()) {
      ctx.stderr(`toolsmith: --home needs a folder, e.g. --home ~/.toolsmith.\n`);
      return 2;
    }
    ctx = { ...ctx, env: { ...ctx.env, TOOLSMITH_HOME: values.home } };
  }
  const unexpected = Object.keys(values).filter((k) => !ALLOWED[command]!.includes(k) && !GLOBAL_OPTIONS.includes(k));
  if (unexpected.length) {
    ctx.stderr(`toolsmith ${command}: unknown option ${unexpected.map((k) => `--${k}`).join(", ")}.\n\n${await helpFor(command)}`);
    return 2;
  }
  if (NEEDS_GIT.has(command)) {
    const git = await checkGit();
    if (!git.ok) {
      ctx.stderr(`toolsmith: ${git.message}\n`);
      return 2;
    }
  }
  try {
    switch (command) {
      case "serve":
        if (rest.length) throw new UsageError("serve takes no arguments.");
        if ((values.host?.length ?? 0) > 1) throw new UsageError("give --host once.");
        return await (await import("./commands/serve.js")).serveCommand(ctx, { http: values.http, port: values.port, host: values.host?.[0], maxConnections: values["max-connections"], allowedHost: values["allowed-host"] });
      case "run":
        return await (await import("./commands/run.js")).runCommand(ctx, rest, values);
      case "search":
        return await (await import("./commands/search.js")).searchCommand(ctx, rest, values);
      case "log":
        return await (await import("./commands/history.js")).logCommand(ctx, rest, values);
      case "secret":
        return await (await import("./commands/secret.js")).secretCommand(ctx, rest, values);
      case "sync":
        return await (await import("./commands/sync.js")).syncCommand(ctx, rest, values);
      case "diff":
        return await (await import("./commands/history.js")).diffCommand(ctx, rest);
      case "remove":
        return await (await import("./commands/remove-rename.js")).removeCommand(ctx, rest, values);
      case "rename":
        return await (await import("./commands/remove-rename.js")).renameCommand(ctx, rest, values);
      case "verify":
        return await (await import("./commands/verify.js")).verifyCommand(ctx, rest, values);
      case "context-cost":
        return await (await import("./commands/context-cost.js")).contextCostCommand(ctx, rest, values);
      case "doctor":
        return await (await import("./commands/doctor.js")).doctorCommand(ctx, rest, values);
      case "approvals":
        return await (await import("./commands/approvals.js")).approvalsCommand(ctx, rest, values);
      case "runs":
        return await (await import("./commands/runs.js")).runsCommand(ctx, rest, values);
      case "schedule":
        return await (await import("./commands/schedule-hook.js")).scheduleCommand(ctx, rest, values);
      case "hook":
        return await (await import("./commands/schedule-hook.js")).hookCommand(ctx, rest, values);
      case "import-config":
        return await (await import("./commands/import-config.js")).importConfigCommand(ctx, rest, values, ctx.nodePath);
      default:
        return await (await import("./commands/history.js")).revertCommand(ctx, rest);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr(`toolsmith ${command}: ${error.message}\n\n${await helpFor(command)}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      ctx.stderr(`toolsmith: ${error.message}\n`);
      return 2;
    }
    ctx.stderr(`toolsmith ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}
