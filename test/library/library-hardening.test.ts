import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";

/**
 * Red-team review #16, the library's slice: a hostile library remote, links in the
 * library's folder, crash recovery, the code-size limit on save, and secrets in the
 * library's metadata and in `state/`.
 */

const SECRET_VALUE = "sk-live-4f9a2c7e1b8d";
const KEY_MARKER = "KEYMARKER-0b7e5d3a9c";
const SECRETS_JSON = `${JSON.stringify({ secrets: { API_KEY: { value: SECRET_VALUE, hosts: ["api.example.com"] } } }, null, 2)}\n`;

let root: string;
let cleanup: () => Promise<void>;
const opened: Connected[] = [];

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
const commitAs = (dir: string, message: string) => git(dir, "-c", "user.name=attacker", "-c", "user.email=a@example.com", "commit", "--quiet", "-m", message);

/** A toolsmith home with a secrets.json holding SECRET_VALUE (as `toolsmith secret set` writes it). */
function victimHome(name: string, config: unknown): string {
  const home = join(root, name);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, "secrets.json"), SECRETS_JSON, { mode: 0o600 });
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  return home;
}

async function open(home: string): Promise<Connected> {
  const env = await connect(home);
  opened.push(env);
  return env;
}

async function close(env: Connected): Promise<void> {
  opened.splice(opened.indexOf(env), 1);
  await env.close();
}

/** Everything a remote's history holds: every commit's patch, every blob as text. */
function everythingIn(bare: string): string {
  return git(bare, "log", "--all", "-p", "--text", "--format=%H%n%B");
}

/** An integration's code that mentions `library/<target>` the way an import does, so a save of target re-tests it. */
const mentioning = (target: string) => `// Works well with "library/${target}".\nexport const helper = (): number => 1;\n`;

type Entry = { path: string; text: string } | { path: string; link: string } | { path: string; gitlink: string };

/** Writes `entries` into the work tree `work` (links as links, gitlinks into the index), commits them and pushes to its origin. */
function commitAndPush(work: string, entries: Entry[], message: string, force = false): void {
  for (const entry of entries) {
    const path = join(work, entry.path);
    mkdirSync(dirname(path), { recursive: true });
    if ("text" in entry) writeFileSync(path, entry.text);
    else if ("link" in entry) symlinkSync(entry.link, path);
  }
  git(work, "add", "--all");
  // After `add --all`, which would stage a gitlink without its folder as removed.
  for (const entry of entries) if ("gitlink" in entry) git(work, "update-index", "--add", "--cacheinfo", `160000,${entry.gitlink},${entry.path}`);
  commitAs(work, message);
  git(work, "push", "--quiet", ...(force ? ["--force"] : []), "origin", "HEAD:main");
}

beforeAll(async () => {
  ({ home: root, cleanup } = await makeHome());
});
afterAll(async () => {
  for (const env of [...opened]) await env.close();
  await cleanup();
});

describe("a hostile library remote", () => {
  it("cannot make a new home's clone read files through links and push them back", async () => {
    const keyFile = join(root, "id_fake");
    writeFileSync(keyFile, `-----BEGIN FAKE PRIVATE KEY-----\n${KEY_MARKER}\n-----END FAKE PRIVATE KEY-----\n`);
    const remote = join(root, "hostile-clone.git");
    git(root, "init", "--quiet", "--bare", "--initial-branch", "main", remote);
    const work = join(root, "attacker-clone");
    git(root, "clone", "--quiet", remote, work);
    commitAndPush(
      work,
      [
        { path: "evil/grab.ts", text: mentioning("victim/thing") },
        { path: "evil/grab.meta.json", text: '{ "description": "grab", "verified": true }\n' },
        // From <home>/library/evil/: the home's secrets.json.
        { path: "evil/grab.test.ts", link: "../../secrets.json" },
        { path: "evil/key.ts", text: mentioning("victim/thing") },
        { path: "evil/key.test.ts", link: keyFile },
      ],
      "Useful helpers",
    );

    const home = victimHome("victim-clone", { library: { remote, pullIntervalSeconds: 0 } });
    const victim = await open(home);
    const saved = await victim.call("save_integration", { name: "victim/thing", description: "A thing", code: "export const thing = (): number => 1;" });
    expect(saved.isError, saved.text).toBe(false);
    const report = await victim.toolsmith.sync();

    const pushed = everythingIn(remote);
    expect(pushed).not.toContain(SECRET_VALUE);
    expect(pushed).not.toContain(KEY_MARKER);
    const full = await victim.call("search_library", { query: "", limit: 100, detail: "full" });
    expect(full.text).not.toContain(SECRET_VALUE);
    expect(full.text).not.toContain(KEY_MARKER);
    // The clone was refused; the reason names the link and reaches the model through the remote's status.
    expect(report?.error).toMatch(/evil\/grab\.test\.ts.*symbolic link/);
    expect(full.body.remote.lastError).toMatch(/symbolic link/);
    expect(report?.error).not.toContain(root);
    expect(existsSync(join(home, "library", "evil"))).toBe(false);
    expect(git(join(home, "library"), "config", "core.symlinks")).toBe("false");
  });

  describe("pulled into a library that is already shared", () => {
    let remote: string;
    let work: string;
    let home: string;
    let victim: Connected;
    let accepted: string;

    beforeAll(async () => {
      remote = join(root, "hostile-pull.git");
      git(root, "init", "--quiet", "--bare", "--initial-branch", "main", remote);
      home = victimHome("victim-pull", { library: { remote, pullIntervalSeconds: 0 } });
      victim = await open(home);
      expect((await victim.toolsmith.sync())?.error).toBeUndefined();
      work = join(root, "attacker-pull");
      git(root, "clone", "--quiet", remote, work);
      accepted = git(join(home, "library"), "rev-parse", "HEAD");
    });

    const refused = async (path: string, kind: RegExp) => {
      const report = await victim.toolsmith.sync();
      expect(report?.error).toContain(path);
      expect(report?.error).toMatch(kind);
      expect(report?.error).not.toContain(root);
      expect(report?.pulled).toBe(0);
      expect(git(join(home, "library"), "rev-parse", "HEAD")).toBe(accepted);
      expect(git(join(home, "library"), "status", "--porcelain")).toBe("");
    };

    it("refuses a commit with a symbolic link, keeps the library at its commit and pushes nothing read through it", async () => {
      commitAndPush(
        work,
        [
          { path: "evil/grab.ts", text: mentioning("victim/thing") },
          { path: "evil/grab.test.ts", link: "../../secrets.json" },
        ],
        "Useful helpers",
      );
      await refused("evil/grab.test.ts", /symbolic link/);
      expect(existsSync(join(home, "library", "evil"))).toBe(false);
      const saved = await victim.call("save_integration", { name: "victim/thing", description: "A thing", code: "export const thing = (): number => 1;" });
      expect(saved.isError, saved.text).toBe(false);
      await victim.toolsmith.sync();
      expect(everythingIn(remote)).not.toContain(SECRET_VALUE);
      accepted = git(join(home, "library"), "rev-parse", "HEAD");
      const listed = await victim.call("search_library", { query: "evil", detail: "full" });
      expect(listed.text).not.toContain(SECRET_VALUE);
      expect(listed.body.remote.lastError).toContain("evil/grab.test.ts");
    });

    it("refuses a link to a directory, even one introduced in an earlier commit of the range and removed later", async () => {
      git(work, "reset", "--quiet", "--hard", "HEAD~1");
      commitAndPush(work, [{ path: "evil", link: root }], "A folder", true);
      git(work, "rm", "--quiet", "evil");
      commitAs(work, "Gone again");
      commitAndPush(work, [{ path: "fine.ts", text: "export const fine = 1;\n" }], "Fine", false);
      await refused("evil", /symbolic link/);
    });

    it("refuses a submodule (gitlink)", async () => {
      git(work, "reset", "--quiet", "--hard", "HEAD~3");
      commitAndPush(work, [{ path: "vendor/lib", gitlink: accepted }], "Vendor", true);
      await refused("vendor/lib", /submodule/);
    });

    it("pulls again once the remote's history holds only regular files", async () => {
      git(work, "reset", "--quiet", "--hard", "HEAD~1");
      commitAndPush(work, [{ path: "shared/ok.ts", text: "export const ok = (): number => 7;\n" }], "A regular file", true);
      const report = await victim.toolsmith.sync();
      expect(report?.error).toBeUndefined();
      expect(report?.pulled).toBeGreaterThan(0);
      const used = await victim.call("run_code", { code: 'import { ok } from "library/shared/ok"; export default ok()' });
      expect(used.body.result).toBe(7);
    });
  });
});

describe("links in the library's folder", () => {
  let home: string;
  let outside: string;

  beforeAll(async () => {
    home = join(root, "local-links");
    mkdirSync(home, { recursive: true });
    await close(await open(home));
    outside = join(root, "outside");
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, "private.txt"), `${KEY_MARKER}\n`);
  });

  it("are not read when the library loads: search detail full never shows what they point to", async () => {
    const library = join(home, "library");
    mkdirSync(join(library, "local"), { recursive: true });
    writeFileSync(join(library, "local", "peek.ts"), "export const peek = (): number => 1;\n");
    symlinkSync(join(outside, "private.txt"), join(library, "local", "peek.test.ts"));
    writeFileSync(join(library, "local", "meta.ts"), "export const meta = (): number => 1;\n");
    symlinkSync(join(outside, "private.txt"), join(library, "local", "meta.meta.json"));
    const env = await open(home);
    try {
      const full = await env.call("search_library", { query: "", limit: 100, detail: "full" });
      expect(full.text).not.toContain(KEY_MARKER);
      const resources = await env.client.listResources();
      expect(resources.resources.map((r) => r.name)).not.toContain("local/peek");
      // Saving over a link is refused (nothing is written through it, nothing is committed).
      const before = git(library, "rev-parse", "HEAD");
      const saved = await env.call("save_integration", { name: "local/peek", description: "peek", code: "export const peek = (): number => 2;" });
      expect(saved.isError).toBe(true);
      expect(saved.body.error.message).toMatch(/local\/peek\.test\.ts.*symbolic link/);
      expect(saved.body.error.message).not.toContain(root);
      expect(git(library, "rev-parse", "HEAD")).toBe(before);
      expect(readFileSync(join(outside, "private.txt"), "utf8")).toBe(`${KEY_MARKER}\n`);
      expect(lstatSync(join(library, "local", "peek.test.ts")).isSymbolicLink()).toBe(true);
    } finally {
      await close(env);
    }
  });

  it("are not written through: a save into a linked folder is refused", async () => {
    const library = join(home, "library");
    symlinkSync(outside, join(library, "elsewhere"));
    const env = await open(home);
    try {
      const saved = await env.call("save_integration", { name: "elsewhere/thing", description: "thing", code: "export const thing = (): number => 1;" });
      expect(saved.isError).toBe(true);
      expect(saved.body.error.message).toMatch(/'elsewhere'.*symbolic link/);
      expect(readdirSync(outside)).toEqual(["private.txt"]);
      const after = await env.call("save_integration", { name: "fine/thing", description: "thing", code: "export const thing = (): number => 1;" });
      expect(after.isError, after.text).toBe(false);
    } finally {
      await close(env);
    }
  });
});

describe("dependents re-tested by a save", () => {
  let env: Connected;
  let home: string;

  beforeAll(async () => {
    home = victimHome("dependents", {});
    env = await open(home);
    const saves = [
      { name: "dep/base", description: "Base", code: "export const unit = (): number => 1;" },
      {
        name: "dep/user",
        description: "Uses base",
        code: 'import { unit } from "library/dep/base";\nexport const two = (): number => unit() * 2;',
        // Its failure message carries data the test computed; it must not land in git.
        test: `import { two } from "library/dep/user";\nif (two() !== 2) throw new Error("${KEY_MARKER} got " + two());`,
      },
    ];
    for (const s of saves) {
      const r = await env.call("save_integration", s);
      expect(r.isError, r.text).toBe(false);
    }
  });

  it("only get their metadata rewritten, and their recorded reason carries no message text", async () => {
    const library = join(home, "library");
    const inode = (file: string) => statSync(join(library, file)).ino;
    const before = { code: inode("dep/user.ts"), test: inode("dep/user.test.ts") };
    const changed = await env.call("save_integration", { name: "dep/base", description: "Base, now ten", code: "export const unit = (): number => 10;" });
    expect(changed.isError, changed.text).toBe(false);
    expect(changed.body.dependents).toEqual([{ name: "dep/user", passed: false, error: `Error: ${KEY_MARKER} got 20` }]);
    expect({ code: inode("dep/user.ts"), test: inode("dep/user.test.ts") }).toEqual(before);
    expect(git(library, "show", "--name-only", "--format=", "HEAD").split("\n").sort()).toEqual(["dep/base.meta.json", "dep/base.ts", "dep/user.meta.json"]);
    const meta = JSON.parse(readFileSync(join(library, "dep", "user.meta.json"), "utf8"));
    expect(meta.verified).toBe(false);
    expect(meta.unverifiedReason).toContain("after 'dep/base' changed");
    expect(meta.unverifiedReason).toContain("Error");
    expect(meta.unverifiedReason).not.toContain(KEY_MARKER);
  });

  it("a commit is refused when any file it writes holds a secret value (here the description)", async () => {
    const library = join(home, "library");
    const before = git(library, "rev-parse", "HEAD");
    for (const description of [`Calls the API with ${SECRET_VALUE}`, `Key ${Buffer.from(SECRET_VALUE).toString("base64")}`]) {
      const saved = await env.call("save_integration", { name: "dep/leaky", description, code: "export const leaky = (): number => 1;" });
      expect(saved.isError).toBe(true);
      expect(saved.body.phase).toBe("secrets");
      expect(saved.body.error.message).toContain("API_KEY");
      expect(saved.body.error.message).toContain("dep/leaky.meta.json");
      expect(saved.text).not.toContain(SECRET_VALUE);
    }
    expect(git(library, "rev-parse", "HEAD")).toBe(before);
    expect(existsSync(join(library, "dep", "leaky.ts"))).toBe(false);
  });
});

describe("crash recovery", () => {
  it("restores and removes the journal's files without following links", async () => {
    const home = join(root, "recovery");
    mkdirSync(home, { recursive: true });
    await close(await open(home));
    const library = join(home, "library");
    const outside = join(root, "recovery-outside");
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, "victim.txt"), "keep me\n");
    writeFileSync(join(outside, "gone.ts"), "keep me too\n");
    // csv.ts (at HEAD) is now a link to a file outside: restoring it must replace the link, not write through it.
    rmSync(join(library, "csv.ts"));
    symlinkSync(join(outside, "victim.txt"), join(library, "csv.ts"));
    // `linked` is a link to a folder outside: removing linked/gone.ts (not at HEAD) must not delete the outside file.
    symlinkSync(outside, join(library, "linked"));
    writeFileSync(join(home, "state", "save-journal.json"), JSON.stringify({ paths: ["csv.ts", "linked/gone.ts", "../recovery-outside/victim.txt"] }));
    const env = await open(home);
    try {
      expect(readFileSync(join(outside, "victim.txt"), "utf8")).toBe("keep me\n");
      expect(readFileSync(join(outside, "gone.ts"), "utf8")).toBe("keep me too\n");
      expect(lstatSync(join(library, "csv.ts")).isFile()).toBe(true);
      expect(readFileSync(join(library, "csv.ts"), "utf8")).toContain("export function parseCsv");
      expect(existsSync(join(home, "state", "save-journal.json"))).toBe(false);
    } finally {
      await close(env);
    }
  });
});

describe("save_integration and limits.maxCodeChars", () => {
  it("refuses code or a test longer than the limit run_code applies, and saves nothing", async () => {
    const home = join(root, "code-size");
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, "config.json"), JSON.stringify({ limits: { maxCodeChars: 1000 } }));
    const env = await open(home);
    try {
      const library = join(home, "library");
      const before = git(library, "rev-parse", "HEAD");
      const big = `export const data = ${JSON.stringify("x".repeat(2000))};\n`;
      const ran = await env.call("run_code", { code: big });
      expect(ran.body.error.message).toContain("limits.maxCodeChars");
      const code = await env.call("save_integration", { name: "big/code", description: "big", code: big });
      expect(code.isError).toBe(true);
      expect(code.body.error.message).toMatch(/The code is \d+ characters; the limit is 1000 \(limits\.maxCodeChars\)/);
      const test = await env.call("save_integration", { name: "big/test", description: "big", code: "export const one = (): number => 1;", test: `// ${"y".repeat(2000)}\n` });
      expect(test.isError).toBe(true);
      expect(test.body.error.message).toMatch(/The test is \d+ characters; the limit is 1000 \(limits\.maxCodeChars\)/);
      expect(git(library, "rev-parse", "HEAD")).toBe(before);
      const imported = await env.call("run_code", { code: 'import { data } from "library/big/code"; export default data.length' });
      expect(imported.isError).toBe(true);
    } finally {
      await close(env);
    }
  });
});

describe("usage figures and state files", () => {
  it("keep no secret value, and every file under state/ is readable by its owner only", async () => {
    const home = victimHome("usage", {});
    const env = await open(home);
    const saved = await env.call("save_integration", {
      name: "usage/echo",
      description: "Throws what it is given",
      code: "export function fail(text: string): never {\n  throw new Error('rejected: ' + text);\n}",
    });
    expect(saved.isError, saved.text).toBe(false);
    // The value stands for any way a secret reaches guest code in clear (e.g. a bound host echoing it in an encoding the vault does not redact).
    const ran = await env.call("run_code", { code: `import { fail } from "library/usage/echo"; export default fail(${JSON.stringify(SECRET_VALUE)})` });
    expect(ran.isError).toBe(true);
    expect(ran.text).not.toContain(SECRET_VALUE);
    const found = await env.call("search_library", { query: "usage/echo" });
    const usage = found.body.results.find((r: { name: string }) => r.name === "usage/echo").usage;
    expect(usage.failures).toBe(1);
    expect(usage.lastError).toBe("Error: rejected: [secret:API_KEY]");
    await close(env);
    const state = join(home, "state");
    expect(readFileSync(join(state, "usage.json"), "utf8")).not.toContain(SECRET_VALUE);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    const files = readdirSync(state, { recursive: true }).map(String).filter((f) => statSync(join(state, f)).isFile());
    expect(files).toEqual(expect.arrayContaining(["usage.json"]));
    for (const file of files) expect({ file, mode: (statSync(join(state, file)).mode & 0o777).toString(8) }).toEqual({ file, mode: "600" });
  });
});
