import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_LIBS, SANDBOX_WORLD_DTS, SANDBOX_WORLD_ENTRIES } from "../../dist/sandbox/guest/sandbox-world.js";
import { diagnose } from "../../dist/library/type-diagnostics.js";
import { connect, makeHome, runCli, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

const TOKEN = "world-test-token";

let api: Fixture;
let env: Connected;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  api = await startFixture({
    "/me": (req, res) => json(res, req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, { who: req.headers.authorization === `Bearer ${TOKEN}` ? "ada" : null }),
    "/basic": (req, res) => json(res, 200, { authorization: req.headers.authorization ?? null }),
    "/echo": (req, res, body) => json(res, 200, { method: req.method, body, type: req.headers["content-type"] ?? null }),
  });
  const made = await makeHome({ network: { allow: [`127.0.0.1:${api.port}`] }, limits: { timeoutMs: 20_000 } });
  cleanup = made.cleanup;
  const set = await runCli(["secret", "set", "API_TOKEN", "--host", `127.0.0.1:${api.port}`], { home: made.home, input: TOKEN });
  expect(set.code).toBe(0);
  env = await connect(made.home, { network: { allow: [`127.0.0.1:${api.port}`] }, limits: { timeoutMs: 20_000 } });
});
afterAll(async () => {
  await env?.close();
  await api?.close();
  await cleanup?.();
});

/** Guest programs that must type-check against the world with no diagnostic at all, and run. */
const programs: Record<string, { code: () => string; expected: unknown }> = {
  "the web globals": {
    code: () => `
const url = new URL("https://api.example.com/v1/items?page=2#top");
url.searchParams.set("per_page", "50");
const query = new URLSearchParams({ q: "a b" });
query.append("tag", "x");
const bytes: Uint8Array = new TextEncoder().encode("héllo");
const text: string = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
const b64 = btoa("ada:pw");
let fired = 0;
await new Promise((resolve) => setTimeout(resolve, 5));
await new Promise<void>((resolve) => setTimeout(() => { fired++; resolve(); }, 1));
const cancelled = setTimeout(() => { fired += 100; }, 1);
clearTimeout(cancelled);
const headers = new Headers([["Accept", "application/json"]]);
headers.append("X-Trace", "1");
const made = Response.json({ ok: true }, { status: 201 });
const body: { ok: boolean } = await made.json();
console.info("checked", url.pathname);
export default {
  url: url.href, search: url.searchParams.get("per_page"), query: query.toString(), bytes: bytes.length, text,
  b64, decoded: atob(b64), fired, accept: headers.get("accept"), status: made.status, ok: body.ok,
  sorted: [3, 1, 2].toSorted(), groups: Object.groupBy([1, 2, 3], (n) => (n % 2 ? "odd" : "even")),
};`,
    expected: {
      url: "https://api.example.com/v1/items?page=2&per_page=50#top", search: "50", query: "q=a+b&tag=x", bytes: 6, text: "héllo",
      b64: "YWRhOnB3", decoded: "ada:pw", fired: 1, accept: "application/json", status: 201, ok: true,
      sorted: [1, 2, 3], groups: { odd: [1, 3], even: [2] },
    },
  },
  "the web APIs (crypto, abort, forms, clone, microtasks, performance)": {
    code: () => `
import { secret } from "toolsmith";
const enc = new TextEncoder();
const random = crypto.getRandomValues(new Uint32Array(4));
const uuid = crypto.randomUUID();
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode("abc")));
const key = await crypto.subtle.importKey("raw", enc.encode(secret("API_TOKEN")), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const mac = await crypto.subtle.sign("HMAC", key, enc.encode("data"));
const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, enc.encode("x"));
const valid: boolean = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pair.publicKey, signature, enc.encode("x"));
const controller = new AbortController();
controller.abort();
let aborted = "";
try {
  await fetch("${api.origin}/me", { signal: controller.signal });
} catch (error) {
  aborted = (error as DOMException).name;
}
const form = new FormData();
form.append("note", "hi");
form.append("file", new Blob(["abc"], { type: "text/plain" }), "a.txt");
const echo = await (await fetch("${api.origin}/echo", { method: "POST", body: form })).json();
const clone = structuredClone({ when: new Date(0), tags: new Set(["a"]) });
const order: string[] = [];
queueMicrotask(() => order.push("microtask"));
order.push("sync");
await Promise.resolve();
const t0 = performance.now();
export default {
  random: random.length, uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid), digest: digest[0],
  mac: mac.byteLength, keyType: key.type, extractable: key.extractable, valid, aborted,
  multipart: echo.type.startsWith("multipart/form-data; boundary=") && echo.body.includes('filename="a.txt"'),
  clone: clone.when instanceof Date && clone.tags.has("a"), order, elapsed: performance.now() - t0 >= 0,
};`,
    expected: {
      random: 4, uuid: true, digest: 0xba, mac: 32, keyType: "secret", extractable: false, valid: true, aborted: "AbortError",
      multipart: true, clone: true, order: ["sync", "microtask"], elapsed: true,
    },
  },
  "the toolsmith module and fetch": {
    code: () => `
import { basicAuth, progress, secret, sleep, workspace, type HostError, type WorkspaceEntry } from "toolsmith";

const token: string = secret("API_TOKEN");
const awaited = await secret("API_TOKEN");
await sleep(1);
await progress("starting", 0, 2);
const me = await fetch("${api.origin}/me", { headers: { authorization: "Bearer " + token } });
const who: { who: string } = await me.json();
const basic = await (await fetch(new Request("${api.origin}/basic", { headers: { authorization: basicAuth("ada", "pw") } }))).json();
const echo = await fetch("${api.origin}/echo", { method: "POST", body: new URLSearchParams({ a: "1" }) });
const echoed = await echo.json();
const written = await workspace.write("world/notes.txt", "hello");
await workspace.writeJson("world/data.json", { n: 1 });
const entries: WorkspaceEntry[] = await workspace.list("world");
const read = await workspace.read("world/notes.txt");
const data = await workspace.readJson("world/data.json");
let missing = "";
try {
  await workspace.read("world/none.txt");
} catch (error) {
  missing = (error as HostError).name;
}
let refused = "";
try {
  await fetch("https://refused.invalid/");
} catch (error) {
  const name: HostError["name"] = (error as HostError).name;
  refused = name;
}
const removed = await workspace.remove("world");
await progress("done", 2, 2);
export default {
  same: token === awaited, placeholder: token.includes("${TOKEN}"), status: me.status, who: who.who,
  basic: basic.authorization, echoed, written, entries: entries.map((e) => e.path + ":" + e.type + ":" + e.size),
  read, data, missing, refused, removed,
};`,
    expected: {
      same: true, placeholder: false, status: 200, who: "ada",
      basic: `Basic ${Buffer.from("ada:pw").toString("base64")}`,
      echoed: { method: "POST", body: "a=1", type: "application/x-www-form-urlencoded;charset=UTF-8" },
      written: { path: "world/notes.txt", bytes: 5 }, entries: ["world/data.json:file:12", "world/notes.txt:file:5"],
      read: "hello", data: { n: 1 }, missing: "WorkspaceError", refused: "NetworkRefusedError", removed: { removed: true },
    },
  },
};

describe("sandbox world: declarations match what guest code sees", () => {
  for (const [name, program] of Object.entries(programs)) {
    it(`${name}: type-checks with no diagnostic and runs in the sandbox`, async () => {
      const code = program.code();
      expect(diagnose({ code })).toEqual([]);
      const reply = await env.call("run_code", { code });
      expect(reply.isError, reply.text).toBe(false);
      expect(reply.body.result).toEqual(program.expected);
    });
  }

  it("misuse is a diagnostic: secret(1), a missing argument, an unknown export, a Node global", () => {
    const at = (code: string) => diagnose({ code }).map((d) => ({ line: d.line, code: d.code, severity: d.severity }));
    expect(at('import { secret } from "toolsmith";\nconst a = await secret("X");\nexport default a;')).toEqual([]);
    expect(at('import { secret } from "toolsmith";\nsecret(1);')).toEqual([{ line: 2, code: 2345, severity: "warning" }]);
    expect(at('import { workspace } from "toolsmith";\nawait workspace.read();')).toEqual([{ line: 2, code: 2554, severity: "warning" }]);
    expect(at('import { fetchJson } from "toolsmith";\nexport default fetchJson;')).toEqual([{ line: 1, code: 2305, severity: "error" }]);
    expect(at('import { __internal } from "toolsmith";\nexport default __internal;')).toEqual([{ line: 1, code: 2305, severity: "error" }]);
    const node = diagnose({ code: "export default process.env.HOME;" });
    expect(node).toHaveLength(1);
    expect(node[0]!.message).toMatch(/^Cannot find name 'process'\. The sandbox is neither Node\.js nor a browser: its globals are console, fetch/);
    expect(diagnose({ code: "const c = new AbortController(); setInterval(() => {}, 1);" }).map((d) => d.code)).toEqual([2304]);
    expect(diagnose({ code: "const r = await fetch('https://x.test'); r.body;" })[0]?.message).toMatch(/Property 'body' does not exist on type 'Response'/);
  });

  it("what diagnose calls certain to fail is what fails in the sandbox, and only that", async () => {
    const cases: Array<[string, "error" | "warning"]> = [
      ['import { Nope } from "toolsmith";\nexport default Nope;', "error"],
      ['import { secrt } from "toolsmith";\nexport default typeof secrt;', "error"],
      ['import "library/not-saved";\nexport default 1;', "error"],
      ['import * as t from "toolsmith";\nexport default t.secrt("X");', "error"],
      ['const m = await import("library/not-saved");\nexport default m;', "error"],
      // Used only as types: esbuild drops the import, the run never sees it.
      ['import { Nope } from "toolsmith";\nconst x: Nope = 1;\nexport default x;', "warning"],
      ['import type { Nope } from "toolsmith";\nexport default (1 as unknown as Nope);', "warning"],
      ['import { type Missing } from "library/not-saved";\nexport default (2 as unknown as Missing);', "warning"],
      // Reading a missing member of a namespace gives undefined; only calling it throws.
      ['import * as t from "toolsmith";\nexport default typeof t.secrt;', "warning"],
    ];
    for (const [code, expected] of cases) {
      const severities = diagnose({ code }).map((d) => d.severity);
      expect(severities.includes("error") ? "error" : "warning", code).toBe(expected);
      const reply = await env.call("run_code", { code });
      expect(reply.isError, `${code}\n${reply.text}`).toBe(expected === "error");
    }
  });

  it("every declared global and toolsmith export exists in the sandbox, and nothing else of toolsmith is public", async () => {
    const globals = ["console", "fetch", "Request", "Response", "Headers", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "atob", "btoa", "setTimeout", "clearTimeout"];
    for (const name of globals) expect(SANDBOX_WORLD_DTS).toMatch(new RegExp(`declare (var|function|class) ${name}\\b`));
    const reply = await env.call("run_code", {
      code: `const t = await import("toolsmith");\nexport default { exports: Object.keys(t).sort(), globals: ${JSON.stringify(globals)}.filter((n) => typeof (globalThis as any)[n] === "undefined") };`,
    });
    expect(reply.isError, reply.text).toBe(false);
    const declared = SANDBOX_WORLD_ENTRIES.filter((e) => e.import.includes('from "toolsmith"') && !e.import.startsWith("import type")).map((e) => e.name);
    expect(reply.body.result.exports.filter((n: string) => n !== "__internal")).toEqual([...declared].sort());
    expect(reply.body.result.globals).toEqual([]);
  });

  it("the world declarations have no errors of their own (checked without skipLibCheck)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toolsmith-world-"));
    try {
      const file = join(dir, "world.d.ts");
      await writeFile(file, SANDBOX_WORLD_DTS);
      const program = ts.createProgram([file], { lib: [...SANDBOX_LIBS], types: [], strict: true, noEmit: true, skipLibCheck: false });
      const problems = [...program.getSyntacticDiagnostics(program.getSourceFile(file)), ...program.getSemanticDiagnostics(program.getSourceFile(file))];
      expect(problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("lists one search entry per global group and per toolsmith export, each with a signature that names it", () => {
    expect(SANDBOX_WORLD_ENTRIES.map((e) => e.name)).toEqual(["console", "fetch", "URL", "TextEncoder", "atob", "setTimeout", "crypto", "AbortController", "FormData", "structuredClone", "secret", "sleep", "progress", "basicAuth", "workspace", "library", "verify", "schedules", "hooks", "errors"]);
    for (const entry of SANDBOX_WORLD_ENTRIES) {
      expect(entry.kind).toBe("builtin");
      expect(entry.description.length).toBeGreaterThan(20);
      expect(SANDBOX_WORLD_DTS).toContain(entry.signature.split("\n")[0]!.trim());
    }
    expect(SANDBOX_WORLD_ENTRIES.find((e) => e.name === "secret")).toMatchObject({
      import: 'import { secret } from "toolsmith";',
      signature: expect.stringContaining("export function secret(name: string): string;"),
    });
    expect(SANDBOX_WORLD_ENTRIES.find((e) => e.name === "secret")!.signature).toMatch(/returned synchronously \(a string,\s+\* not a promise\)/);
  });
});
