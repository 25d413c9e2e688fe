import { execFile } from "node:child_process";
import { access, constants, readdir, stat } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { permissionWarning, readSecretsFile } from "../../bridge/secrets/secrets-file.js";
import { UpstreamConnection } from "../../bridge/upstream/upstream-connection.js";
import { homePaths, resolveHomeDir, type HomePaths } from "../../config/home.js";
import { loadConfig } from "../../config/load-config.js";
import type { Config } from "../../config/schema.js";
import { checkGit } from "../../library/git-check.js";
import { HOOKS_FILE, readEntries, SCHEDULES_FILE, type FileKind } from "../../always-on/always-on-files.js";
import { nextDue } from "../../always-on/scheduler.js";
import { runGit } from "../../library/git-runner.js";
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT } from "../../server/http-defaults.js";
import { isProcessAlive } from "../../util/process-alive.js";
import { UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const DOCTOR_HELP = `Usage: toolsmith doctor [--json]

Checks what toolsmith needs and reports each item as ok, warn or FAIL with what to do:
Node.js, git, the home folder, config.json, secrets.json, the library repository, its
remote (reachable?), each upstream MCP server (starts and lists tools?), schedules.json
and hooks.json (every entry valid: cron, time zone, names; hooks.json private), and what is
running on this home (toolsmith processes, an HTTP server on the default port).
Exit code 1 when anything failed. Starts upstream servers only to check them.
`;

/** How long one upstream or the remote may take to answer before it is reported as failing. */
const DOCTOR_PROBE_TIMEOUT_MS = 15_000;
/** Oldest Node.js major version toolsmith runs on. */
const MIN_NODE_MAJOR = 20;

type Status = "ok" | "warn" | "fail";
interface Check {
  item: string;
  status: Status;
  detail: string;
}

export async function doctorCommand(ctx: CliContext, positionals: string[], flags: { json?: boolean }): Promise<ExitCode> {
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'.`);
  const paths = homePaths(resolveHomeDir(ctx.env));
  const checks: Check[] = [];
  if (!flags.json) ctx.stdout(`home: ${paths.root}\n`);
  const add = (check: Check) => {
    checks.push(check);
    if (!flags.json) ctx.stdout(`${check.status === "fail" ? "FAIL" : check.status.padEnd(4)}  ${check.item}: ${check.detail}\n`);
  };
  add(checkNode());
  const git = await checkGit();
  add(git.ok ? { item: "git", status: "ok", detail: git.version } : { item: "git", status: "fail", detail: git.message });
  add(await checkHome(paths));
  const config = await loadConfig(paths.config).then(
    (value) => {
      add({ item: "config.json", status: "ok", detail: `${Object.keys(value.mcpServers).length} upstream server(s), network.allow ${JSON.stringify(value.network.allow)}` });
      return value;
    },
    (error: Error) => {
      add({ item: "config.json", status: "fail", detail: error.message });
      return undefined;
    },
  );
  add(await checkSecrets(paths));
  add(await checkAlwaysOnFile(paths.schedules, SCHEDULES_FILE, "schedules.json"));
  add(await checkAlwaysOnFile(paths.hooks, HOOKS_FILE, "hooks.json"));
  if (git.ok) add(await checkLibrary(paths));
  if (config?.library.remote && git.ok) add(await checkRemote(config.library.remote));
  if (config) for (const check of await checkUpstreams(config)) add(check);
  add(await checkProcesses(paths));
  add(await checkHttp());
  if (flags.json) ctx.stdout(`${JSON.stringify({ home: paths.root, checks }, null, 2)}\n`);
  return checks.some((c) => c.status === "fail") ? 1 : 0;
}

function checkNode(): Check {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= MIN_NODE_MAJOR
    ? { item: "node", status: "ok", detail: process.versions.node }
    : { item: "node", status: "fail", detail: `${process.versions.node} is too old: toolsmith needs Node.js ${MIN_NODE_MAJOR} or newer.` };
}

async function checkHome(paths: HomePaths): Promise<Check> {
  const info = await stat(paths.root).catch(() => undefined);
  if (!info) return { item: "home", status: "ok", detail: `${paths.root} does not exist yet; the first start creates it` };
  if (!info.isDirectory()) return { item: "home", status: "fail", detail: `${paths.root} is not a folder. Point --home or TOOLSMITH_HOME elsewhere.` };
  const writable = await access(paths.root, constants.W_OK).then(() => true, () => false);
  return writable ? { item: "home", status: "ok", detail: paths.root } : { item: "home", status: "fail", detail: `${paths.root} is not writable by this user.` };
}

async function checkSecrets(paths: HomePaths): Promise<Check> {
  try {
    const file = await readSecretsFile(paths.secrets);
    const warning = await permissionWarning(paths.secrets);
    const names = Object.keys(file.secrets);
    if (warning) return { item: "secrets.json", status: "warn", detail: warning };
    return { item: "secrets.json", status: "ok", detail: names.length ? `${names.length} secret(s): ${names.join(", ")}` : "no secrets ('toolsmith secret set NAME --host HOST' adds one)" };
  } catch (error) {
    return { item: "secrets.json", status: "fail", detail: (error as Error).message };
  }
}

/**
 * schedules.json or hooks.json as the server reads it: a file that cannot be used at all,
 * or entries that are left out (each named with what is wrong), fail; a hooks.json others
 * may read (it holds signing secrets) warns.
 */
async function checkAlwaysOnFile<T>(path: string, kind: FileKind<T>, fileName: string): Promise<Check> {
  let loaded;
  try {
    loaded = await readEntries(path, kind, fileName);
  } catch (error) {
    return { item: fileName, status: "fail", detail: `${(error as Error).message} Until it is fixed, no ${kind.key === "schedules" ? "schedule fires" : "hook answers"}.` };
  }
  const { entries, problems } = loaded;
  if (problems.length) {
    return { item: fileName, status: "fail", detail: `${problems.length} entr${problems.length === 1 ? "y is" : "ies are"} not used: ${problems.map((p) => p.message).join("; ")}. Fix or remove ${problems.length === 1 ? "it" : "them"} with ${kind.manage}; the other ${entries.size} work.` };
  }
  if (!entries.size) return { item: fileName, status: "ok", detail: `no ${kind.key} (${kind.manage} adds one)` };
  const ids = [...entries.keys()].join(", ");
  if (kind.key === "hooks") {
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077) return { item: fileName, status: "warn", detail: `${entries.size} hook(s) (${ids}), but the file holds signing secrets and others may read it (mode ${mode.toString(8)}): chmod 600 '${path}'` };
    return { item: fileName, status: "ok", detail: `${entries.size} hook(s): ${ids}` };
  }
  const now = new Date();
  const next = [...entries].map(([id, e]) => {
    const entry = e as { cron: string; tz?: string };
    return `${id} next ${nextDue(entry.cron, entry.tz, now)?.toISOString() ?? "never"}`;
  });
  return { item: fileName, status: "ok", detail: `${entries.size} schedule(s): ${next.join(", ")}` };
}

async function checkLibrary(paths: HomePaths): Promise<Check> {
  const isRepo = await stat(join(paths.library, ".git")).then(() => true, () => false);
  if (!isRepo) return { item: "library", status: "ok", detail: "not created yet; the first start creates and seeds it" };
  const head = await runGit(paths.library, ["rev-parse", "--short=12", "HEAD"]);
  const status = await runGit(paths.library, ["status", "--porcelain"]);
  if (head.exitCode !== 0) return { item: "library", status: "fail", detail: `the repository has no readable HEAD: ${head.stderr.trim()}` };
  const dirty = status.stdout.split("\n").filter(Boolean);
  if (dirty.length) {
    return { item: "library", status: "warn", detail: `at ${head.stdout.trim()}, with ${dirty.length} uncommitted change(s) (${dirty.slice(0, 3).map((l) => l.trim()).join("; ")}): a save in progress, or edits by hand ('git -C ${paths.library} status')` };
  }
  return { item: "library", status: "ok", detail: `at ${head.stdout.trim()}, clean` };
}

async function checkRemote(remote: string): Promise<Check> {
  const result = await new Promise<{ ok: boolean; detail: string }>((resolve) => {
    execFile("git", ["ls-remote", "--heads", "--", remote], { timeout: DOCTOR_PROBE_TIMEOUT_MS, encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }, (error, stdout, stderr) => {
      if (error) resolve({ ok: false, detail: (stderr || error.message).trim().split("\n").slice(-1)[0] ?? "no answer" });
      else resolve({ ok: true, detail: `${stdout.split("\n").filter(Boolean).length} branch(es)` });
    });
  });
  return result.ok
    ? { item: "library.remote", status: "ok", detail: `${remote} is reachable (${result.detail})` }
    : { item: "library.remote", status: "fail", detail: `${remote} cannot be reached: ${result.detail}. Check the URL and git credentials for this user.` };
}

async function checkUpstreams(config: Config): Promise<Check[]> {
  const lines: string[] = [];
  const connections = Object.entries(config.mcpServers).map(([name, server]) => new UpstreamConnection(name, server, (line) => lines.push(line)));
  try {
    return await Promise.all(
      connections.map(async (connection): Promise<Check> => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([connection.ensureConnected(), new Promise<void>((r) => (timer = setTimeout(r, DOCTOR_PROBE_TIMEOUT_MS)))]);
        clearTimeout(timer);
        const state = connection.current;
        const item = `upstream '${connection.name}'`;
        if (state.status === "ready") return { item, status: "ok", detail: `ready with ${state.tools.length} tool(s)` };
        if (state.status === "connecting") return { item, status: "fail", detail: `did not answer within ${DOCTOR_PROBE_TIMEOUT_MS / 1000}s. Check its command and that it speaks MCP over stdio.` };
        return { item, status: "fail", detail: `${state.reason}. Fix mcpServers.${connection.name} in config.json.` };
      }),
    );
  } finally {
    await Promise.all(connections.map((c) => c.close()));
  }
}

async function checkProcesses(paths: HomePaths): Promise<Check> {
  const entries = await readdir(join(paths.state, "processes")).catch(() => [] as string[]);
  const alive = entries.map(Number).filter((pid) => Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid));
  return { item: "processes", status: "ok", detail: alive.length ? `${alive.length} toolsmith process(es) use this home (pid ${alive.join(", ")})` : "no toolsmith process uses this home right now" };
}

/** Whether something answers on the default HTTP address, and whether it looks like toolsmith (401 without a token). */
async function checkHttp(): Promise<Check> {
  const item = `http ${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}`;
  const status = await new Promise<number | undefined>((resolve) => {
    const req = request({ host: DEFAULT_HTTP_HOST, port: DEFAULT_HTTP_PORT, path: "/mcp", method: "GET", timeout: 2_000, headers: { host: `${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}` } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
    req.end();
  });
  if (status === undefined) return { item, status: "ok", detail: "nothing is listening ('toolsmith serve --http' starts the HTTP server)" };
  if (status === 401) return { item, status: "ok", detail: "a server that requires a bearer token is listening (toolsmith serve --http)" };
  return { item, status: "warn", detail: `something else answers there (HTTP ${status}); 'serve --http' would need another --port` };
}
