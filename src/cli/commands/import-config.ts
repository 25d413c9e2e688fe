import { chmod, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { homePaths, resolveHomeDir } from "../../config/home.js";
import { ConfigError, parseConfig } from "../../config/load-config.js";
import { prototypeKeyPath, PROTOTYPE_KEY_HINT } from "../../config/prototype-keys.js";
import { UpstreamServerSchema } from "../../config/schema.js";
import { writeFileAtomic } from "../../util/atomic-write.js";
import { UsageError, type CliContext, type ExitCode } from "../cli-context.js";
import { distFile } from "../../dist-dir.js";

export const IMPORT_CONFIG_HELP = `Usage: toolsmith import-config <claude_desktop_config.json> [--dry-run]

Copies the MCP servers of a Claude Desktop config into toolsmith's config.json
(mcpServers), so their tools become functions in run_code ('mcp/<server>') instead of
tool definitions in the model's context. Then prints the Claude Desktop block that
replaces them all with toolsmith alone. --dry-run shows what would change.
Servers marked "disabled": true, toolsmith itself and entries that are not valid are
skipped, each with a line saying why. config.json is written with mode 0600 when a
server carries env values or headers (they often hold tokens).
Exit code 0 when the config was written (or, with --dry-run, shown), even if entries
were skipped; 2 when the file cannot be read or the result would be invalid.

Claude Desktop keeps its config at:
  macOS    ~/Library/Application Support/Claude/claude_desktop_config.json
  Windows  %APPDATA%\\Claude\\claude_desktop_config.json
`;

/** config.json's mode when it holds servers' env values or headers. */
const CREDENTIALS_FILE_MODE = 0o600;

/** The path of this CLI's entry, for the printed Claude Desktop block. */
const CLI_ENTRY = fileURLToPath(distFile("cli.js"));

export async function importConfigCommand(ctx: CliContext, positionals: string[], flags: { "dry-run"?: boolean }, nodePath: string): Promise<ExitCode> {
  const [source, ...extra] = positionals;
  if (!source || extra.length) throw new UsageError("import-config takes the path of one claude_desktop_config.json.");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(source, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `no such file: ${source}` : `${source} is not valid JSON (${(error as Error).message}).`);
  }
  const servers = (raw as { mcpServers?: unknown })?.mcpServers;
  if (typeof servers !== "object" || servers === null || Array.isArray(servers)) {
    throw new UsageError(`${source} has no "mcpServers" object: nothing to import.`);
  }

  const home = homePaths(resolveHomeDir(ctx.env));
  const existingText = await readFile(home.config, "utf8").catch(() => undefined);
  const existingRaw = existingText === undefined ? {} : (JSON.parse(existingText) as Record<string, unknown>);
  if (existingText !== undefined) parseConfig(existingText, home.config);
  const merged: Record<string, unknown> = { ...((existingRaw.mcpServers as Record<string, unknown> | undefined) ?? {}) };

  let problems = 0;
  const imported: string[] = [];
  for (let [name, entry] of Object.entries(servers as Record<string, unknown>)) {
    // Checked first: '__proto__' passes the name rule, and an assignment would drop it silently.
    const reserved = prototypeKeyPath({ [name]: entry });
    if (reserved) {
      ctx.stderr(`skipped '${name}': '${reserved}': ${PROTOTYPE_KEY_HINT} in ${source}\n`);
      problems++;
      continue;
    }
    if (typeof entry === "object" && entry !== null && (entry as { disabled?: unknown }).disabled === true) {
      ctx.stderr(`skipped '${name}': it is disabled ("disabled": true) in ${source}\n`);
      continue;
    }
    if (isToolsmith(entry)) {
      ctx.stderr(`skipped '${name}': it is toolsmith itself\n`);
      continue;
    }
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      ctx.stderr(`skipped '${name}': server names use letters, digits, '_', '.', '-' (rename it in ${source})\n`);
      problems++;
      continue;
    }
    // Claude Desktop's own switch; toolsmith has none (a server it should not start is left out).
    const { disabled: _disabled, ...withoutSwitch } = entry as Record<string, unknown>;
    entry = withoutSwitch;
    const parsed = UpstreamServerSchema.safeParse(entry);
    if (!parsed.success) {
      ctx.stderr(`skipped '${name}': ${parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ")}\n`);
      problems++;
      continue;
    }
    const verb = Object.hasOwn(merged, name) ? (JSON.stringify(merged[name]) === JSON.stringify(entry) ? "unchanged" : "replaced") : "added";
    merged[name] = entry;
    imported.push(name);
    ctx.stderr(`${verb} '${name}'\n`);
  }

  const next = { ...existingRaw, mcpServers: merged };
  const text = `${JSON.stringify(next, null, 2)}\n`;
  try {
    parseConfig(text, home.config);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`the merged config would be invalid: ${error.message}`);
    throw error;
  }
  if (flags["dry-run"]) {
    ctx.stderr(`dry run: ${home.config} was not changed. It would contain:\n`);
    ctx.stderr(text);
  } else {
    const holdsCredentials = Object.values(merged).some((s) => typeof s === "object" && s !== null && ("env" in s || "headers" in s));
    await writeFileAtomic(home.config, text, holdsCredentials ? CREDENTIALS_FILE_MODE : undefined);
    if (holdsCredentials) await chmod(home.config, CREDENTIALS_FILE_MODE);
    ctx.stderr(`wrote ${imported.length} server(s) to ${home.config}; toolsmith fronts ${Object.keys(merged).length} in all.\n`);
    if (holdsCredentials) ctx.stderr(`${home.config} holds servers' env values or headers, so it is readable by you only (mode 0600).\n`);
  }
  ctx.stderr("\nReplace the mcpServers block of your Claude Desktop config with:\n");
  const block = { mcpServers: { toolsmith: { command: nodePath, args: [CLI_ENTRY], env: { TOOLSMITH_HOME: home.root } } } };
  ctx.stdout(`${JSON.stringify(block, null, 2)}\n`);
  if (problems > 0) ctx.stderr(`\n${problems} server(s) were skipped (see above); fix them in ${source} and run import-config again to add them.\n`);
  return 0;
}

function isToolsmith(entry: unknown): boolean {
  if (typeof entry !== "object" || entry === null) return false;
  const { command, args } = entry as { command?: unknown; args?: unknown };
  const words = [command, ...(Array.isArray(args) ? args : [])].filter((w): w is string => typeof w === "string");
  return words.some((w) => /(^|[\\/])toolsmith(-mcp)?$/.test(w) || w === CLI_ENTRY);
}
