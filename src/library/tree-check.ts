import { runGit } from "./git-runner.js";

/** Tree entry modes of regular files (plain and executable). Links are 120000, submodules 160000. */
export const REGULAR_FILE_MODES: ReadonlySet<string> = new Set(["100644", "100755"]);
/** What a diff may show as an entry's new mode: a regular file, or 000000 for a deletion. */
const ACCEPTED_MODES = new Set([...REGULAR_FILE_MODES, "000000"]);

/** A commit from another machine that toolsmith will not take in. */
export class RefusedHistoryError extends Error {
  override name = "RefusedHistoryError";
}

/**
 * Checks every commit in `revisions` (rev-list arguments, e.g. `[theirs, "^" + ours]`)
 * before any of it is checked out or merged: each file any of them adds or changes must
 * be a regular file. Throws RefusedHistoryError naming the first other entry (a symbolic
 * link, to a file or a folder, or a submodule) and its commit.
 *
 * Each commit is compared with each of its parents (`-m`) and root commits with the empty
 * tree, so every entry of every tree in the range that is not already in a tree outside
 * it is seen, including in merges.
 */
export async function assertRegularHistory(repo: string, revisions: string[], source: string): Promise<void> {
  const commits = await runGit(repo, ["rev-list", "--reverse", ...revisions, "--"]);
  if (commits.exitCode !== 0) throw new Error(`git rev-list failed: ${commits.stderr.trim() || commits.error || `exit code ${commits.exitCode}`}`);
  if (!commits.stdout.trim()) return;
  const diff = await runGit(repo, ["diff-tree", "-r", "-m", "--root", "--no-renames", "--raw", "-z", "--stdin"], commits.stdout);
  if (diff.exitCode !== 0) throw new Error(`git diff-tree failed: ${diff.stderr.trim() || diff.error || `exit code ${diff.exitCode}`}`);
  // -z output: a commit id, then for each change ":<old mode> <new mode> <old> <new> <status>" and its path.
  const fields = diff.stdout.split("\0");
  let commit = "";
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (!field.startsWith(":")) {
      if (field.trim()) commit = field.trim().split(" ")[0]!;
      continue;
    }
    const mode = field.slice(1).split(" ")[1] ?? "";
    const path = fields[++i] ?? "";
    if (!ACCEPTED_MODES.has(mode)) {
      throw new RefusedHistoryError(
        `Refused ${source}: commit ${commit.slice(0, 12)} adds '${path}' as ${describeMode(mode)}, and the library accepts only regular files ` +
          `(a link could make toolsmith read, commit and push files from outside the library). Nothing was taken in; the library stays at its current version. ` +
          `Rewrite that branch's history without it (then push with --force), or point library.remote in config.json at another repository.`,
      );
    }
  }
}

export function describeMode(mode: string): string {
  if (mode === "120000") return "a symbolic link";
  if (mode === "160000") return "a submodule (gitlink)";
  return `an entry of mode ${mode}`;
}
