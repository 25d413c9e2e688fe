import { tmpdir } from "node:os";
import { runGit } from "./git-runner.js";

/** What `git --version` said, or why git cannot be used. */
export type GitCheck = { ok: true; version: string } | { ok: false; message: string };

/** How to get git, for messages shown to people. */
export const GIT_INSTALL_HINT = "Install git (Debian/Ubuntu: 'apt-get install git'; macOS: 'xcode-select --install' or 'brew install git'; Windows: https://git-scm.com) and make sure it is on the PATH of the process that starts toolsmith (an MCP client's config may need \"env\": {\"PATH\": ...}).";

/** Checks once that git can be run: the library is a git repository and every save is a commit. */
export async function checkGit(): Promise<GitCheck> {
  const result = await runGit(tmpdir(), ["--version"]);
  if (result.exitCode === 0) return { ok: true, version: result.stdout.trim().replace(/^git version /, "") };
  const why = result.exitCode === null ? "git is not installed or not on PATH" : `'git --version' failed (exit ${result.exitCode})`;
  return { ok: false, message: `the library needs git, and ${why}. ${GIT_INSTALL_HINT}` };
}
