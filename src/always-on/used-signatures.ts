import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { appendStateFile, ensureStateDir, writeStateFile } from "../library/state-files.js";

/** The file in the home's state/ that remembers accepted hook signatures across restarts. */
export const USED_SIGNATURES_FILE = "hook-signatures.log";
/** Lines in the file past which it is rewritten with only the unexpired ones (~100 bytes a line: at most ~2 MB). */
const COMPACT_AFTER_LINES = 20_000;
/**
 * How long an accepted signature waits for others to share its append. An append is
 * three file system calls, each a thread-pool round trip that competed with the next
 * hook's run (~0.2 ms of its reply); a burst of hooks now shares one. What a crash can
 * lose: the signatures accepted in the last APPEND_DELAY_MS (and, with no fsync, what
 * the OS had not written when the machine itself went down), so only a delivery
 * replayed within those milliseconds of a crash, after the restart, could run twice.
 */
export const APPEND_DELAY_MS = 20;

/**
 * Hook signatures accepted recently, kept in `state/hook-signatures.log` as lines of
 * `<expires ms> <hook id> <signature>`, so a delivery replayed after a restart, inside the
 * timestamp window, is still refused. Appended after the reply in batches (one append per
 * APPEND_DELAY_MS, not fsync'd); a write that fails is logged. Bounded: expired lines are dropped when
 * the file is rewritten, which happens once it has COMPACT_AFTER_LINES lines.
 */
export class UsedSignatures {
  private readonly path: string;
  private queued: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private lines = 0;
  /** The state folder made (and its modes checked) once per process, not per append: that walk chmods every file in state/. */
  private dirReady: Promise<void> | undefined;
  /** The pending append, until it starts. */
  private timer: NodeJS.Timeout | undefined;
  private live: () => Iterable<[string, number]> = () => [];

  constructor(
    private readonly stateDir: string,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.path = join(stateDir, USED_SIGNATURES_FILE);
  }

  /** The unexpired entries of the file (key → expiry); a cut or garbled line is skipped. */
  async load(): Promise<Map<string, number>> {
    const text = await readFile(this.path, "utf8").catch(() => "");
    const now = this.now();
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
      const match = /^(\d{1,16}) (\S+ \S+)$/.exec(line);
      if (match && Number(match[1]) > now) out.set(match[2]!, Number(match[1]));
    }
    this.lines = text ? text.split("\n").length - 1 : 0;
    return out;
  }

  /** Queues one accepted signature; `live` (the guard's current entries) is what a compaction keeps. */
  add(key: string, expires: number, live: () => Iterable<[string, number]>): void {
    this.queued.push(`${expires} ${key}\n`);
    this.live = live;
    if (this.timer) return; // the append already scheduled takes this line too
    this.timer = setTimeout(() => this.writeQueued(), APPEND_DELAY_MS);
  }

  /** Resolves once every signature queued so far is on disk (or its failure logged). */
  async flush(): Promise<void> {
    if (this.timer) this.writeQueued();
    await this.writing;
  }

  private writeQueued(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const live = this.live;
    this.writing = this.writing
      .then(() => this.write(live))
      .catch((error: Error) => {
        this.dirReady = undefined; // the folder may have been removed: the next append makes it again
        this.log(`hooks: accepted signatures could not be remembered in state/${USED_SIGNATURES_FILE} (${error.message}); a replay after a restart may be accepted`);
      });
  }

  private async write(live: () => Iterable<[string, number]>): Promise<void> {
    const lines = this.queued;
    this.queued = [];
    if (!lines.length) return;
    await (this.dirReady ??= ensureStateDir(this.stateDir));
    if (this.lines + lines.length > COMPACT_AFTER_LINES) {
      const now = this.now();
      const kept = [...live()].filter(([, expires]) => expires > now).map(([key, expires]) => `${expires} ${key}\n`);
      await writeStateFile(this.path, kept.join(""));
      this.lines = kept.length;
      return;
    }
    await appendStateFile(this.path, lines.join(""));
    this.lines += lines.length;
  }
}
