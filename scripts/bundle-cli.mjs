// Bundles the server's entry (dist/cli.js, as tsc wrote it) with its dependencies into
// dist/cli.js and a few chunks beside it (dist/cli-chunk-*.js), with esbuild. Part of
// `npm run build`, last:
//
//   tsc … && node scripts/build-guest-scripts.mjs && node scripts/bundle-cli.mjs
//
// Why: a start loaded some 340 ES modules one file at a time (resolution, reading and
// compiling each), most of a second on this 2-core machine before the first request could be
// answered (issue #18's start-time targets). One file plus chunks loads in a fraction of it.
// What loads only on demand stays on demand: each dynamic import() becomes its own chunk
// (the HTTP server, the upstream MCP client, the other CLI commands, OpenTelemetry).
// Left out of the bundle (loaded from node_modules when needed): packages required through
// createRequire (TypeScript, esbuild, simple-git, semver, the module lexer, the tokenizer),
// QuickJS (its .wasm is found next to its own files) and what runs only in worker threads
// (the workers' entries stay the unbundled files under dist/, found through dist-dir.js).
import { mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
const EXTERNAL = [
  "typescript",
  "esbuild",
  "simple-git",
  "semver",
  "es-module-lexer",
  "gpt-tokenizer",
  "quickjs-emscripten-core",
  "@jitl/*",
  "@opentelemetry/*",
  "@modelcontextprotocol/client",
  "@modelcontextprotocol/node",
  "@hono/*",
  "hono",
];

for (const old of readdirSync(DIST)) if (old.startsWith("cli-chunk-")) rmSync(join(DIST, old));
const out = mkdtempSync(join(tmpdir(), "toolsmith-bundle-"));
try {
  await build({
    entryPoints: { cli: join(DIST, "cli.js") },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outdir: out,
    chunkNames: "cli-chunk-[hash]",
    external: EXTERNAL,
    logLevel: "warning",
    // Bundled CommonJS code may call require(): give it Node's.
    banner: { js: 'import { createRequire as __toolsmithRequire } from "node:module";\nconst require = __toolsmithRequire(import.meta.url);' },
  });
  // Everything lands directly in dist/: dist-dir.js's location is the bundle's.
  for (const file of readdirSync(out)) renameSync(join(out, file), join(DIST, file));
} finally {
  rmSync(out, { recursive: true, force: true });
}
