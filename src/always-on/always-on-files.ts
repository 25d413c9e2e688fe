import { statSync } from "node:fs";
import { chmod, readFile } from "node:fs/promises";
import { z } from "zod";
import { Cron } from "croner";
import { describeJsonSyntaxError } from "../config/json-syntax.js";
import { prototypeKeyPath, PROTOTYPE_KEY_HINT } from "../config/prototype-keys.js";
import { describeZodIssue } from "../config/zod-issues.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { INTEGRATION_NAME_HINT, isIntegrationName } from "../library/names.js";

/** Schedule and hook ids: they name a URL path (/hooks/<id>) and a folder (workspace/runs/<id>/). */
export const ALWAYS_ON_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const ALWAYS_ON_ID_HINT = "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters (e.g. \"weekly-report\")";
const EXPORT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;
/** hooks.json holds signing secrets: readable by its owner only, like secrets.json. */
const HOOKS_FILE_MODE = 0o600;

/** Why a cron expression (with its time zone) cannot be used, or undefined. */
export function cronProblem(cron: string, tz: string | undefined): string | undefined {
  try {
    new Cron(cron, { timezone: tz, paused: true }).nextRun();
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (tz && /time ?zone|Invalid time zone/i.test(message)) return `'${tz}' is not a time zone: use an IANA name such as "Europe/Berlin" or "UTC"`;
    return `'${cron}' is not a cron expression (${message}): use 5 fields "minute hour day month weekday" such as "0 9 * * MON", or 6 with seconds first`;
  }
}

const Integration = z.string().refine(isIntegrationName, { message: `an integration name: ${INTEGRATION_NAME_HINT}` });
const ExportName = z.string().regex(EXPORT_NAME, "the name of a function the integration exports, e.g. \"weeklyReport\"");

export const ScheduleEntrySchema = z
  .object({
    cron: z.string().min(1, "a cron expression such as \"0 9 * * MON\""),
    tz: z.string().min(1).optional(),
    integration: Integration,
    export: ExportName,
    args: z.array(z.unknown(), { message: "the export's arguments as an array, e.g. [\"octo/repo\", 7]" }).optional(),
    /** After downtime, run a missed firing once (default: config schedules.catchUp). */
    catchUp: z.boolean().optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const problem = cronProblem(entry.cron, entry.tz);
    if (problem) ctx.addIssue({ code: "custom", path: [problem.includes("time zone") ? "tz" : "cron"], message: problem });
  });
export type ScheduleEntry = z.infer<typeof ScheduleEntrySchema>;

export const HookReplySchema = z.enum(["sync", "async"]);
export const HookEntrySchema = z
  .object({
    integration: Integration,
    export: ExportName,
    /** The HMAC key; never shown again after creation. */
    secret: z.string().min(32, "a signing secret of at least 32 characters (remove the hook and add it again to get one)"),
    /** "async": always answer 202 with a run id; "sync" (default): the result, unless it takes longer than hooks.replyTimeoutMs. */
    reply: HookReplySchema.optional(),
  })
  .strict();
export type HookEntry = z.infer<typeof HookEntrySchema>;

/** One entry that cannot be used, and why; the others still work. */
export interface EntryProblem {
  id: string;
  message: string;
}

export interface Loaded<T> {
  entries: Map<string, T>;
  problems: EntryProblem[];
}

/** The file as a whole cannot be read or is not JSON of the right shape: nothing in it is used. */
export class AlwaysOnFileError extends Error {
  override name = "AlwaysOnFileError";
}

export interface FileKind<T> {
  /** The file's top-level key and what it holds ("schedules", "hooks"). */
  key: "schedules" | "hooks";
  schema: z.ZodType<T>;
  /** How people change it: named in every error. */
  manage: string;
}

export const SCHEDULES_FILE: FileKind<ScheduleEntry> = { key: "schedules", schema: ScheduleEntrySchema, manage: "'toolsmith schedule add|remove' or schedules.set/remove in run_code" };
export const HOOKS_FILE: FileKind<HookEntry> = { key: "hooks", schema: HookEntrySchema, manage: "'toolsmith hook add|remove' or hooks.set/remove in run_code" };

/**
 * Reads `schedules.json` or `hooks.json` (`{ "<key>": { "<id>": entry } }`); a missing
 * file holds nothing. Each entry is validated alone: a bad one is reported (naming its id
 * and key) and left out, and the rest are used.
 */
export async function readEntries<T>(path: string, kind: FileKind<T>, fileName: string, checkIds = true): Promise<Loaded<T>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { entries: new Map(), problems: [] };
    throw new AlwaysOnFileError(`Cannot read ${fileName}: ${(error as Error).message}`);
  }
  return parseEntries(text, kind, fileName, checkIds);
}

export function parseEntries<T>(text: string, kind: FileKind<T>, fileName: string, checkIds = true): Loaded<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AlwaysOnFileError(`${fileName} is not valid JSON (${describeJsonSyntaxError(text)}). Fix the syntax; manage it with ${kind.manage}.`);
  }
  const reserved = prototypeKeyPath(raw);
  if (reserved) throw new AlwaysOnFileError(`Invalid ${fileName}: '${reserved}': ${PROTOTYPE_KEY_HINT}.`);
  const top = z.object({ [kind.key]: z.record(z.string(), z.unknown()).default({}) }).strict().safeParse(raw);
  if (!top.success) throw new AlwaysOnFileError(`Invalid ${fileName}: ${describeZodIssue(top.error.issues[0]!)}. It holds { "${kind.key}": { "<id>": { ... } } }; manage it with ${kind.manage}.`);
  const entries = new Map<string, T>();
  const problems: EntryProblem[] = [];
  for (const [id, value] of Object.entries(top.data[kind.key] as Record<string, unknown>)) {
    if (checkIds && !ALWAYS_ON_ID.test(id)) {
      problems.push({ id, message: `'${kind.key}.${id}': ids are ${ALWAYS_ON_ID_HINT}` });
      continue;
    }
    const parsed = kind.schema.safeParse(value);
    if (parsed.success) entries.set(id, parsed.data);
    else problems.push({ id, message: parsed.error.issues.slice(0, 3).map((issue) => describeZodIssue({ ...issue, path: [kind.key, id, ...issue.path] })).join("; ") });
  }
  return { entries, problems };
}

/** Writes the file atomically; hooks.json (secrets inside) with mode 0600. Entries with problems are kept as they were (`raw`). */
export async function writeEntries<T>(path: string, kind: FileKind<T>, entries: ReadonlyMap<string, unknown>): Promise<void> {
  const mode = kind.key === "hooks" ? HOOKS_FILE_MODE : 0o644;
  const sorted = Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));
  await writeFileAtomic(path, `${JSON.stringify({ [kind.key]: sorted }, null, 2)}\n`, mode);
  if (kind.key === "hooks") await chmod(path, HOOKS_FILE_MODE);
}

/** The raw entries (valid or not) as the file has them, for read-modify-write that keeps others' bad entries untouched. */
export async function readRawEntries<T>(path: string, kind: FileKind<T>, fileName: string): Promise<Map<string, unknown>> {
  const loaded = await readEntries(path, { ...kind, schema: z.unknown() }, fileName, false);
  return loaded.entries;
}

/**
 * A change stamp (mtime and size) to notice edits by another process cheaply. Checked
 * on every webhook request, so synchronous: one stat of a small local file takes
 * microseconds, while an awaited one is a thread-pool round trip that cost a hook
 * ~0.3 ms of its reply on a loaded machine.
 */
export function fileStamp(path: string): string {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    return info ? `${info.mtimeMs}:${info.size}` : "none";
  } catch {
    // Unreadable (a permission changed): reading the file then reports what is wrong.
    return "none";
  }
}
