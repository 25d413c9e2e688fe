import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitRepo, cleanupMessage } from "../../dist/library/git-repo.js";

let root: string;
let repo: GitRepo;
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd: root, encoding: "utf8" }).trim();

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "toolsmith-git-"));
  repo = new GitRepo(root);
  await repo.init("main");
  await repo.ensureIdentity();
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("GitRepo.commitFiles (plumbing commits)", () => {
  it("commits exactly the given paths, with the date git records and a clean status", async () => {
    await writeFile(join(root, "a.ts"), "export const a = 1;\n");
    await writeFile(join(root, "stray.txt"), "not part of the save\n");
    const first = await repo.commitFiles(["a.ts"], [], "save a\n\n\n  details  \n");
    expect(git("rev-parse", "HEAD")).toBe(first.sha);
    expect(git("show", "-s", "--format=%cI", first.sha)).toBe(first.date);
    expect(git("log", "-1", "--format=%B")).toBe("save a\n\n  details");
    expect(git("ls-tree", "--name-only", "HEAD")).toBe("a.ts");
    expect(git("status", "--porcelain", "--", "a.ts")).toBe("");
  });

  it("builds on a commit another process made in between, and removes deleted files", async () => {
    await writeFile(join(root, "a.ts"), "1\n");
    await repo.commitFiles(["a.ts"], [], "one");
    // Another writer commits behind this GitRepo's back.
    await writeFile(join(root, "b.ts"), "2\n");
    git("add", "b.ts");
    git("commit", "-q", "-m", "external");
    const external = git("rev-parse", "HEAD");
    await unlink(join(root, "a.ts"));
    const next = await repo.commitFiles([], ["a.ts"], "remove a");
    expect(git("rev-parse", `${next.sha}^`)).toBe(external);
    expect(git("ls-tree", "--name-only", "HEAD")).toBe("b.ts");
    expect(git("rev-list", "--count", "HEAD")).toBe("3");
  });

  it("makes no commit when the content is unchanged, and refuses an empty message", async () => {
    await writeFile(join(root, "a.ts"), "1\n");
    const first = await repo.commitFiles(["a.ts"], [], "one");
    const again = await repo.commitFiles(["a.ts"], [], "same again");
    expect(again.sha).toBe(first.sha);
    expect(git("rev-list", "--count", "HEAD")).toBe("1");
    await writeFile(join(root, "a.ts"), "2\n");
    await expect(repo.commitFiles(["a.ts"], [], "  \n\n")).rejects.toThrow(/empty commit message/);
  });

  it("cleans a message the way git commit -m does", () => {
    const message = "\n\n  subject  \n\n\n\nbody line   \n\t\nmore\n\n";
    const viaGit = execFileSync("git", ["stripspace"], { input: message, encoding: "utf8" });
    expect(cleanupMessage(message)).toBe(viaGit);
  });
});
