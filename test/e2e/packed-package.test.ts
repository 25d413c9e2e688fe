import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const REPO = join(import.meta.dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

/**
 * The package as users get it: `npm pack`, installed into an empty folder with npm,
 * started through `npx` as a Claude Desktop config would. Tests may not use the public
 * registry, so the install is offline: the folder's lockfile names exactly the versions
 * of this repository's lockfile (production entries only), which `npm ci` here left in
 * npm's cache. A runtime import of a devDependency fails this test.
 */
describe("the packed package", () => {
  let prefix: string;
  let home: string;

  beforeAll(async () => {
    prefix = await mkdtemp(join(tmpdir(), "toolsmith-packed-"));
    home = await mkdtemp(join(tmpdir(), "toolsmith-packed-home-"));
    // dist/ is built by `npm test`; --ignore-scripts keeps pack from rebuilding it under running tests.
    await exec(NPM, ["pack", "--ignore-scripts", "--pack-destination", prefix], { cwd: REPO });
    const tarball = (await readdir(prefix)).find((f) => f.endsWith(".tgz"))!;
    await writeFile(join(prefix, "package.json"), JSON.stringify({ name: "packed-check", private: true, dependencies: { "toolsmith-mcp": `file:${tarball}` } }));
    await writeFile(join(prefix, "package-lock.json"), JSON.stringify(await lockfileFor(tarball)));
    await exec(NPM, ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: prefix, timeout: 120_000 });
  }, 180_000);

  afterAll(async () => {
    await rm(prefix, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  });

  /** A lockfile for an empty project that depends on the tarball, with this repository's production dependencies. */
  async function lockfileFor(tarball: string) {
    const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8"));
    const lock = JSON.parse(await readFile(join(REPO, "package-lock.json"), "utf8"));
    const integrity = `sha512-${createHash("sha512").update(await readFile(join(prefix, tarball))).digest("base64")}`;
    const packages: Record<string, unknown> = {
      "": { name: "packed-check", dependencies: { "toolsmith-mcp": `file:${tarball}` } },
      "node_modules/toolsmith-mcp": { version: pkg.version, resolved: `file:${tarball}`, integrity, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
    };
    for (const [path, entry] of Object.entries(lock.packages as Record<string, { dev?: boolean }>)) if (path && !entry.dev) packages[path] = entry;
    return { name: "packed-check", lockfileVersion: 3, requires: true, packages };
  }

  it("installs its bin and answers --version", async () => {
    const { stdout } = await exec(join(prefix, "node_modules", ".bin", "toolsmith"), ["--version"]);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("serves run_code over stdio when started through npx, as a Claude Desktop config would", async () => {
    const transport = new StdioClientTransport({ command: NPX, args: ["--offline", "-y", "toolsmith-mcp", "--home", home], cwd: prefix, stderr: "pipe" });
    const client = new Client({ name: "packed-check", version: "1.0.0" });
    await client.connect(transport);
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name).sort()).toEqual(["run_code", "save_integration", "search_library"]);
      const result = (await client.callTool({ name: "run_code", arguments: { code: "import { parseCsv } from 'library/csv'; export default parseCsv('a,b\\n1,2').length" } })) as any;
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      expect(result.structuredContent.result).toBe(1);
    } finally {
      await client.close();
    }
  }, 120_000);
});
