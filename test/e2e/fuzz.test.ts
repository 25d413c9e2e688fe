import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../dist/config/load-config.js";
import { readSecretsFile, SecretsFileError } from "../../dist/bridge/secrets/secrets-file.js";
import { connect, makeHome, type Connected } from "../helpers.js";

/** Property runs per tool: bounded so the suite stays quick on two cores. */
const RUNS = 60;
const SEED = 20_261_123;

let env: Connected;
let home: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ home, cleanup } = await makeHome({ limits: { timeoutMs: 1000, maxOutputChars: 2000 } }));
  env = await connect(home);
});
afterAll(async () => {
  await env.close();
  await cleanup();
});

/** Every reply is a valid tool result: content with a text block, and isError a boolean or absent. */
function expectValidResult(result: any) {
  expect(Array.isArray(result.content)).toBe(true);
  expect(result.content[0]?.type).toBe("text");
  expect(typeof result.content[0].text).toBe("string");
  if (result.isError !== undefined) expect(typeof result.isError).toBe("boolean");
}

async function callAnyway(name: string, args: unknown) {
  try {
    return { result: (await env.client.callTool({ name, arguments: args as Record<string, unknown> })) as any };
  } catch (error) {
    return { error: error as Error };
  }
}

const snippet = fc.oneof(
  fc.string(),
  fc.constantFrom("export default 1", "throw 1", "while(true){}", "export default new Promise(()=>{})", "import x from 'library/csv'; export default x", "export default {a: 1n}", "}{", "export default globalThis"),
  fc.string().map((s) => `export default ${JSON.stringify(s)}`),
);

describe("fuzzing the three tools' arguments", () => {
  it("run_code: every reply is a valid MCP result, and the server keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ code: snippet }), fc.record({ code: snippet, timeoutMs: fc.oneof(fc.integer(), fc.double(), fc.string()) }), fc.object(), fc.anything()), async (args) => {
        const { result, error } = await callAnyway("run_code", args);
        if (error) expect(error.message).toMatch(/validation|invalid|expected|required/i);
        else expectValidResult(result);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    const ok = (await env.client.callTool({ name: "run_code", arguments: { code: "export default 'alive'" } })) as any;
    expect(ok.structuredContent.result).toBe("alive");
  });

  it("search_library: every reply is a valid MCP result", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ query: fc.string(), limit: fc.integer({ min: -5, max: 500 }), detail: fc.constantFrom("summary", "full", "x") }, { requiredKeys: [] }), fc.anything()), async (args) => {
        const { result, error } = await callAnyway("search_library", args);
        if (error) expect(error.message).toMatch(/validation|invalid|expected/i);
        else expectValidResult(result);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("save_integration: valid results, and the library's git history is never corrupted", async () => {
    const name = fc.oneof(fc.string(), fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\/[a-z][a-z0-9-]{0,8}){0,2}$/), fc.constantFrom("../x", "a//b", "CON", "x/.git", ".git/config"));
    const code = fc.oneof(snippet, fc.integer({ min: 0, max: 9 }).map((n) => `export const v = (): number => ${n};`));
    const test = fc.option(fc.oneof(snippet, fc.constant("throw new Error('no')")), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.record({ name, description: fc.string(), code, test, tags: fc.option(fc.array(fc.string()), { nil: undefined }) }, { requiredKeys: ["name", "description", "code"] }), async (args) => {
        const { result, error } = await callAnyway("save_integration", args);
        if (error) expect(error.message).toMatch(/validation|invalid|expected/i);
        else expectValidResult(result);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    const lib = join(home, "library");
    expect(execFileSync("git", ["-C", lib, "fsck", "--no-progress", "--no-dangling"], { encoding: "utf8" })).toBe("");
    expect(execFileSync("git", ["-C", lib, "status", "--porcelain"], { encoding: "utf8" })).toBe("");
    // Nothing was ever written outside the library folder by a hostile name.
    expect(execFileSync("git", ["-C", lib, "ls-files"], { encoding: "utf8" })).not.toMatch(/(^|\/)\.\.?\//m);
  });
});

describe("fuzzing config.json and secrets.json", () => {
  it("config.json: any content gives a Config or a ConfigError naming what is wrong", () => {
    const mutation = fc.record(
      {
        limits: fc.oneof(fc.anything(), fc.record({ timeoutMs: fc.anything(), memoryMb: fc.anything() }, { requiredKeys: [] })),
        network: fc.oneof(fc.anything(), fc.record({ allow: fc.oneof(fc.anything(), fc.array(fc.string())) }, { requiredKeys: [] })),
        mcpServers: fc.oneof(fc.anything(), fc.dictionary(fc.string(), fc.oneof(fc.anything(), fc.record({ command: fc.anything(), url: fc.anything() }, { requiredKeys: [] })))),
        library: fc.anything(),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), mutation.map((m) => JSON.stringify(m))), (text) => {
        try {
          const config = parseConfig(text);
          expect(config.limits.timeoutMs).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toMatch(/config\.json/);
        }
      }),
      { numRuns: 500, seed: SEED },
    );
  });

  it("secrets.json: any content gives secrets or a SecretsFileError that never shows a value", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toolsmith-fuzz-"));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string(),
            fc.json(),
            fc.dictionary(fc.string(), fc.record({ value: fc.oneof(fc.string({ minLength: 6 }), fc.anything()), hosts: fc.anything() }, { requiredKeys: [] })).map((secrets) => JSON.stringify({ secrets })),
          ),
          async (text) => {
            const path = join(dir, "secrets.json");
            writeFileSync(path, text);
            try {
              await readSecretsFile(path);
            } catch (error) {
              expect(error).toBeInstanceOf(SecretsFileError);
              for (const value of text.match(/"value":"([^"]{6,})"/g) ?? []) expect((error as Error).message).not.toContain(value.slice(9, -1));
            }
          },
        ),
        { numRuns: 300, seed: SEED },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
