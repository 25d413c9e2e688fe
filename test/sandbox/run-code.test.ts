import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

// A generous deadline: cases that expect another limit (memory, output) must not race the clock on a
// loaded machine; cases about the deadline pass their own short timeoutMs.
const server = useServer({ limits: { timeoutMs: 20_000, memoryMb: 128, maxOutputChars: 2000, maxLogChars: 500 } });

const run = (code: string, timeoutMs?: number) => server.env.call("run_code", timeoutMs === undefined ? { code } : { code, timeoutMs });

/** After any failure, the sandbox must still serve the next run. */
async function expectNextRunWorks() {
  const next = await run("export default 40 + 2");
  expect(next.isError).toBe(false);
  expect(next.body.result).toBe(42);
}

describe("run_code: results", () => {
  it("returns the default export with logs and a duration", async () => {
    const reply = await run('console.log("hello", { a: 1 }); console.warn("careful"); export default { sum: 1 + 2 }');
    expect(reply.isError).toBe(false);
    expect(reply.body).toMatchObject({ ok: true, result: { sum: 3 } });
    expect(reply.body.logs).toEqual([
      { level: "log", text: 'hello {"a":1}' },
      { level: "warn", text: "careful" },
    ]);
    expect(typeof reply.body.durationMs).toBe("number");
    expect(JSON.parse(reply.text)).toEqual(reply.body);
  });

  it("runs TypeScript with top-level await", async () => {
    const reply = await run(`
      interface Point { x: number; y: number }
      const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
      await wait(5);
      const p: Point = { x: 2, y: 3 };
      export default p.x * p.y;`);
    expect(reply.body.result).toBe(6);
  });

  it("awaits a default export that is a promise", async () => {
    expect((await run("export default Promise.resolve('later')")).body.result).toBe("later");
  });

  it("turns undefined into null, BigInt into a string and cuts cycles", async () => {
    expect((await run("export default undefined")).body.result).toBeNull();
    expect((await run("const a: any = { n: 12345678901234567890n }; a.self = a; export default a")).body.result).toEqual({ n: "12345678901234567890", self: "[Circular]" });
    expect((await run("export default new Map([['a', new Set([1, 2])]])")).body.result).toEqual({ a: [1, 2] });
  });

  it("lowers syntax QuickJS lacks (using declarations)", async () => {
    const reply = await run(`
      const log: string[] = [];
      { using r = { [Symbol.dispose]() { log.push("disposed"); } }; log.push("used"); }
      export default log;`);
    expect(reply.body.result).toEqual(["used", "disposed"]);
  });

  it("provides the documented web globals", async () => {
    const reply = await run(`
      const u = new URL("https://api.example.com/v1/items?page=2#top");
      u.searchParams.set("q", "a b");
      const bytes = new TextEncoder().encode("héllo");
      export default {
        href: u.href, host: u.host, page: u.searchParams.get("page"),
        bytes: bytes.length, text: new TextDecoder().decode(bytes),
        b64: btoa("hi"), raw: atob("aGk="),
        params: new URLSearchParams({ a: "1", b: "x y" }).toString(),
        timer: typeof setTimeout + typeof clearTimeout,
      };`);
    expect(reply.body.result).toEqual({
      href: "https://api.example.com/v1/items?page=2&q=a+b#top",
      host: "api.example.com",
      page: "2",
      bytes: 6,
      text: "héllo",
      b64: "aGk=",
      raw: "hi",
      params: "a=1&b=x+y",
      timer: "functionfunction",
    });
  });

  it("clears timers with clearTimeout", async () => {
    const reply = await run(`
      let fired = false;
      const id = setTimeout(() => { fired = true; }, 10);
      clearTimeout(id);
      await new Promise((r) => setTimeout(r, 30));
      export default fired;`);
    expect(reply.body.result).toBe(false);
  });

  it("exposes no host globals", async () => {
    const reply = await run(`
      export default {
        process: typeof process, require: typeof require, module: typeof module, Buffer: typeof Buffer,
        fs: typeof fs, worker: typeof postMessage, internals: typeof __toolsmith_internals,
        hostLog: typeof __ts_log, hostCall: typeof __ts_hostCall, parseUrl: typeof __toolsmith_host_parseUrl,
        globals: Object.getOwnPropertyNames(globalThis).filter((k) => k.startsWith("__")),
        fnCtor: (() => { try { return typeof (function () {}).constructor("return process")(); } catch (e) { return "threw"; } })(),
      };`);
    expect(reply.body.result).toEqual({
      process: "undefined",
      require: "undefined",
      module: "undefined",
      Buffer: "undefined",
      fs: "undefined",
      worker: "undefined",
      internals: "undefined",
      hostLog: "undefined",
      hostCall: "undefined",
      parseUrl: "undefined",
      globals: [],
      fnCtor: "threw",
    });
  });

  it("refuses imports of Node built-ins and npm packages", async () => {
    for (const spec of ["node:fs", "fs", "child_process", "lodash", "/etc/passwd", "../x"]) {
      const reply = await run(`import x from "${spec}"; export default x`);
      expect(reply.isError, spec).toBe(true);
      expect(reply.body.error.message).toContain(`Cannot import '${spec}'`);
    }
    await expectNextRunWorks();
  });

  it("keeps no state between runs (globals, prototypes, built-ins), and Math.random never repeats a run's draws", async () => {
    const first = await run("globalThis.leak = 'secret'; Array.prototype.evil = 1; JSON.stringify = () => 'hijacked'; export default [Math.random(), Math.random()]");
    const second = await run("export default [typeof globalThis.leak, [].evil ?? 'clean', JSON.stringify({ a: 1 }), Math.random(), Math.random()]");
    const [leak, evil, json, ...draws] = second.body.result as [string, string, string, number, number];
    expect([leak, evil, json]).toEqual(["undefined", "clean", '{"a":1}']);
    expect(draws).not.toEqual(first.body.result);
    expect(new Set([...(first.body.result as number[]), ...draws]).size).toBe(4);
  });
});

describe("run_code: errors point at the agent's code", () => {
  it("reports a thrown error with line and column in the TypeScript source", async () => {
    const reply = await run(`type Item = { id: number };
const items: Item[] = [{ id: 1 }];

function find(id: number): Item {
  const item = items.find((i) => i.id === id);
  if (!item) throw new Error("no item " + id);
  return item;
}
export default find(7);`);
    expect(reply.isError).toBe(true);
    expect(reply.body.ok).toBe(false);
    expect(reply.body.error).toMatchObject({ name: "Error", message: "no item 7", line: 6 });
    expect(reply.body.error.column).toBeGreaterThanOrEqual(14);
    expect(reply.body.error.stack).toContain("main.ts:6:");
  });

  it("reports syntax errors with their position", async () => {
    const reply = await run("const a = 1;\nconst b = ;\nexport default a");
    expect(reply.isError).toBe(true);
    expect(reply.body.error).toMatchObject({ name: "SyntaxError", line: 2 });
  });

  it("reports thrown non-Error values", async () => {
    const reply = await run('throw { code: 42 }');
    expect(reply.body.error.message).toContain('{"code":42}');
    const str = await run('throw "plain string"');
    expect(str.body.error.message).toContain("plain string");
  });

  it("keeps logs written before a failure", async () => {
    const reply = await run('console.log("step 1"); throw new TypeError("bad")');
    expect(reply.body.logs).toEqual([{ level: "log", text: "step 1" }]);
    expect(reply.body.error.name).toBe("TypeError");
  });
});

describe("run_code: limits end the run and the next run works", () => {
  it("stops an infinite loop at the deadline", async () => {
    const reply = await run("while (true) {}", 300);
    expect(reply.body.error.name).toBe("TimeoutError");
    expect(reply.body.error.message).toContain("300 ms");
    await expectNextRunWorks();
  });

  it("stops a long native built-in (by terminating the worker)", async () => {
    // Two split() calls in C, 0.25-0.35 s each here: the interrupt handler never gets a say,
    // so the main thread terminates the worker 150 ms after the (shortest allowed) deadline
    // (test/worker-pool.test.ts checks that the worker is replaced).
    const reply = await run("const s = 'a'.repeat(3e6); export default s.split('').length + s.split('').length", 10);
    expect(reply.body.error.name).toBe("TimeoutError");
    await expectNextRunWorks();
  });

  it("stops catastrophic regex backtracking", async () => {
    const reply = await run("export default /^(a+)+$/.test('a'.repeat(40) + 'b')", 300);
    expect(reply.body.error.name).toBe("TimeoutError");
    await expectNextRunWorks();
  });

  it("ends a huge string under the memory cap", async () => {
    const reply = await run("const keep = []; for (let i = 0; i < 300; i++) keep.push(String(i % 10).repeat(1 << 20)); export default keep.length");
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("MemoryError");
    expect(reply.body.error.message).toContain("128 MB");
    await expectNextRunWorks();
  });

  it("ends huge typed arrays under the memory cap", async () => {
    const reply = await run("const a = new Uint8Array(256 * 1024 * 1024); export default a.length");
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("MemoryError");
    await expectNextRunWorks();
  });

  it("ends deep recursion with a clear error", async () => {
    const reply = await run("function down(n: number): number { return down(n + 1) + 1 }\nexport default down(0)");
    expect(reply.body.error.name).toBe("RangeError");
    expect(reply.body.error.message).toContain("call stack");
    expect(reply.body.error.line).toBe(1);
    await expectNextRunWorks();
  });

  it("reports a promise that can never settle at once, not at the deadline", async () => {
    const reply = await run("export default new Promise(() => {})", 1500);
    expect(reply.body.error.name).toBe("NeverSettledError");
    expect(reply.body.durationMs).toBeLessThan(1500);
    await expectNextRunWorks();
  });

  it("ends a promise kept pending by a far timer at the deadline", async () => {
    const reply = await run("export default new Promise((r) => setTimeout(r, 60_000))", 300);
    expect(reply.body.error.name).toBe("TimeoutError");
  });

  it("truncates huge output and keeps it valid JSON", async () => {
    const reply = await run("export default { rows: Array.from({ length: 5000 }, (_, i) => ({ i, text: 'row ' + i })), note: 'x'.repeat(10000) }");
    expect(reply.isError).toBe(false);
    expect(reply.body.truncated).toBe(true);
    expect(JSON.stringify(reply.body.result).length).toBeLessThanOrEqual(2000);
    expect(reply.body.result.rows.at(-1)).toMatch(/^…\[\+\d+ items\]$/);
    expect(JSON.parse(reply.text).truncated).toBe(true);
  });

  it("caps logs and says so", async () => {
    const reply = await run("for (let i = 0; i < 1000; i++) console.log('line ' + i); export default 'done'");
    expect(reply.body.result).toBe("done");
    const text = reply.body.logs.map((l: { text: string }) => l.text).join("\n");
    expect(text).toContain("logs truncated at 500 characters");
    expect(text.length).toBeLessThan(700);
  });

  it("refuses code over the size limit", async () => {
    const reply = await server.env.call("run_code", { code: `export default "${"x".repeat(250_000)}"` });
    expect(reply.body.error.name).toBe("LimitError");
    expect(reply.body.error.message).toContain("maxCodeChars");
  });

  it("runs other work while one run spins", async () => {
    const spinning = run("while (true) {}", 1500);
    const quick = await run("export default 'still serving'");
    expect(quick.body.result).toBe("still serving");
    expect((await spinning).body.error.name).toBe("TimeoutError");
  });
});

describe("run_code: bad input", () => {
  it("rejects missing or mistyped arguments with a clear error", async () => {
    for (const args of [{}, { code: 42 }, { code: "export default 1", timeoutMs: -5 }, { code: "export default 1", timeoutMs: "fast" }]) {
      const result = (await server.env.client.callTool({ name: "run_code", arguments: args as Record<string, unknown> })) as any;
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(result.content[0].text).toMatch(/validation|invalid|expected/i);
    }
    await expectNextRunWorks();
  });
});

describe("run_code: progress", () => {
  it("sends progress() as MCP progress notifications when the client asks", async () => {
    const seen: Array<{ progress: number; message?: string }> = [];
    const result = (await server.env.client.callTool(
      { name: "run_code", arguments: { code: 'import { progress, sleep } from "toolsmith";\nawait progress("half");\nawait sleep(5);\nawait progress("done", 2, 2);\nexport default "ok"' } },
      { onprogress: (p: { progress: number; message?: string }) => seen.push(p) } as any,
    )) as any;
    expect(result.structuredContent.result).toBe("ok");
    expect(seen.map((p) => p.message)).toEqual(["half", "done"]);
    expect(seen[1]).toMatchObject({ progress: 2, total: 2 });
  });
});

describe("run_code: the configured deadline", () => {
  const short = useServer({ limits: { timeoutMs: 500 } });

  it("is never exceeded by a larger timeoutMs", async () => {
    const reply = await short.env.call("run_code", { code: "while (true) {}", timeoutMs: 10_000_000 });
    expect(reply.body.error.name).toBe("TimeoutError");
    expect(reply.body.error.message).toContain("500 ms");
  });
});
