import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The index a commit is built in: HEAD's tree plus exactly the paths of one save.
 * Not git's shared index, which `git add` by hand, or a save that failed halfway in
 * another process, may have filled with other changes: a commit built there would
 * carry them along. Kept between saves (with the commit it equals written beside
 * it), so it is rebuilt from HEAD only after someone else moved HEAD, not per save.
 * Callers hold the library lock, so one process at a time uses it.
 */
export class PrivateIndex {
  readonly file: string;
  private readonly marker: string;

  constructor(
    gitDir: string,
    private readonly exec: (args: string[], indexFile: string) => Promise<string>,
  ) {
    this.file = join(gitDir, "toolsmith-index");
    this.marker = join(gitDir, "toolsmith-index.head");
  }

  /**
   * The index file, equal to `head` (undefined: the unborn branch, an empty index).
   * Forgets which commit it equals: the caller is about to change it, and a process
   * dying before `matches` must not leave a half-staged index taken for HEAD's.
   */
  async matching(head: string | undefined): Promise<string> {
    const known = await readFile(this.marker, "utf8").catch(() => undefined);
    await rm(this.marker, { force: true });
    const present = await stat(this.file).then(() => true, () => false);
    if (present && head !== undefined && known === head) return this.file;
    await rm(this.file, { force: true });
    if (head !== undefined) await this.exec(["read-tree", head], this.file);
    return this.file;
  }

  /** Records that the index now equals commit `sha`. */
  async matches(sha: string): Promise<void> {
    await writeFile(this.marker, sha);
  }
}
