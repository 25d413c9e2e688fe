import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { FixtureRegistry } from "../fixtures/npm-registry.mjs";

/** The fixture packages: ranges, a scoped one, dependencies (one nested by a conflict), subpaths. */
function fixturePackages() {
  return [
    { name: "greet", version: "1.0.0", files: { "index.js": 'export const hello = (n) => "hello " + n + " (1.0.0)";' } },
    { name: "greet", version: "1.2.0", files: { "index.js": 'export const hello = (n) => "hello " + n + " (1.2.0)";\nexport default { hello };', "extra.js": "export const extra = 42;" } },
    { name: "greet", version: "2.0.0", files: { "index.js": 'export const hello = (n) => "HELLO " + n + " (2.0.0)";' } },
    { name: "@acme/util", version: "1.0.3", files: { "index.js": "export function sum(...xs) { return xs.reduce((a, b) => a + b, 0); }" } },
    {
      name: "app",
      version: "3.1.0",
      dependencies: { greet: "^2.0.0", "@acme/util": "~1.0.0", legacy: "1.x" },
      files: { "index.js": 'import { hello } from "greet";\nimport { sum } from "@acme/util";\nimport legacy from "legacy";\nexport const run = () => [hello("app"), sum(1, 2, 3), legacy.hello("legacy")];' },
    },
    // CommonJS, depending on an older greet than app does: it gets its own nested copy.
    { name: "legacy", version: "1.4.0", dependencies: { greet: "1.0.0" }, files: { "index.js": 'const { hello } = require("greet");\nmodule.exports = { hello: (n) => "legacy " + hello(n) };' } },
    { name: "node-only", version: "1.0.0", files: { "index.js": 'export { readConfig } from "./lib/io.js";', "lib/io.js": 'import { readFileSync } from "fs";\nexport const readConfig = () => readFileSync("x");' } },
    { name: "browser-ok", version: "1.0.0", files: { "package.json": JSON.stringify({ name: "browser-ok", version: "1.0.0", main: "node.js", browser: "browser.js" }), "node.js": 'module.exports = require("fs").readFileSync;', "browser.js": 'export const where = "browser";' } },
    { name: "tampered", version: "1.0.0", files: { "index.js": "export const x = 1;" } },
  ];
}

describe("npm: imports through a real MCP client", () => {
  let registry: FixtureRegistry;
  let env: Connected;
  let cleanup: () => Promise<void>;
  const run = async (code: string) => (await env.call("run_code", { code })).body;

  beforeAll(async () => {
    registry = await FixtureRegistry.start(fixturePackages());
    registry.tamper("tampered", "1.0.0");
    const home = await makeHome();
    cleanup = home.cleanup;
    env = await connect(home.home, { network: { allow: [registry.hostPattern] }, packages: { registry: registry.url } });
  });
  afterAll(async () => {
    await env?.close();
    await cleanup?.();
    await registry?.close();
  });

  it("resolves a range to the highest matching version", async () => {
    const out = await run('import { hello } from "npm:greet@^1";\nexport default hello("you");');
    expect(out.result).toBe("hello you (1.2.0)");
    expect((await run('import { hello } from "npm:greet@1.0.0";\nexport default hello("x");')).result).toBe("hello x (1.0.0)");
    expect((await run('import { hello } from "npm:greet";\nexport default hello("x");')).result).toBe("HELLO x (2.0.0)");
  });

  it("serves scoped packages and subpaths", async () => {
    expect((await run('import { sum } from "npm:@acme/util@1";\nexport default sum(1, 2);')).result).toBe(3);
    expect((await run('import { extra } from "npm:greet@1.2/extra.js";\nexport default extra;')).result).toBe(42);
  });

  it("bundles dependencies, nesting a conflicting version, CommonJS included", async () => {
    const out = await run('import { run } from "npm:app@3";\nexport default run();');
    expect(out.result).toEqual(["HELLO app (2.0.0)", 6, "legacy hello legacy (1.0.0)"]);
    // A CommonJS package is its module.exports as the default export.
    expect((await run('import legacy from "npm:legacy@1";\nexport default legacy.hello("z");')).result).toBe("legacy hello z (1.0.0)");
  });

  it("refuses a tarball whose bytes do not match the registry's integrity", async () => {
    const out = await run('import { x } from "npm:tampered@1";\nexport default x;');
    expect(out.ok).toBe(false);
    expect(out.error.name).toBe("ImportError");
    expect(out.error.message).toContain("tampered@1.0.0 does not match its integrity");
  });

  it("refuses a package that needs a Node built-in, naming it and the import chain", async () => {
    const out = await run('import { readConfig } from "npm:node-only@1";\nexport default typeof readConfig;');
    expect(out.ok).toBe(false);
    expect(out.error.message).toContain("needs the Node built-in 'fs'");
    expect(out.error.message).toContain("node-only/index.js → node-only/lib/io.js");
  });

  it("prefers a package's browser entry", async () => {
    expect((await run('import { where } from "npm:browser-ok@1";\nexport default where;')).result).toBe("browser");
  });

  it("explains unknown packages, versions and malformed specifiers", async () => {
    expect((await run('import x from "npm:nope@1";\nexport default x;')).error.message).toContain("There is no package named 'nope'");
    expect((await run('import x from "npm:greet@^9";\nexport default x;')).error.message).toContain("No version of 'greet' matches '^9'");
    expect((await run('import x from "npm:Bad Name@1";\nexport default x;')).error.message).toContain("not a valid package name");
    const missing = (await run('import x from "npm:greet@1.2/missing.js";\nexport default x;')).error.message;
    expect(missing).toContain("Cannot import 'npm:greet@1.2/missing.js': greet@1.2.0 has no module 'greet/missing.js': check the subpath");
    expect(missing).not.toMatch(/\/tmp\/|state\/packages/);
  });
});
