import type { LibraryStore } from "./library-store.js";
import { withTimeout } from "../util/with-timeout.js";
import { nameOfFile } from "./names.js";
import { assertRegularHistory, RefusedHistoryError } from "./tree-check.js";

/** How long a push or fetch may take before the remote counts as unreachable. */
const REMOTE_TIMEOUT_MS = 30_000;

export interface RemoteSettings {
  remote: string;
  branch: string;
  pullIntervalSeconds: number;
}

export interface SyncReport {
  /** Commits brought in from the remote. */
  pulled: number;
  pushed: boolean;
  /** Integrations edited here and elsewhere: both versions kept, ours as the newer one. */
  conflicts: Array<{ name: string; ours: string; theirs: string }>;
  error?: string;
}

export interface RemoteStatus {
  remote: string;
  pendingPush: boolean;
  lastError?: string;
  lastSyncAt?: string;
  /** Concurrent edits resolved since this process started (newest last, at most a few). */
  conflicts?: SyncReport["conflicts"];
}

/** Conflicts remembered for status reports. */
const REMEMBERED_CONFLICTS = 20;

/**
 * Shares the library through an ordinary git remote. Saves are pushed in the
 * background; `sync` (and a periodic pull) fetch others' commits and replay local
 * ones on top. Two edits of the same integration keep both versions: the remote's
 * becomes the previous version and ours the newer one, and the report says so.
 * An unreachable remote never blocks a local save; the push is retried later.
 */
export class RemoteSync {
  private timer: NodeJS.Timeout | undefined;
  private pendingPush = false;
  private lastError: string | undefined;
  private lastSyncAt: string | undefined;
  private readonly conflicts: SyncReport["conflicts"] = [];

  constructor(
    private readonly store: LibraryStore,
    private readonly settings: RemoteSettings,
    private readonly log: (line: string) => void,
  ) {}

  status(): RemoteStatus {
    const s: RemoteStatus = { remote: this.settings.remote, pendingPush: this.pendingPush };
    if (this.lastError) s.lastError = this.lastError;
    if (this.lastSyncAt) s.lastSyncAt = this.lastSyncAt;
    if (this.conflicts.length) s.conflicts = [...this.conflicts];
    return s;
  }

  /** Points `origin` at the configured remote. */
  async configure(): Promise<void> {
    const git = this.store.repo.git;
    const remotes = await git.getRemotes(true);
    const origin = remotes.find((r) => r.name === "origin");
    if (!origin) await git.addRemote("origin", this.settings.remote);
    else if (origin.refs.fetch !== this.settings.remote) await git.remote(["set-url", "origin", this.settings.remote]);
  }

  startPeriodic(): void {
    if (this.settings.pullIntervalSeconds <= 0) return;
    this.timer = setInterval(() => void this.sync(), this.settings.pullIntervalSeconds * 1000);
    this.timer.unref();
  }

  private readonly inFlight = new Set<Promise<SyncReport>>();

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** After a local save: push now, in the background; failures are kept and retried. */
  pushSoon(): void {
    this.pendingPush = true;
    void this.sync();
  }

  /** Fetches, replays local commits on the remote's, reloads the library, pushes. Never throws. */
  sync(): Promise<SyncReport> {
    // Holding the home's lock: other processes of this home neither commit nor sync meanwhile.
    const running = this.store.locked(() => this.syncNow()).catch((error: Error) => {
      this.lastError = error.message;
      return { pulled: 0, pushed: false, conflicts: [], error: error.message };
    });
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
    return running;
  }

  /** Resolves once every sync started so far has ended (a push after a CLI edit completes before the process exits). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async syncNow(): Promise<SyncReport> {
    const report: SyncReport = { pulled: 0, pushed: false, conflicts: [] };
    const git = this.store.repo.git;
    const remoteRef = `refs/remotes/origin/${this.settings.branch}`;
    // What the remote-tracking ref held before this fetch: put back if the fetched history is refused.
    const accepted = (await git.raw(["rev-parse", "--verify", "--quiet", remoteRef]).catch(() => "")).trim();
    try {
      await this.configure();
      await withTimeout(git.raw(["fetch", "--quiet", "origin", `+refs/heads/${this.settings.branch}:${remoteRef}`]), REMOTE_TIMEOUT_MS, "fetch").catch((error: Error) => {
        // An empty remote has no branch yet: there is nothing to pull, only to push.
        if (!/couldn't find remote ref|no such ref/i.test(error.message)) throw error;
      });
      const remoteHead = (await git.raw(["rev-parse", "--verify", "--quiet", remoteRef]).catch(() => "")).trim();
      const localHead = (await this.store.repo.head()) ?? "";
      if (remoteHead && remoteHead !== localHead) {
        // Before anything of theirs is merged or checked out: regular files only.
        await assertRegularHistory(this.store.root, localHead ? [remoteRef, `^${localHead}`] : [remoteRef], "the library remote's changes");
        const base = (await git.raw(["merge-base", "HEAD", remoteRef]).catch(() => "")).trim();
        if (base === localHead) {
          await git.raw(["merge", "--ff-only", "--quiet", remoteRef]);
          report.pulled = await this.count(localHead, remoteHead);
        } else if (base !== remoteHead) {
          report.pulled = await this.count(base, remoteHead);
          report.conflicts = await this.replayOnto(remoteRef, base);
        }
        if (report.pulled || report.conflicts.length) await this.store.reload();
      }
      const ahead = remoteHead ? Number((await git.raw(["rev-list", "--count", `${remoteRef}..HEAD`])).trim()) : 1;
      if (ahead > 0) {
        await withTimeout(git.raw(["push", "--quiet", "origin", `HEAD:refs/heads/${this.settings.branch}`]), REMOTE_TIMEOUT_MS, "push");
        report.pushed = true;
      }
      this.pendingPush = false;
      this.lastError = undefined;
      this.lastSyncAt = new Date().toISOString();
      this.conflicts.push(...report.conflicts);
      this.conflicts.splice(0, Math.max(0, this.conflicts.length - REMEMBERED_CONFLICTS));
      for (const c of report.conflicts) this.log(`sync: '${c.name}' was changed here and on another machine; kept both (theirs ${c.theirs.slice(0, 12)}, ours ${c.ours.slice(0, 12)} as the newer version)`);
      if (report.pulled) this.log(`sync: pulled ${report.pulled} commit(s) from ${this.settings.remote}`);
    } catch (error) {
      if (error instanceof RefusedHistoryError) {
        await git.raw(accepted ? ["update-ref", remoteRef, accepted] : ["update-ref", "-d", remoteRef]).catch(() => undefined);
        if (error.message !== this.lastError) this.log(`sync: ${error.message}`);
      }
      const message = error instanceof RefusedHistoryError ? error.message : describeGitError(error);
      this.lastError = message;
      report.error = message;
      if (this.pendingPush && !(error instanceof RefusedHistoryError)) {
        this.log(`sync: could not reach ${this.settings.remote} (${message}); the library is saved locally and will be pushed later`);
      }
      await git.raw(["cherry-pick", "--abort"]).catch(() => undefined);
    }
    return report;
  }

  private async count(from: string, to: string): Promise<number> {
    return Number((await this.store.repo.git.raw(["rev-list", "--count", from ? `${from}..${to}` : to])).trim());
  }

  /** Local commits since `base`, re-applied one by one on top of the remote's history. */
  private async replayOnto(remoteRef: string, base: string): Promise<SyncReport["conflicts"]> {
    const git = this.store.repo.git;
    const range = base ? `${base}..HEAD` : "HEAD";
    const ours = (await git.raw(["rev-list", "--reverse", range])).split("\n").filter(Boolean);
    const theirsHead = (await git.raw(["rev-parse", remoteRef])).trim();
    await git.raw(["reset", "--quiet", "--hard", remoteRef]);
    const conflicts: SyncReport["conflicts"] = [];
    for (const commit of ours) {
      try {
        await git.raw(["cherry-pick", "--allow-empty", commit]);
        continue;
      } catch {
        // Conflicted, or already present on the remote (an empty pick).
      }
      const unmerged = (await git.raw(["diff", "--name-only", "--diff-filter=U"])).split("\n").filter(Boolean);
      if (unmerged.length === 0) {
        await git.raw(["cherry-pick", "--skip"]).catch(() => git.raw(["cherry-pick", "--abort"]));
        continue;
      }
      // Keep our side as the newer version; theirs stays in history as the previous one.
      await git.raw(["checkout", "--theirs", "--", ...unmerged]);
      await git.raw(["add", "--", ...unmerged]);
      const original = (await git.raw(["log", "-1", "--format=%B", commit])).trim();
      const names = [...new Set(unmerged.map((f) => nameOfFile(f) ?? f))];
      await git.raw(["commit", "--quiet", "--no-verify", "-m", `${original}\n\nConcurrent edit of ${names.join(", ")}: kept both versions; the other machine's is the previous version (${theirsHead.slice(0, 12)}).`]);
      const ours = (await git.raw(["rev-parse", "HEAD"])).trim();
      for (const name of names) conflicts.push({ name, ours, theirs: theirsHead });
    }
    return conflicts;
  }
}

function describeGitError(error: unknown): string {
  const text = (error as Error).message ?? String(error);
  const line = text.split("\n").find((l) => /fatal|error|does not appear|could not|unable/i.test(l)) ?? text.split("\n")[0] ?? text;
  return line.replace(/^fatal:\s*/, "").trim().slice(0, 300);
}
