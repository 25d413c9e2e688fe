import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetworkPolicy } from "../../dist/bridge/network/network-policy.js";
import { checkModule } from "../../dist/library/type-program.js";
import { npmRegistry } from "../../dist/packages/npm-config.js";
import { PackageLoader } from "../../dist/packages/package-loader.js";
import { parseSpecifier } from "../../dist/packages/specifier.js";
import { readTarball } from "../../dist/packages/tarball.js";
import { FixtureRegistry, packTarball } from "../fixtures/npm-registry.mjs";

const KB = 1024;
let registry: FixtureRegistry;
let dir: string;

function loader(settings: Partial<{ allow: string[]; maxPackageMb: number; maxBundleMb: number }> = {}, allowHosts = [registry.hostPattern]) {
  return new PackageLoader(
    join(dir, `cache-${Math.random().toString(36).slice(2)}`),
    { registry: registry.url, policy: new NetworkPolicy(allowHosts), timeoutMs: 5_000, maxRedirects: 2 },
    { allow: ["*"], maxPackageMb: 20, maxBundleMb: 5, ...settings },
  );
}
const spec = (text: string) => {
  const parsed = parseSpecifier(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.spec;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolsmith-packages-"));
  registry = await FixtureRegistry.start([
    { name: "small", version: "1.0.0", files: { "index.js": "export const n = 1;" } },
    { name: "huge", version: "1.0.0", files: { "index.js": `export const s = "${"x".repeat(120 * KB)}";` } },
    { name: "half-a", version: "1.0.0", files: { "index.js": `export const a = "${"a".repeat(40 * KB)}";` } },
    { name: "half-b", version: "1.0.0", files: { "index.js": `export const b = "${"b".repeat(40 * KB)}";` } },
    { name: "both", version: "1.0.0", dependencies: { "half-a": "1", "half-b": "1" }, files: { "index.js": 'export { a } from "half-a";\nexport { b } from "half-b";' } },
    { name: "@acme/tool", version: "2.0.0", dependencies: { small: "^1" }, files: { "index.js": 'export { n } from "small";' } },
  ]);
});
afterAll(async () => {
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("package policy and caps", () => {
  it("refuses a package over packages.maxPackageMb, naming the setting", async () => {
    await expect(loader({ maxPackageMb: 0.1 }).load(spec("npm:huge@1"))).rejects.toThrow(/huge@1\.0\.0 (is larger|unpacks to more) than .*packages\.maxPackageMb/);
    expect((await loader({ maxPackageMb: 1 }).load(spec("npm:huge@1"))).js.length).toBeGreaterThan(120 * KB);
  });

  it("refuses a bundle over packages.maxBundleMb, naming the setting", async () => {
    await expect(loader({ maxPackageMb: 0.05, maxBundleMb: 0.06 }).load(spec("npm:both@1"))).rejects.toThrow(/packages\.maxBundleMb/);
  });

  it("imports only names packages.allow lets through, dependencies included", async () => {
    await expect(loader({ allow: ["@acme/*"] }).load(spec("npm:small@1"))).rejects.toThrow(/'small' is not allowed by packages\.allow .*add "small"/);
    await expect(loader({ allow: ["@acme/*"] }).load(spec("npm:@acme/tool@2"))).rejects.toThrow(/'@acme\/tool' depends on 'small', which is not allowed by packages\.allow/);
    expect((await loader({ allow: ["@acme/*", "small"] }).load(spec("npm:@acme/tool@2"))).exports).toEqual(["n"]);
  });

  it("refuses a pin whose dependency paths would leave the staging folder", async () => {
    const small = await loader().load(spec("npm:small@1"));
    const pin = { ...small.pin, dependencies: { "node_modules/../../escaped": { version: "1.0.0", integrity: small.pin.integrity } } };
    await expect(loader().load(spec("npm:small@1"), pin)).rejects.toThrow(/names the install path 'node_modules\/\.\.\/\.\.\/escaped'.*refused/);
  });

  it("asks the registry only through network.allow", async () => {
    await expect(loader({}, ["registry.example.com"]).load(spec("npm:small@1"))).rejects.toThrow(/refused by the network policy.*network\.allow.*packages\.registry/s);
  });
});

describe("tarballs are unpacked safely", () => {
  it("refuses paths that leave the package folder", () => {
    for (const name of ["package/../../evil.js", "/etc/passwd", "package/a/../../../x"]) {
      expect(() => readTarball(packTarball({ [name]: "x" }, { rawNames: true }), "bad@1.0.0", 1024 * KB, "packages.maxPackageMb")).toThrow(/leaves the package folder/);
    }
  });

  it("never creates links, reads long names, and caps the unpacked size", () => {
    const long = `${"deep/".repeat(30)}file.js`;
    const files = readTarball(packTarball({ "index.js": "1", [long]: "2" }, { links: { "link.js": "/etc/passwd" } }), "ok@1.0.0", 1024 * KB, "packages.maxPackageMb");
    expect(files.map((f) => f.path).sort()).toEqual([long, "index.js"].sort());
    expect(() => readTarball(packTarball({ "a.js": "x".repeat(50 * KB) }), "big@1.0.0", 10 * KB, "packages.maxPackageMb")).toThrow(/unpacks to more than .*packages\.maxPackageMb/);
  });
});

describe("specifiers, the default registry and type checks", () => {
  it("parses names, scopes, ranges and subpaths", () => {
    expect(parseSpecifier("npm:@scope/pkg@^1.2.0/sub/path")).toEqual({ ok: true, spec: { name: "@scope/pkg", range: "^1.2.0", subpath: "sub/path" } });
    expect(parseSpecifier("npm:date-fns@4/addDays")).toEqual({ ok: true, spec: { name: "date-fns", range: "4", subpath: "addDays" } });
    expect(parseSpecifier("npm:yaml")).toEqual({ ok: true, spec: { name: "yaml", range: "latest", subpath: "" } });
    expect(parseSpecifier("npm:yaml@2/../x")).toMatchObject({ ok: false });
    expect(parseSpecifier("npm:@scope@1")).toMatchObject({ ok: false });
  });

  it("reads the registry as `npm config get registry` would: environment, then the user's .npmrc, then npm's default", async () => {
    const npmrc = join(dir, ".npmrc");
    await writeFile(npmrc, "fund=false\nregistry = https://npm.internal.example/${TEAM}/\n");
    expect(npmRegistry({ env: { npm_config_registry: "http://127.0.0.1:4873" } })).toBe("http://127.0.0.1:4873/");
    expect(npmRegistry({ env: { TEAM: "tools" }, homeDir: dir })).toBe("https://npm.internal.example/tools/");
    expect(npmRegistry({ env: {}, homeDir: join(dir, "nowhere") })).toBe("https://registry.npmjs.org/");
  });

  it("types npm: imports as any instead of reporting them missing", () => {
    const checked = checkModule('import { parse } from "npm:yaml@2";\nimport * as z from "npm:@scope/x@1/sub";\nexport const v: number = parse("a: 1").a + z.y;\n', "main.ts");
    const diagnostics = checked.program.getSemanticDiagnostics(checked.file).map((d) => d.messageText);
    expect(diagnostics).toEqual([]);
  });
});
