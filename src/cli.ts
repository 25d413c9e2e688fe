#!/usr/bin/env node
/**
 * The `toolsmith` command. The only module that touches `process`: everything
 * else receives its arguments, environment and streams.
 */
import { parseArgs } from "node:util";
import { UsageError, type CliContext, type ExitCode } from "./cli/cli-context.js";
import { ConfigError } from "./config/load-config.js";
import { homePaths, resolveHomeDir } from "./config/home.js";
import { prefetchSnapshot } from "./search/snapshot-prefetch.js";
import { checkGit } from "./library/git-check.js";
import { SERVER_VERSION } from "./version.js";

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
  serve: () => import("./cli/commands/serve.js"),
  run: () => import("./cli/commands/run.js"),
  search: () => import("./cli/commands/search.js"),
  log: () => import("./cli/commands/history.js"),
  diff: () => import("./cli/commands/history.js"),
  revert: () => import("./cli/commands/history.js"),
  remove: () => import("./cli/commands/remove-rename.js"),
  rename: () => import("./cli/commands/remove-rename.js"),
  secret: () => import("./cli/commands/secret.js"),
  "import-config": () => import("./cli/commands/import-config.js"),
  "context-cost": () => import("./cli/commands/context-cost.js"),
  sync: () => import("./cli/commands/sync.js"),
  doctor: () => import("./cli/commands/doctor.js"),
  approvals: () => import("./cli/commands/approvals.js"),
  runs: () => import("./cli/commands/runs.js"),
  verify: () => import("./cli/commands/verify.js"),
  schedule: () => import("./cli/commands/schedule-hook.js"),
  hook: () => import("./cli/commands/schedule-hook.js"),
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

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  json: { type: "boolean" },
  full: { type: "boolean" },
  limit: { type: "string" },
  max: { type: "string" },
  "timeout-ms": { type: "string" },
  "dry-run": { type: "boolean" },
  force: { type: "boolean" },
  config: { type: "string" },
  "tools-json": { type: "string", multiple: true },
  http: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string", multiple: true },
  home: { type: "string" },
  "max-connections": { type: "string" },
  "allowed-host": { type: "string", multiple: true },
  failed: { type: "boolean" },
  integration: { type: "string" },
  cron: { type: "string" },
  tz: { type: "string" },
  export: { type: "string" },
  args: { type: "string" },
  "catch-up": { type: "boolean" },
  "skip-missed": { type: "boolean" },
  async: { type: "boolean" },
} as const;

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
    parsed = parseArgs({ args: ctx.args, options: OPTIONS, allowPositionals: true, strict: true });
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
  // A server's first search reads the search snapshot: its read starts now, while the server's code loads.
  if (command === "serve") {
    try {
      prefetchSnapshot(homePaths(resolveHomeDir(ctx.env)).state);
    } catch {
      // The home is checked (and its problem reported) when the server opens it.
    }
  }
  try {
    switch (command) {
      case "serve":
        if (rest.length) throw new UsageError("serve takes no arguments.");
        if ((values.host?.length ?? 0) > 1) throw new UsageError("give --host once.");
        return await (await import("./cli/commands/serve.js")).serveCommand(ctx, { http: values.http, port: values.port, host: values.host?.[0], maxConnections: values["max-connections"], allowedHost: values["allowed-host"] });
      case "run":
        return await (await import("./cli/commands/run.js")).runCommand(ctx, rest, values);
      case "search":
        return await (await import("./cli/commands/search.js")).searchCommand(ctx, rest, values);
      case "log":
        return await (await import("./cli/commands/history.js")).logCommand(ctx, rest, values);
      case "secret":
        return await (await import("./cli/commands/secret.js")).secretCommand(ctx, rest, values);
      case "sync":
        return await (await import("./cli/commands/sync.js")).syncCommand(ctx, rest, values);
      case "diff":
        return await (await import("./cli/commands/history.js")).diffCommand(ctx, rest);
      case "remove":
        return await (await import("./cli/commands/remove-rename.js")).removeCommand(ctx, rest, values);
      case "rename":
        return await (await import("./cli/commands/remove-rename.js")).renameCommand(ctx, rest, values);
      case "verify":
        return await (await import("./cli/commands/verify.js")).verifyCommand(ctx, rest, values);
      case "context-cost":
        return await (await import("./cli/commands/context-cost.js")).contextCostCommand(ctx, rest, values);
      case "doctor":
        return await (await import("./cli/commands/doctor.js")).doctorCommand(ctx, rest, values);
      case "approvals":
        return await (await import("./cli/commands/approvals.js")).approvalsCommand(ctx, rest, values);
      case "runs":
        return await (await import("./cli/commands/runs.js")).runsCommand(ctx, rest, values);
      case "schedule":
        return await (await import("./cli/commands/schedule-hook.js")).scheduleCommand(ctx, rest, values);
      case "hook":
        return await (await import("./cli/commands/schedule-hook.js")).hookCommand(ctx, rest, values);
      case "import-config":
        return await (await import("./cli/commands/import-config.js")).importConfigCommand(ctx, rest, values, ctx.nodePath);
      default:
        return await (await import("./cli/commands/history.js")).revertCommand(ctx, rest);
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

/** On a terminal, reads one line without echoing it; otherwise reads all of stdin. */
async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return readStdin();
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let value = "";
  try {
    for await (const chunk of stdin) {
      for (const ch of (chunk as Buffer).toString("utf8")) {
        if (ch === "\r" || ch === "\n") return value;
        if (ch === "\u0003") throw new Error("cancelled");
        if (ch === "\u007f") value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// A closed pipe (e.g. `toolsmith search | head`) is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await main({
  args: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
  readSecret,
  nodePath: process.execPath,
});
process.exitCode = code;
// A command is over once main returns (serve returns when it stops serving): nothing left
// behind (an upstream child still starting, a timer) may keep the process alive.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
