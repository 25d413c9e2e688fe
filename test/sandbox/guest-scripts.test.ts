import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as compiled from "../../dist/sandbox/guest/guest-scripts.js";
import { LAZY_GUEST_SCRIPTS } from "../../dist/sandbox/guest/lazy-scripts.js";

/**
 * The guest runtime as the build leaves it: src/sandbox/guest/runtime/*.ts compiled by
 * scripts/build-guest-scripts.mjs. Whether the scripts work is what every sandbox test
 * checks; this checks the seams the type checker cannot see (a generated module typed by
 * a hand-written declaration, host functions named in a string).
 */
const GUEST = resolve(import.meta.dirname, "../../src/sandbox/guest");
const declared = [...readFileSync(resolve(GUEST, "guest-scripts.d.ts"), "utf8").matchAll(/^export declare const (\w+): string;$/gm)].map((m) => m[1]);

describe("the compiled guest runtime", () => {
  it("exports exactly the scripts guest-scripts.d.ts declares, each a non-empty text", () => {
    expect(declared.length).toBeGreaterThan(0);
    expect(Object.keys(compiled).sort()).toEqual([...declared].sort());
    for (const name of declared) expect((compiled as Record<string, unknown>)[name!], name).toMatch(/\S/);
  });

  it("keeps global scripts free of module syntax and wraps each in a strict function of its own", () => {
    for (const [name, text] of Object.entries(compiled as Record<string, string>)) {
      if (name === "GUEST_TOOLSMITH_MODULE_JS") {
        expect(text).toMatch(/^export\b/m);
        expect(text).not.toMatch(/^\s*import\b/m);
        continue;
      }
      expect(text.startsWith('(function () {\n"use strict";\n'), name).toBe(true);
      expect(text).not.toMatch(/^\s*(import|export)\b/m);
    }
    // The prelude's completion value is the internals object the worker keeps.
    expect(compiled.GUEST_PRELUDE_JS.trimEnd().endsWith("globalThis.__toolsmith_internals;")).toBe(true);
  });

  it("installs every host function the prelude takes, by the names host-functions.ts declares", () => {
    const contract = readFileSync(resolve(GUEST, "host-functions.ts"), "utf8");
    const body = contract.slice(contract.indexOf("export interface GuestHostFunctions"), contract.indexOf("export interface PolyfillHostFunctions"));
    const names = [...body.matchAll(/^ {2}(__ts_\w+)\(/gm)].map((m) => m[1]).sort();
    expect(names.length).toBeGreaterThan(5);
    const worker = readFileSync(resolve(GUEST, "../worker/host-functions.ts"), "utf8");
    const installed = [...worker.matchAll(/^ {4}(__ts_\w+): /gm)].map((m) => m[1]).sort();
    expect(installed).toEqual(names);
    // The prelude takes each one and deletes it before agent code runs.
    for (const name of names) expect(compiled.GUEST_PRELUDE_JS).toContain(`delete g.${name};`);
  });

  it("has a script for every name the prelude loads lazily", () => {
    const asked = [...compiled.GUEST_PRELUDE_JS.matchAll(/loadScript\("([\w-]+)"\)/g)].map((m) => m[1]).sort();
    expect(asked.length).toBeGreaterThan(0);
    expect(Object.keys(LAZY_GUEST_SCRIPTS).sort()).toEqual(asked);
  });
});
