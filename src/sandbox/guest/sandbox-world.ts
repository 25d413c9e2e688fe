/**
 * What guest code sees, as TypeScript declarations: the globals the prelude and its
 * polyfills install (`runtime/prelude.ts`, `runtime/polyfills.ts`, `runtime/fetch.ts`, and the Web APIs of
 * `sandbox-world-web-apis.ts`) and the `toolsmith`
 * module (`builtin-modules.ts`, served by `bridge/host-bridge.ts` and
 * `bridge/workspace/workspace.ts`). The ECMAScript built-ins come from TypeScript's
 * own `lib.es2024` (QuickJS has them; it has no `Intl` or `setInterval`).
 *
 * One list of entries is the single source: `SANDBOX_WORLD_DTS` is built from it, and
 * search indexes each entry as a result of kind "builtin". `test/sandbox/sandbox-world.test.ts`
 * checks real guest programs against it and runs them in the sandbox.
 */
import { GLOBAL_ENTRIES } from "./sandbox-world-globals.js";
import { TOOLSMITH_ENTRIES } from "./sandbox-world-toolsmith.js";
import { WEB_API_ENTRIES } from "./sandbox-world-web-apis.js";
import type { BuiltinEntry } from "./builtin-entry.js";
export type { BuiltinEntry } from "./builtin-entry.js";

export const SANDBOX_WORLD_ENTRIES: readonly BuiltinEntry[] = Object.freeze([...GLOBAL_ENTRIES, ...WEB_API_ENTRIES, ...TOOLSMITH_ENTRIES]);

/** The declaration file of the sandbox world: globals, then `declare module "toolsmith"`. */
export const SANDBOX_WORLD_DTS = [
  "// The sandbox world of toolsmith: globals and the \"toolsmith\" module.",
  ...GLOBAL_ENTRIES.map((e) => e.signature),
  ...WEB_API_ENTRIES.map((e) => e.signature),
  `declare module "toolsmith" {\n${TOOLSMITH_ENTRIES.map((e) => indent(e.signature)).join("\n\n")}\n}`,
  "",
].join("\n\n");

/** Where the sandbox world lives in the compiler's in-memory file system. */
export const SANDBOX_WORLD_FILE = "/toolsmith/sandbox-world.d.ts";

/** TypeScript's libraries that describe QuickJS's built-ins (file names in `typescript/lib`). */
export const SANDBOX_LIBS: readonly string[] = Object.freeze(["lib.es2024.d.ts", "lib.esnext.collection.d.ts", "lib.esnext.iterator.d.ts"]);

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line ? `  ${line}` : line))
    .join("\n");
}
