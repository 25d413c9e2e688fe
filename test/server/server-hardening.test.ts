import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCliSync, runNode, type Connected } from "../helpers.js";
import { startFixture, type Fixture } from "../helpers/http-fixture.js";
import { redactDeep } from "../../dist/util/redact-deep.js";
import { SecretVault } from "../../dist/bridge/secrets/secret-vault.js";
import { readSecretsFile } from "../../dist/bridge/secrets/secrets-file.js";
import { parseConfig } from "../../dist/config/load-config.js";

/** The default cap: the review's nested result fit under it. */
const MAX_OUTPUT_CHARS = 20_000;
const SECRET_VALUE = "hunter2-very-secret";
/** A reply may carry the result (or error) twice (structured and text) plus logs and framing. */
const REPLY_CEILING_CHARS = 4 * MAX_OUTPUT_CHARS;

/** Distinct ~250 KB programs compiled: ~100 MB of cache entries if nothing is evicted. */
const LARGE_PROGRAMS = 80;
/** The budget the cache must respect (COMPILE_CACHE_MAX_BYTES in src/sandbox/transpile.ts). */
const COMPILE_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** A 6.3 MB error page, as a failing API might send. */
const ERROR_PAGE = `<html>${"<p>stack frame</p>".repeat(350_000)}</html>`;

let api: Fixture;
let env: Connected;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  api = await startFixture({
    "/error-page": (_req, res) => res.writeHead(500, { "content-type": "text/html" }).end(ERROR_PAGE),
  });
  const made = await makeHome();
  cleanup = made.cleanup;
  await writeFile(join(made.home, "secrets.json"), JSON.stringify({ secrets: { API_KEY: { value: SECRET_VALUE, hosts: ["api.example.com"] } } }), { mode: 0o600 });
  env = await connect(made.home, { limits: { maxOutputChars: MAX_OUTPUT_CHARS, maxLogChars: MAX_OUTPUT_CHARS }, network: { allow: [`127.0.0.1:${api.port}`] } });
});
afterAll(async () => {
  await env?.close();
  await api?.close();
  await cleanup?.();
});

async function expectNextRunWorks(): Promise<void> {
  const next = await env.call("run_code", { code: "export default 40 + 2" });
  expect(next.body.result).toBe(42);
}

describe("errors are capped like results", () => {
  it("cuts a 6 MB error page thrown as a message, saying how much was cut", async () => {
    const reply = await env.call("run_code", { code: `const r = await fetch("${api.origin}/error-page");\nthrow new Error(await r.text());` });
    expect(reply.isError).toBe(true);
    expect(reply.text.length).toBeLessThan(REPLY_CEILING_CHARS);
    expect(reply.body.error.name).toBe("Error");
    expect(reply.body.error.message).toMatch(/^<html><p>stack frame<\/p>/);
    expect(reply.body.error.message).toMatch(/…\[\+\d+ chars cut\]$/);
    const cut = Number(/\+(\d+) chars cut/.exec(reply.body.error.message)![1]);
    expect(reply.body.error.message.length - /…\[.*$/.exec(reply.body.error.message)![0].length + cut).toBe(ERROR_PAGE.length);
    expect(reply.body.error.line).toBe(2);
    await expectNextRunWorks();
  });

  it("cuts a huge name, message and stack together", async () => {
    const reply = await env.call("run_code", {
      code: 'const e = new Error("m".repeat(2e6)); e.name = "N".repeat(1e6); e.stack = "    at f (main.ts:1:1)\\n".repeat(10) + "s".repeat(3e6); throw e;',
    });
    expect(reply.isError).toBe(true);
    expect(reply.text.length).toBeLessThan(REPLY_CEILING_CHARS);
    const { name, message, stack } = reply.body.error;
    expect(name).toMatch(/^N+…\[\+\d+ chars cut\]$/);
    expect(message).toMatch(/^m+…\[\+\d+ chars cut\]$/);
    expect(stack).toMatch(/chars cut\]/);
    expect(name.length + message.length + stack.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    await expectNextRunWorks();
  });

  it("cuts a stack line built to make the frame parser backtrack before parsing it", async () => {
    const reply = await env.call("run_code", { code: 'const e = new Error("boom"); e.stack = "    at " + "x".repeat(1e5); throw e;' });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.message).toBe("boom");
    expect(reply.body.error.stack.length).toBeLessThan(MAX_OUTPUT_CHARS);
    expect(reply.body.error.stack).toMatch(/chars cut\]$/);
  });

  it("cuts a syntax error that quotes a huge line", async () => {
    const reply = await env.call("run_code", { code: `export default [${"1,".repeat(60_000)} oops oops];` });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("SyntaxError");
    expect(reply.text.length).toBeLessThan(REPLY_CEILING_CHARS);
    expect(reply.body.error.message).toMatch(/chars cut\]$/);
  });

  it("cuts a save's compile error that quotes a huge line", async () => {
    const reply = await env.call("save_integration", { name: "huge/line", description: "d", code: `export const v = [${"1,".repeat(60_000)} oops oops];` });
    expect(reply.isError).toBe(true);
    expect(reply.body.phase).toBe("compile");
    expect(reply.text.length).toBeLessThan(REPLY_CEILING_CHARS);
    expect(reply.body.error.message).toMatch(/chars cut\]$/);
  });
});

describe("deeply nested values", () => {
  it("returns a result nested 5,000 deep (with a secret configured) cut to a depth clients can parse", async () => {
    const reply = await env.call("run_code", {
      code: `let v: unknown = "leaf ${SECRET_VALUE}"; for (let i = 0; i < 5000; i++) v = [v]; export default v;`,
    });
    expect(reply.isError, reply.text.slice(0, 300)).toBe(false);
    expect(reply.body.truncated).toBe(true);
    let depth = 0;
    let v: unknown = reply.body.result;
    while (Array.isArray(v)) (v = v[0]), depth++;
    expect(depth).toBeGreaterThan(100);
    expect(depth).toBeLessThan(1000);
    expect(v).toMatch(/^\[…1 items\]$/);
    await expectNextRunWorks();
  });

  it("keeps the __proto__ keys of a result it cuts for depth", async () => {
    const reply = await env.call("run_code", {
      code: `let v: any = { ["__proto__"]: "${SECRET_VALUE}" }; for (let i = 0; i < 300; i++) v = { ["__proto__"]: i, child: v }; export default v;`,
    });
    expect(reply.isError, reply.text.slice(0, 300)).toBe(false);
    expect(reply.body.truncated).toBe(true);
    let v = reply.body.result;
    for (let i = 299; i > 100; i--) {
      expect(Object.keys(v)).toEqual(["__proto__", "child"]);
      expect(v.__proto__).toBe(i);
      v = v.child;
    }
    expect(JSON.stringify(reply.body.result)).toMatch(/"\{…2 keys\}"/);
    expect(reply.text).not.toContain(SECRET_VALUE);
  });

  it("redacts a value nested 200,000 deep without recursion", () => {
    const vault = new SecretVault({ secrets: { API_KEY: { value: SECRET_VALUE, hosts: ["api.example.com"] } } }, () => true);
    let value: unknown = { leaf: `key ${SECRET_VALUE}`, [SECRET_VALUE]: 1 };
    for (let i = 0; i < 200_000; i++) value = i % 2 ? [value, "x"] : { a: value, b: i };
    let out = redactDeep(value, vault) as any;
    for (let i = 199_999; i >= 0; i--) out = i % 2 ? out[0] : out.a;
    expect(out).toEqual({ leaf: "key [secret:API_KEY]", "[secret:API_KEY]": 1 });
  });
});

describe("the compile cache", () => {
  it("stays within its byte budget however many large programs are compiled", async () => {
    // In a child process with --expose-gc: the heap it keeps after a full collection is the cache's.
    const script = `
      import { compileModule, initCompiler } from ${JSON.stringify(new URL("../../dist/sandbox/transpile.js", import.meta.url).href)};
      await initCompiler();
      const lines = (n) => Array.from({ length: 8000 }, (_, j) => "export const v" + j + " = " + n + " + " + j + ";").join("\\n");
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < ${LARGE_PROGRAMS}; i++) if (!compileModule(lines(i), "main.ts").ok) throw new Error("did not compile");
      globalThis.gc();
      console.log(JSON.stringify({ sourceChars: lines(0).length, grownBytes: process.memoryUsage().heapUsed - before }));`;
    const { sourceChars, grownBytes } = JSON.parse(await runNode(["--expose-gc", "--input-type=module", "-e", script]));
    expect(sourceChars).toBeGreaterThan(200_000);
    expect(grownBytes).toBeLessThan(COMPILE_CACHE_MAX_BYTES * 1.5);
  });
});

describe("search queries", () => {
  it("refuses a 424 KB query in the tool's schema, without echoing it, and keeps serving", async () => {
    const huge = "find me an integration ".repeat(18_500);
    expect(huge.length).toBeGreaterThan(424_000);
    const reply = await env.call("search_library", { query: huge });
    expect(reply.isError).toBe(true);
    expect(reply.text).toMatch(/query/);
    expect(reply.text).toMatch(/500 characters/);
    expect(reply.text.length).toBeLessThan(1_000);
    const listed = await env.call("search_library", {});
    expect(listed.isError).toBe(false);
  });

  it("answers a long query from any other caller with a short hint on how to search", async () => {
    const response = await env.toolsmith.search({ query: "x".repeat(424_000) });
    expect(response.total).toBe(0);
    expect(response.hint).toMatch(/424000 characters; search takes at most 500\. Search with a few words/);
    expect(response.hint!.length).toBeLessThan(400);
  });

  it("quotes only the start of a long query that matches nothing", async () => {
    const query = `${"zzqx ".repeat(90)}qqzzend`;
    const reply = await env.call("search_library", { query });
    expect(reply.isError).toBe(false);
    expect(reply.body.total).toBe(0);
    expect(reply.body.hint).toMatch(/^Nothing matches 'zzqx zzqx .*zzqx…' \(457 characters\)\. Try other words/);
    expect(reply.body.hint).not.toContain("qqzzend");
    const short = await env.call("search_library", { query: "zzqx qqzv" });
    expect(short.body.hint).toMatch(/^Nothing matches 'zzqx qqzv'\./);
  });
});

describe("keys named __proto__ in the files a person writes", () => {
  function importConfig(home: string, desktop: string) {
    return runCliSync(["import-config", desktop], { home });
  }

  it("import-config refuses a server named __proto__ (or with such a key) by name, and imports the rest", async () => {
    const { home, cleanup: done } = await makeHome();
    try {
      const desktop = join(home, "claude_desktop_config.json");
      await writeFile(
        desktop,
        '{"mcpServers": {"__proto__": {"command": "evil"}, "constructor": {"command": "ok-server"}, "withenv": {"command": "x", "env": {"__proto__": "y"}}}}',
      );
      const r = importConfig(home, desktop);
      // Written with the valid rest: exit 0, the skipped ones named on stderr.
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/skipped '__proto__': '__proto__': '__proto__' cannot be used as a name \(JavaScript reserves it\); rename it in /);
      expect(r.stderr).toMatch(/skipped 'withenv': 'withenv\.env\.__proto__': '__proto__' cannot be used as a name/);
      expect(r.stderr).toMatch(/added 'constructor'/);
      const written = JSON.parse(await readFile(join(home, "config.json"), "utf8"));
      expect(Object.keys(written.mcpServers)).toEqual(["constructor"]);
    } finally {
      await done();
    }
  });

  it("config.json and secrets.json with a __proto__ key are refused, naming where it is", async () => {
    expect(() => parseConfig('{"mcpServers": {"__proto__": {"command": "x"}}}')).toThrow(/'mcpServers\.__proto__': '__proto__' cannot be used as a name/);
    expect(() => parseConfig('{"mcpServers": {"a": {"command": "x", "env": {"__proto__": "y"}}}}')).toThrow(/'mcpServers\.a\.env\.__proto__'/);
    const { home, cleanup: done } = await makeHome();
    try {
      const file = join(home, "secrets.json");
      await writeFile(file, '{"secrets": {"API_KEY": {"value": "a-long-value", "hosts": ["x.example"], "__proto__": {}}}}');
      await expect(readSecretsFile(file)).rejects.toThrow(/'secrets\.API_KEY\.__proto__': '__proto__' cannot be used as a name/);
    } finally {
      await done();
    }
  });
});
