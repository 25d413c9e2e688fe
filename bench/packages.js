// npm: import benchmark (issue #20 targets). Uses the built code (dist/) and a fixture
// npm registry on 127.0.0.1 serving packages from this repository's node_modules; never
// the public registry. Prints medians on stdout, progress on stderr.
//
//   npx tsc -p tsconfig.json && node bench/packages.js
//
// 1. First import of a ~100 KB package (yaml 2: the bundle is ~110 KB) from the local
//    registry: resolve, download, check integrity, unpack, bundle, cache. Each sample
//    starts from an empty package cache. Target: <= 2 s.
// 2. A cached import's added round trip: the median run of code importing that package
//    (bundle cached, range resolved) minus the median run of the same code without the
//    import, through Toolsmith.run on one home. Target: <= 5 ms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { NetworkPolicy } from "../dist/bridge/network/network-policy.js";
import { parseConfig } from "../dist/config/load-config.js";
import { PackageLoader } from "../dist/packages/package-loader.js";
import { parseSpecifier } from "../dist/packages/specifier.js";
import { Toolsmith } from "../dist/toolsmith.js";
import { FixtureRegistry } from "../test/fixtures/npm-registry.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGE = process.env.BENCH_PACKAGE ?? "yaml";
const SPECIFIER = process.env.BENCH_SPECIFIER ?? "npm:yaml@2";
const FIRST_SAMPLES = 7;
const RUN_WARMUP = 20;
const RUN_SAMPLES = 200;
const HOST_SAMPLES = 2_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (line) => process.stderr.write(`${line}\n`);

const registry = await FixtureRegistry.start();
registry.publishInstalled(PACKAGE, join(ROOT, "node_modules"));
// A one-line package: what the mechanism itself adds, apart from QuickJS parsing a large bundle.
registry.publish({ name: "tiny", version: "1.0.0", files: { "index.js": "export const parse = (s) => s.length;" } });
const scratch = mkdtempSync(join(tmpdir(), "toolsmith-bench-packages-"));
try {
  const parsed = parseSpecifier(SPECIFIER);
  if (!parsed.ok) throw new Error(parsed.message);
  const firsts = [];
  let bundleBytes = 0;
  for (let i = 0; i < FIRST_SAMPLES; i++) {
    const loader = new PackageLoader(
      join(scratch, `cache-${i}`),
      { registry: registry.url, policy: new NetworkPolicy([registry.hostPattern]), timeoutMs: 30_000, maxRedirects: 2 },
      { allow: ["*"], maxPackageMb: 64, maxBundleMb: 5 },
    );
    const started = performance.now();
    const bundle = await loader.load(parsed.spec);
    firsts.push(performance.now() - started);
    bundleBytes = Buffer.byteLength(bundle.js);
    log(`first import ${i + 1}/${FIRST_SAMPLES}: ${firsts.at(-1).toFixed(0)} ms`);
  }

  // The host's part of a cached import: resolving the range (memoized) and finding the bundle.
  const warmLoader = new PackageLoader(
    join(scratch, "cache-0"),
    { registry: registry.url, policy: new NetworkPolicy([registry.hostPattern]), timeoutMs: 30_000, maxRedirects: 2 },
    { allow: ["*"], maxPackageMb: 64, maxBundleMb: 5 },
  );
  await warmLoader.load(parsed.spec);
  const hostTimes = [];
  for (let i = 0; i < HOST_SAMPLES; i++) {
    const started = performance.now();
    await warmLoader.load(parsed.spec);
    hostTimes.push(performance.now() - started);
  }

  const config = parseConfig(JSON.stringify({ network: { allow: [registry.hostPattern] }, packages: { registry: registry.url } }));
  const toolsmith = Toolsmith.open({ home: join(scratch, "home"), config, poolSize: 1 });
  await toolsmith.whenReady();
  const plain = 'const parse = (s: string) => s.length;\nexport default parse("a: 1");';
  const withImport = `import { parse } from "${SPECIFIER}";\nexport default parse("a: 1");`;
  const withTiny = 'import { parse } from "npm:tiny@1";\nexport default parse("a: 1");';
  // The import alone: the package's own work (yaml's parse of "a: 1" in the interpreter) left out.
  const importOnly = `import { parse } from "${SPECIFIER}";\nexport default typeof parse;`;
  for (const code of [withImport, withTiny]) {
    const first = await toolsmith.run(code);
    if (!first.ok) throw new Error(`the import failed: ${first.error.message}`);
  }
  const time = async (code) => {
    const started = performance.now();
    const report = await toolsmith.run(code);
    if (!report.ok) throw new Error(report.error.message);
    return performance.now() - started;
  };
  for (let i = 0; i < RUN_WARMUP; i++) {
    await time(plain);
    await time(withImport);
    await time(withTiny);
    await time(importOnly);
  }
  const plainTimes = [];
  const importTimes = [];
  const tinyTimes = [];
  const importOnlyTimes = [];
  // Interleaved, so both see the same machine load.
  for (let i = 0; i < RUN_SAMPLES; i++) {
    plainTimes.push(await time(plain));
    importTimes.push(await time(withImport));
    tinyTimes.push(await time(withTiny));
    importOnlyTimes.push(await time(importOnly));
  }
  await toolsmith.close();

  const lines = [
    `| npm: import (${SPECIFIER}, bundle ${(bundleBytes / 1024).toFixed(0)} KB) | median | target |`,
    "|---|---|---|",
    `| first import from the local registry (empty cache), ${FIRST_SAMPLES} samples | ${median(firsts).toFixed(0)} ms | <= 2000 ms |`,
    `| host side of a cached import (resolve + bundle lookup), ${HOST_SAMPLES} samples | ${median(hostTimes).toFixed(3)} ms | |`,
    `| run without the import, ${RUN_SAMPLES} samples | ${median(plainTimes).toFixed(2)} ms | |`,
    `| run with the cached import, ${RUN_SAMPLES} samples | ${median(importTimes).toFixed(2)} ms | |`,
    `| added by the cached import | ${(median(importTimes) - median(plainTimes)).toFixed(2)} ms | <= 5 ms |`,
    `| run with the cached import, the package not called, ${RUN_SAMPLES} samples | ${median(importOnlyTimes).toFixed(2)} ms | |`,
    `| added by the import alone | ${(median(importOnlyTimes) - median(plainTimes)).toFixed(2)} ms | |`,
    `| run with a cached one-line package (npm:tiny@1), ${RUN_SAMPLES} samples | ${median(tinyTimes).toFixed(2)} ms | |`,
    `| added by the cached one-line package | ${(median(tinyTimes) - median(plainTimes)).toFixed(2)} ms | <= 5 ms |`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await registry.close();
  rmSync(scratch, { recursive: true, force: true });
}
