import { join } from "node:path";
import type { ModuleSource } from "../sandbox/sandbox.js";
import { compileModule, type CompileResult } from "../sandbox/transpile.js";
import { checkBeforeCommit, plannedWrites, type IntegrationFiles, type LibraryChange, type SecretScanner } from "./commit-plan.js";
import { GitRepo, type CommitInfo, type Committed } from "./git-repo.js";
import { parseMeta, type IntegrationMeta } from "./metadata.js";
import { integrationFiles, isIntegrationName, LIBRARY_PREFIX, nameFromSpecifier, nameOfFile } from "./names.js";
import { SignatureCache } from "./signature-cache.js";
import { listIntegrationNames } from "./list-names.js";
import { CrashRecovery } from "./crash-recovery.js";
import { describeMode, RefusedHistoryError, REGULAR_FILE_MODES } from "./tree-check.js";
import { NotRegularFileError, readRegularFile, removeInside, writeInside } from "./regular-files.js";
import { HomeLock } from "./home-lock.js";
import { readHeadFromFiles } from "./head-ref.js";
import { changesBetween } from "./library-watch.js";
import { DerivedDeclarations } from "./derived-declarations.js";
import { emitDeclarations } from "./declarations.js";
import { readStoredDeclarations } from "./stored-declarations.js";

export interface Integration {
  name: string;
  code: string;
  test?: string;
  meta: IntegrationMeta;
  /** What search indexes of its API: its stored declarations when it has them, else a signature read from the code's syntax. */
  signature: string;
  /** `<name>.d.ts` as committed with this version (undefined for versions saved before declarations were). */
  declarations?: string;
  /** Commit sha of the last commit that touched it (undefined only before its first commit). */
  version?: string;
  updatedAt?: string;
}

export type { IntegrationFiles, LibraryChange, MetadataUpdate } from "./commit-plan.js";

export interface LibraryStoreOptions {
  /** Secrets whose values occur in a text: a commit recording any is refused. Defaults to none. */
  secretsIn?: SecretScanner;
}

/**
 * The library on disk: one `.ts` per integration with its `.test.ts`, `.meta.json`
 * and `.d.ts` (its declarations, emitted by the compiler at save) beside it, in a git repository. The files are the source of truth;
 * this class keeps an in-memory view of them. Several processes may share one home:
 * every write holds the home's lock (`locked`), and `refresh` brings the view up to
 * commits others made.
 */
export class LibraryStore implements ModuleSource {
  readonly repo: GitRepo;
  readonly recovery: CrashRecovery;
  /** Held by whichever process of this home writes to the library. */
  readonly lock: HomeLock;
  /** The commit the in-memory view reflects ("" before the first commit; undefined before load). */
  private lastHead: string | undefined;
  private catching: Promise<void> | undefined;
  private readonly records = new Map<string, Integration>();
  private readonly signatures: SignatureCache;
  private readonly listeners: Array<(names: string[]) => void> = [];
  /**
   * Who mentions whom: for each name, the integrations whose code contains `library/<name>"`
   * or `library/<name>'` (see findDependents). Built on first use, then kept up to date
   * with every change to `records`, so finding dependents does not re-read every file.
   */
  private importers: Map<string, Set<string>> | undefined;
  private readonly secretsIn: SecretScanner;
  /** Why integrations on disk were left out by the last load (a file of theirs is not a regular file). */
  private skipped: string[] = [];
  /** Each record's declarations once read (or derived): a new version is a new record, so nothing goes stale. */
  private readonly declarationTexts = new WeakMap<Integration, string>();
  private readonly derived: DerivedDeclarations;
  /** Integrations whose declarations are being derived (an import cycle resolves to nothing). */
  private readonly deriving = new Set<string>();

  constructor(
    readonly root: string,
    stateDir: string,
    options: LibraryStoreOptions = {},
  ) {
    this.repo = new GitRepo(root);
    this.recovery = new CrashRecovery(this.repo, stateDir);
    this.signatures = new SignatureCache(stateDir);
    this.derived = new DerivedDeclarations(stateDir);
    this.secretsIn = options.secretsIn ?? (() => []);
    this.lock = new HomeLock(join(stateDir, LOCK_FILE));
  }

  /**
   * Runs `task` holding the home's lock, after this process's earlier library work:
   * no other process writes meanwhile. If the last holder died holding it, its
   * half-done save is rolled back first. `task` sees the view at HEAD.
   */
  locked<T>(task: () => Promise<T>): Promise<T> {
    return this.repo.serialize(() =>
      this.lock.hold(async ({ brokeStale }) => {
        if (brokeStale) await this.recovery.rollBackAbandoned();
        await this.catchUp(true);
        return task();
      }),
    );
  }

  /**
   * Brings the view up to commits made by other processes of this home, `toolsmith
   * revert`, a sync or git by hand. Costs two small file reads when HEAD has not moved.
   */
  async refresh(): Promise<void> {
    const seen = readHeadFromFiles(join(this.root, ".git"));
    if (seen !== undefined && seen === this.lastHead) return;
    await (this.catching ??= this.catchUp(false).finally(() => (this.catching = undefined)));
  }

  /**
   * Reads what changed from the commit the view reflects to HEAD, from the commits
   * themselves. After history was rewritten, re-reads everything, holding the lock
   * (`holding`: the caller already does) so that no save is half-written on disk.
   */
  private async catchUp(holding: boolean): Promise<void> {
    const from = this.lastHead;
    const to = (await this.repo.head()) ?? "";
    if (to === from) return;
    const changes = from ? await changesBetween(this.repo, from, to) : undefined;
    if (!changes) {
      // `locked` catches up again, holding the lock, and so reaches the reload below.
      await (holding ? this.reload() : this.locked(async () => undefined));
      return;
    }
    const records = await Promise.all(
      changes.map(async (c): Promise<[string, Integration | undefined]> => [
        c.name,
        c.code === undefined
          ? undefined
          : { name: c.name, code: c.code, test: c.test, meta: parseMeta(c.meta), declarations: c.declarations, signature: c.declarations ?? (await this.signatures.get(c.code)), version: c.version, updatedAt: c.updatedAt },
      ]),
    );
    // A commit of this process got further meanwhile: its view is newer than this one.
    if (this.lastHead !== from) return;
    for (const [name, record] of records) this.setRecord(name, record);
    // Read from the commit itself, like the code: the working tree may hold another process's save in progress.
    for (const c of changes) {
      const record = this.records.get(c.name);
      if (record && c.declarations !== undefined) this.declarationTexts.set(record, c.declarations);
    }
    this.lastHead = to;
    await this.signatures.persist();
    if (records.length) for (const listener of this.listeners) listener(records.map(([name]) => name));
  }

  /** Reads every integration from disk and the versions from git history. */
  async load(): Promise<void> {
    this.lastHead = (await this.repo.head()) ?? "";
    await this.signatures.load();
    this.records.clear();
    this.importers = undefined;
    this.skipped = [];
    let read = 0;
    for (const name of await listIntegrationNames(this.root)) {
      // Lets waiting I/O in between (a search answered from the saved index meanwhile).
      if (++read % LOAD_YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const record = await this.readFromDisk(name).catch((error: unknown) => {
        if (!(error instanceof NotRegularFileError)) throw error;
        this.skipped.push(`left out '${name}': ${error.message}`);
        return undefined;
      });
      if (record) this.records.set(name, record);
    }
    await this.refreshVersions();
    await this.signatures.persist();
  }

  /** Re-reads everything (after a sync brought in other commits) and tells listeners what changed. */
  async reload(): Promise<void> {
    const before = new Map([...this.records].map(([name, r]) => [name, r.version]));
    await this.load();
    const changed = new Set<string>();
    for (const [name, version] of before) if (this.records.get(name)?.version !== version) changed.add(name);
    for (const name of this.records.keys()) if (!before.has(name)) changed.add(name);
    if (changed.size) for (const listener of this.listeners) listener([...changed]);
  }

  /** The commit the in-memory view reflects (undefined before the first load; "" for an empty repository). */
  get viewHead(): string | undefined {
    return this.lastHead;
  }

  /** What the last load left out and why, for the log. */
  skippedOnLoad(): string[] {
    return [...this.skipped];
  }

  onChange(listener: (names: string[]) => void): void {
    this.listeners.push(listener);
  }

  get(name: string): Integration | undefined {
    return this.records.get(name);
  }

  /**
   * The declarations (`.d.ts` text) of an integration's current version: the `<name>.d.ts`
   * committed beside its code, read once per version. A version that came without one
   * (pulled from an older toolsmith, written by hand) has them derived by the compiler
   * once and cached in `state/`. Undefined when no integration has that name.
   */
  declarationsFor(name: string): string | undefined {
    const record = this.records.get(name);
    if (!record) return undefined;
    const known = record.declarations ?? this.declarationTexts.get(record);
    if (known !== undefined) return known;
    let text: string | undefined;
    try {
      text = readRegularFile(this.root, integrationFiles(name).declarations);
    } catch {
      text = undefined;
    }
    if (text === undefined) {
      if (this.deriving.has(name)) return undefined;
      this.deriving.add(name);
      try {
        text = this.derived.get(name, record.code, () => emitDeclarations({ name, code: record.code, importable: { library: (other) => this.declarationsFor(other) } }).dts);
      } finally {
        this.deriving.delete(name);
      }
    }
    this.declarationTexts.set(record, text);
    return text;
  }

  /** Integrations whose code mentions `library/<name>` as a quoted specifier (in any order). */
  importersOf(name: string): string[] {
    if (!this.importers) {
      this.importers = new Map();
      for (const record of this.records.values()) this.indexMentions(record, true);
    }
    return [...(this.importers.get(name) ?? [])];
  }

  private indexMentions(record: Integration, add: boolean): void {
    if (!this.importers) return;
    for (const target of mentionedNames(record.code)) {
      let set = this.importers.get(target);
      if (add) {
        if (!set) this.importers.set(target, (set = new Set()));
        set.add(record.name);
      } else if (set) {
        set.delete(record.name);
        if (set.size === 0) this.importers.delete(target);
      }
    }
  }

  private setRecord(name: string, record: Integration | undefined): void {
    const previous = this.records.get(name);
    if (previous) this.indexMentions(previous, false);
    if (record) {
      this.records.set(name, record);
      this.indexMentions(record, true);
    } else this.records.delete(name);
  }

  list(): Integration[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  resolve(specifier: string): CompileResult | undefined {
    const name = nameFromSpecifier(specifier);
    const record = name ? this.records.get(name) : undefined;
    return record ? compileModule(record.code, specifier) : undefined;
  }

  missing(specifier: string): string | undefined {
    if (!specifier.startsWith(LIBRARY_PREFIX)) return undefined;
    const name = specifier.slice(LIBRARY_PREFIX.length);
    if (!isIntegrationName(name)) return `Cannot import '${specifier}': '${name}' is not a valid integration name.`;
    const near = this.list()
      .map((r) => r.name)
      .filter((n) => n.includes(name) || name.includes(n))
      .slice(0, 3);
    return `Cannot find module '${specifier}': no saved integration is named '${name}'.${near.length ? ` Did you mean ${near.map((n) => `'library/${n}'`).join(", ")}?` : " Use search_library to find one."}`;
  }

  /**
   * Writes the given changes and makes exactly one commit of exactly those files, holding
   * the home's lock. All-or-nothing: if anything fails, the files are put back as they
   * were and nothing is committed. Before anything is written, every path must be a
   * regular file (or absent) in real folders and no file recorded, nor the message, may
   * hold a secret's value (see commit-plan.ts).
   */
  commit(changes: LibraryChange[], message: string): Promise<string> {
    return this.locked(() => this.commitHolding(changes, message));
  }

  /** `commit` for a caller that already holds the home's lock (see openLibrary). */
  async commitHolding(changes: LibraryChange[], message: string): Promise<string> {
    const writes = changes.flatMap(plannedWrites);
    checkBeforeCommit(this.root, writes, message, this.secretsIn);
    const previous = new Map<string, string | undefined>();
    const add: string[] = [];
    const remove: string[] = [];
    // If this process dies from here on, the next holder of the lock (or the next start) rolls these paths back to HEAD.
    await this.recovery.begin(writes.map((w) => w.rel));
    let committed: Committed;
    try {
      for (const { rel, content } of writes) {
        previous.set(rel, readRegularFile(this.root, rel));
        if (content === undefined) {
          if (previous.get(rel) !== undefined) {
            await removeInside(this.root, rel);
            remove.push(rel);
          }
        } else {
          await writeInside(this.root, rel, content);
          add.push(rel);
        }
      }
      committed = await this.repo.commitFiles(add, remove, message);
    } catch (error) {
      await this.restore(previous, [...add, ...remove]);
      await this.recovery.end();
      throw error;
    }
    // The commit is in: from here on nothing may roll the files back. A journal left
    // behind by a crash now would only "restore" the files to this same commit.
    await this.recovery.end();
    const names = [...new Set(changes.map((c) => c.name))];
    await this.afterCommit(names, committed);
    // Nothing new was recorded (the same files again): the version is the newest commit holding them, not whatever HEAD is.
    return committed.created ? committed.sha : (this.records.get(names[0] ?? "")?.version ?? committed.sha);
  }

  /** The files of `name` as they were at `version`, or undefined when it did not exist there. */
  async filesAt(name: string, version: string): Promise<IntegrationFiles | undefined> {
    const rel = integrationFiles(name);
    // A link recorded in history (from before links were refused) is never restored as a file.
    for (const [path, mode] of await this.repo.modesAt(version, Object.values(rel))) {
      if (!REGULAR_FILE_MODES.has(mode)) {
        throw new RefusedHistoryError(`version ${version.slice(0, 12)} records '${path}' as ${describeMode(mode)}, and toolsmith restores only regular files. Pick another version ('toolsmith log ${name}' lists them).`);
      }
    }
    const code = await this.repo.show(version, rel.code);
    if (code === undefined) return undefined;
    return { name, code, test: await this.repo.show(version, rel.test), meta: parseMeta(await this.repo.show(version, rel.meta)), declarations: await this.repo.show(version, rel.declarations) };
  }

  /** Unified diff of one integration's files between two commits. */
  async diff(name: string, from: string, to: string): Promise<string> {
    return this.repo.git.raw(["diff", "--no-color", from, to, "--", ...Object.values(integrationFiles(name))]);
  }

  async history(name?: string, maxCount?: number): Promise<CommitInfo[]> {
    const paths = name ? Object.values(integrationFiles(name)) : [];
    return this.repo.log(paths, maxCount);
  }

  private async afterCommit(names: string[], committed: Committed): Promise<void> {
    for (const name of names) {
      // Only files that passed checkBeforeCommit, or were loaded as regular files, are read here.
      const record = await this.readFromDisk(name).catch(() => undefined);
      const own = record && !committed.created ? (await this.history(name, 1).catch(() => []))[0] : undefined;
      if (record) {
        record.version = own?.sha ?? committed.sha;
        record.updatedAt = own?.date ?? committed.date;
      }
      this.setRecord(name, record);
    }
    this.lastHead = committed.sha;
    await this.signatures.persist();
    for (const listener of this.listeners) listener(names);
  }

  private async restore(previous: Map<string, string | undefined>, staged: string[]): Promise<void> {
    for (const [rel, content] of previous) {
      if (content === undefined) await removeInside(this.root, rel).catch(() => undefined);
      else await writeInside(this.root, rel, content).catch(() => undefined);
    }
    if (staged.length) await this.repo.git.raw(["reset", "--quiet", "HEAD", "--", ...staged]).catch(() => undefined);
  }

  /**
   * Reads one integration. Synchronous reads on purpose: at start this runs for every
   * integration, and 30,000 small sync reads take a tenth of the time of awaited ones.
   * Throws NotRegularFileError when one of its files is a link or not a regular file.
   */
  private async readFromDisk(name: string): Promise<Integration | undefined> {
    const rel = integrationFiles(name);
    const code = readRegularFile(this.root, rel.code);
    if (code === undefined) return undefined;
    const test = readRegularFile(this.root, rel.test);
    const meta = parseMeta(readRegularFile(this.root, rel.meta));
    const declarations = readStoredDeclarations(this.root, name);
    const previous = this.records.get(name);
    return { name, code, test, meta, declarations, signature: declarations ?? (await this.signatures.get(code)), version: previous?.version, updatedAt: previous?.updatedAt };
  }

  /** One pass over history: each integration's version is the newest commit touching its files. */
  private async refreshVersions(): Promise<void> {
    const seen = new Set<string>();
    for (const commit of await this.repo.log()) {
      for (const file of commit.files) {
        const name = nameOfFile(file);
        if (!name || seen.has(name)) continue;
        const record = this.records.get(name);
        if (!record) continue;
        seen.add(name);
        record.version = commit.sha;
        record.updatedAt = commit.date;
      }
      if (seen.size === this.records.size) break;
    }
  }
}

/** Integrations read at start between two turns of the event loop. */
const LOAD_YIELD_EVERY = 200;

/** The home's lock file, in the state folder (beside the save journal it guards). */
const LOCK_FILE = "library.lock";

const QUOTED_NAME = /([a-z][a-z0-9/-]{0,199})["']/y;

/**
 * Every valid integration name `n` such that the code contains `library/n"` or
 * `library/n'`: the same textual test findDependents always made, done once per code.
 */
function mentionedNames(code: string): Set<string> {
  const found = new Set<string>();
  for (let i = code.indexOf(LIBRARY_PREFIX); i !== -1; i = code.indexOf(LIBRARY_PREFIX, i + 1)) {
    QUOTED_NAME.lastIndex = i + LIBRARY_PREFIX.length;
    const m = QUOTED_NAME.exec(code);
    if (m?.[1] && isIntegrationName(m[1])) found.add(m[1]);
  }
  return found;
}
