import { HookEntrySchema, HookReplySchema, type HookEntry } from "./always-on-files.js";
import { describeZodIssue } from "../config/zod-issues.js";
import type { EntryBook } from "./entry-book.js";
import type { ExportRunner } from "./export-run.js";
import { newHookSecret, ReplayGuard, signatureHeaders, signatureMatches } from "./hook-signature.js";
import { recordedRun, type RecordedRun } from "./recorded-run.js";
import type { RunRecords } from "./run-records.js";
import { UsedSignatures } from "./used-signatures.js";
import { AlwaysOnError, checkId, checkTarget, invalidEntries, type ExportsOf, type InvalidEntry } from "./entry-checks.js";

/** The URL path of a hook on the HTTP server. */
export const HOOKS_PATH_PREFIX = "/hooks/";

/** What a hook's export is called with. */
export interface HookRequest {
  method: string;
  headers: Record<string, string>;
  /** Parsed when the content type is JSON, else the text. */
  body: unknown;
}

export interface HookListing {
  id: string;
  path: string;
  integration: string;
  export: string;
  reply: "sync" | "async";
}

/** A request that passed the header check; the body is checked next. */
export interface SignedRequest {
  id: string;
  entry: HookEntry;
  timestamp: string;
  signature: string;
}

export interface HookServiceDeps {
  book: EntryBook<HookEntry>;
  records: RunRecords;
  runner: ExportRunner;
  exportsOf: ExportsOf;
  now(): number;
  log(line: string): void;
  /** The home's state/ folder: accepted signatures are remembered there across restarts. */
  stateDir: string;
}

/** hooks.set/list/remove, and the checks and run behind POST /hooks/<id>. */
export class HookService {
  private readonly replays: ReplayGuard;
  private readonly used: UsedSignatures;
  /** The signatures a previous process accepted, loaded before the first body is verified. */
  private loaded: Promise<void> | undefined;

  constructor(private readonly deps: HookServiceDeps) {
    this.used = new UsedSignatures(deps.stateDir, deps.now, deps.log);
    this.replays = new ReplayGuard(deps.now, (key, expires) => this.used.add(key, expires, () => this.replays.entries()));
  }

  /** Adds or updates a hook; a new hook gets a signing secret, shown in this reply only. */
  async set(id: unknown, input: unknown): Promise<{ path: string; secret?: string; created: boolean }> {
    const name = checkId(id, "hooks.set");
    const parsed = HookEntrySchema.omit({ secret: true }).extend({ reply: HookReplySchema.optional() }).strict().safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 3).map((issue) => describeZodIssue(issue)).join("; ");
      throw new AlwaysOnError(`hooks.set("${name}", …): ${problems}. Pass { integration, export, reply? }, e.g. { integration: "github/events", export: "onPush" }.`, "HookError");
    }
    checkTarget(this.deps.exportsOf, parsed.data, "HookError");
    const secret = await this.deps.book.change((entries) => {
      const previous = HookEntrySchema.safeParse(entries.get(name));
      const kept = previous.success ? previous.data.secret : undefined;
      entries.set(name, { ...parsed.data, secret: kept ?? newHookSecret() });
      return kept ? undefined : (entries.get(name) as HookEntry).secret;
    });
    return { path: `${HOOKS_PATH_PREFIX}${name}`, ...(secret ? { secret } : {}), created: secret !== undefined };
  }

  /** Every hook (never its secret), and each entry of hooks.json that cannot be used as `{ id, problem }`. */
  async list(): Promise<Array<HookListing | InvalidEntry>> {
    const { entries, problems } = await this.deps.book.currentOrEmpty();
    const hooks = [...entries].map(([id, e]) => ({ id, path: `${HOOKS_PATH_PREFIX}${id}`, integration: e.integration, export: e.export, reply: e.reply ?? "sync" }));
    return [...hooks, ...invalidEntries(problems)];
  }

  async remove(id: unknown): Promise<{ removed: boolean }> {
    const name = checkId(id, "hooks.remove");
    return { removed: await this.deps.book.change((entries) => entries.delete(name)) };
  }

  /** The hook and well-formed signature headers in the window, before any body is read; undefined means 401. */
  async signed(id: string, timestampHeader: unknown, signatureHeader: unknown): Promise<SignedRequest | undefined> {
    const entry = (await this.deps.book.currentOrEmpty()).entries.get(id);
    if (!entry) return undefined;
    const headers = signatureHeaders(timestampHeader, signatureHeader, this.deps.now());
    return headers.ok ? { id, entry, timestamp: headers.timestamp, signature: headers.signature } : undefined;
  }

  /** Whether the body carries the hook's signature and the signature was not used before (within the window, by this process or an earlier one). */
  async verified(request: SignedRequest, body: Buffer): Promise<boolean> {
    if (!signatureMatches(request.entry.secret, request.timestamp, body, request.signature)) return false;
    this.loaded ??= this.used.load().then(
      (entries) => this.replays.remember(entries),
      (error: Error) => this.deps.log(`hooks: signatures accepted before this start could not be read (${error.message}); replays of them are refused only by the timestamp window`),
    );
    await this.loaded;
    return this.replays.accept(request.id, request.signature);
  }

  /** Resolves once the signatures accepted so far are remembered on disk. */
  flush(): Promise<void> {
    return this.used.flush();
  }

  /** Starts the hook's run; `runId` resolves as soon as the run is reserved, `done` when it has ended (its record is written right after, see RecordedRun.persisted). */
  start(request: SignedRequest, input: HookRequest): { runId: Promise<string>; done: Promise<RecordedRun> } {
    let reserved!: (runId: string) => void;
    const runId = new Promise<string>((resolve) => (reserved = resolve));
    const done = recordedRun(this.deps, request.id, "hook", { integration: request.entry.integration, export: request.entry.export, args: [input] }, { onStarted: reserved });
    return { runId: Promise.race([runId, done.then((d) => d.runId)]), done };
  }
}
