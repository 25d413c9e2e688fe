import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { FixtureRegistry } from "../fixtures/npm-registry.mjs";

const greet = (version: string) => ({ name: "greet", version, files: { "index.js": `export const hello = (n) => "hello " + n + " (${version})";` } });
const wrapper = (version: string, greetRange: string) => ({
  name: "wrapper",
  version,
  dependencies: { greet: greetRange },
  files: { "index.js": `import { hello } from "greet";\nexport const wrap = (n) => "[${version}] " + hello(n);` },
});

let root: string;
let cleanup: () => Promise<void>;
let registry: FixtureRegistry;
const opened: Connected[] = [];
const git = (home: string, ...args: string[]) => execFileSync("git", ["-C", join(home, "library"), ...args], { encoding: "utf8" }).trim();

async function open(name: string, extra: Record<string, unknown> = {}, registryUrl = registry.url, host = registry.hostPattern): Promise<Connected> {
  const home = join(root, name);
  mkdirSync(home, { recursive: true });
  const env = await connect(home, { network: { allow: [host] }, packages: { registry: registryUrl }, ...extra });
  opened.push(env);
  return env;
}

beforeAll(async () => {
  ({ home: root, cleanup } = await makeHome());
  registry = await FixtureRegistry.start([greet("1.0.0"), greet("1.1.0"), wrapper("1.0.0", "^1.0.0")]);
});
afterAll(async () => {
  for (const env of opened) await env.close();
  await registry?.close();
  await cleanup?.();
});

describe("the package cache", () => {
  it("downloads once for many concurrent runs, then serves offline (a new process, the registry gone)", async () => {
    const own = await FixtureRegistry.start([greet("1.0.0"), greet("1.1.0"), wrapper("1.0.0", "^1.0.0")]);
    const first = await open("cache-home", {}, own.url, own.hostPattern);
    const code = 'import { wrap } from "npm:wrapper@^1";\nexport default wrap("run");';
    const outs = await Promise.all(Array.from({ length: 6 }, () => first.call("run_code", { code })));
    for (const out of outs) expect(out.body.result).toBe("[1.0.0] hello run (1.1.0)");
    expect(own.tarballRequests("wrapper")).toBe(1);
    expect(own.tarballRequests("greet")).toBe(1);
    expect(own.requests.filter((r) => r === "/wrapper")).toHaveLength(1);
    expect(own.requests.filter((r) => r === "/greet")).toHaveLength(1);
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    await own.close();

    // Same home, fresh process state, nothing listening at the registry's address.
    const again = await open("cache-home", {}, own.url, own.hostPattern);
    expect((await again.call("run_code", { code })).body.result).toBe("[1.0.0] hello run (1.1.0)");
    const exact = await again.call("run_code", { code: 'import { hello } from "npm:greet@1.1.0";\nexport default hello("offline");' });
    expect(exact.body.result).toBe("hello offline (1.1.0)");
    // Never fetched while online: offline it is a clear error, not a hang.
    const never = await again.call("run_code", { code: 'import { hello } from "npm:greet@1.0.0";\nexport default hello("x");' });
    expect(never.body.ok).toBe(false);
    expect(never.body.error.message).toContain("Cannot reach the package registry");
  });
});

describe("pins in a saved integration", () => {
  it("saves exact versions and integrity, and a second home sharing the remote loads the pinned versions", async () => {
    const remote = join(root, "shared.git");
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch", "main", remote]);
    const library = { remote, pullIntervalSeconds: 0 };
    const a = await open("machine-a", { library });
    expect((await a.toolsmith.sync())?.error).toBeUndefined();
    const saved = await a.call("save_integration", {
      name: "greeter",
      description: "Greets through the wrapper package",
      code: 'import { wrap } from "npm:wrapper@^1";\nexport function greetAll(names: string[]): string[] { return names.map((n) => wrap(n)); }\n',
      test: 'import { greetAll } from "library/greeter";\nimport { hello } from "npm:greet@1";\nif (greetAll(["t"])[0] !== "[1.0.0] hello t (1.1.0)") throw new Error("unexpected " + greetAll(["t"])[0]);\nexport default hello("t");\n',
    });
    expect(saved.isError).toBe(false);
    const meta = JSON.parse(readFileSync(join(a.home, "library", "greeter.meta.json"), "utf8"));
    expect(meta.packages.wrapper).toMatchObject({ version: "1.0.0", integrity: expect.stringMatching(/^sha512-/), dependencies: { "node_modules/greet": { version: "1.1.0", integrity: expect.stringMatching(/^sha512-/) } } });
    expect(meta.packages.greet).toMatchObject({ version: "1.1.0" });
    expect(git(a.home, "status", "--porcelain")).toBe("");
    expect(git(a.home, "show", "HEAD:greeter.meta.json")).toContain('"wrapper"');
    const found = await a.call("search_library", { query: "greets wrapper" });
    expect(found.body.results[0]).toMatchObject({ name: "greeter", packages: { wrapper: "1.0.0", greet: "1.1.0" } });
    expect((await a.toolsmith.sync())?.error).toBeUndefined();

    // Newer versions appear: fresh imports pick them, the saved integration keeps its pins.
    registry.publish(greet("1.9.0"));
    registry.publish(wrapper("1.5.0", "^1.9.0"));
    const b = await open("machine-b", { library });
    const fresh = await b.call("run_code", { code: 'import { wrap } from "npm:wrapper@^1";\nexport default wrap("b");' });
    expect(fresh.body.result).toBe("[1.5.0] hello b (1.9.0)");
    const pinned = await b.call("run_code", { code: 'import { greetAll } from "library/greeter";\nexport default greetAll(["b"]);' });
    expect(pinned.body.result).toEqual(["[1.0.0] hello b (1.1.0)"]);
  });

  it("refuses to load a pin whose tarball no longer matches", async () => {
    const a = opened.find((e) => e.home.endsWith("machine-a"))!;
    const saved = await a.call("save_integration", {
      name: "old-greeter",
      description: "Greets with greet 1.0.0",
      code: 'import { hello } from "npm:greet@1.0.0";\nexport const hi = (n: string): string => hello(n);\n',
    });
    expect(saved.isError).toBe(false);
    registry.tamper("greet", "1.0.0");
    const c = await open("machine-c", { library: { remote: join(root, "shared.git"), pullIntervalSeconds: 0 } });
    await a.toolsmith.sync();
    await c.toolsmith.sync();
    const out = await c.call("run_code", { code: 'import { hi } from "library/old-greeter";\nexport default hi("c");' });
    expect(out.body.ok).toBe(false);
    expect(out.body.error.message).toContain("greet@1.0.0 does not match its integrity");
  });
});
