import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../../dist/sandbox/sandbox.js";
import { defaultConfig } from "../../dist/config/schema.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = new Sandbox(defaultConfig().limits, 2);
  await sandbox.start();
});
afterAll(() => sandbox.close());

describe("worker pool", () => {
  it("leaves no listener on a caller's signal once its runs are done (queued or not)", async () => {
    const caller = new AbortController();
    // Some start at once, some wait for a worker: both paths must clean up.
    const runs = Array.from({ length: 12 }, (_, i) => sandbox.run({ code: `export default ${i}`, signal: caller.signal }));
    const reports = await Promise.all(runs);
    expect(reports.map((r) => (r.ok ? r.result : r.error.name))).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("still cancels a queued run when its caller aborts", async () => {
    const blocker = sandbox.run({ code: "const end = Date.now() + 300; while (Date.now() < end) {} export default 'a'" });
    const blocker2 = sandbox.run({ code: "const end = Date.now() + 300; while (Date.now() < end) {} export default 'b'" });
    const caller = new AbortController();
    const queued = sandbox.run({ code: "export default 'never'", signal: caller.signal });
    caller.abort();
    const report = await queued;
    expect(report.ok).toBe(false);
    expect(report.ok ? "" : report.error.name).toBe("CancelledError");
    expect((await blocker).ok && (await blocker2).ok).toBe(true);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });
});

describe("worker pool: prepared workers", () => {
  it("each worker says through shared memory when its next guest is prepared, and a sequence of runs stays on the warmest one", async () => {
    type Slot = { readiness: Int32Array; lastRunId: number; worker: { threadId: number } };
    const slots = () => (sandbox as unknown as { pool: { slots: Slot[] } }).pool.slots;
    const allReady = async () => {
      const until = Date.now() + 5000;
      while (!slots().every((slot) => Atomics.load(slot.readiness, 0) === slot.lastRunId)) {
        if (Date.now() > until) throw new Error(`not ready: ${JSON.stringify(slots().map((s) => [Atomics.load(s.readiness, 0), s.lastRunId]))}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await allReady();
    const served: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect((await sandbox.run({ code: `export default ${i}` })).ok).toBe(true);
      const latest = slots().reduce((a, b) => (b.lastRunId > a.lastRunId ? b : a));
      served.push(latest.worker.threadId);
      // Once prepared again, the worker that served last is the one the next run goes to.
      await allReady();
    }
    expect(new Set(served).size).toBe(1);
  });
});

describe("worker pool: polling for quick host calls", () => {
  it("answers thousands of sequential host calls while the main thread's timers keep firing", async () => {
    const calls = 3000;
    const code = `import { progress } from "toolsmith";\nlet n = 0;\nfor (let i = 0; i < ${calls}; i++) { await progress("x"); n++; }\nexport default n;`;
    // Warm: quick answers are what make both threads poll.
    for (let i = 0; i < 4; i++) await sandbox.run({ code, host: { hostFunctions: ["progress"], onHostCall: async () => undefined } });
    let ticks = 0;
    let answered = 0;
    const interval = setInterval(() => ticks++, 1);
    const started = performance.now();
    try {
      const report = await sandbox.run({
        code,
        host: {
          hostFunctions: ["progress"],
          onHostCall: async () => {
            answered++;
            return undefined;
          },
        },
      });
      expect(report.ok ? report.result : report.error).toBe(calls);
    } finally {
      clearInterval(interval);
    }
    const elapsedMs = performance.now() - started;
    expect(answered).toBe(calls);
    // Polling never holds the event loop for more than ~2 ms at a time, so a 1 ms interval
    // fires at least every few ms of the run (generously: once per 10 ms).
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsedMs / 10));
  });
});

describe("a run waiting on a host call", () => {
  /** The pool's worker threads: a run stopped the hard way (its worker terminated) changes them. */
  const threadIds = () => (sandbox as unknown as { pool: { slots: Array<{ worker: { threadId: number } }> } }).pool.slots.map((slot) => slot.worker.threadId).sort();
  /** A host function that answers after `ms` (bounded: the timer is the only thing it waits on). */
  const answerAfter = (ms: number, answered: string[]) => async (name: string) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    answered.push(name);
    return JSON.stringify("late");
  };

  it("ends at its deadline, not when the answer comes; the late answer is dropped and the worker serves on", async () => {
    const answered: string[] = [];
    const workers = threadIds();
    const started = Date.now();
    const report = await sandbox.run({
      code: `import { __internal } from "toolsmith";
export default await __internal.hostCall("slow", {});`,
      host: { hostFunctions: ["slow"], onHostCall: answerAfter(1500, answered) },
      timeoutMs: 200,
    });
    expect(report.ok ? report.result : report.error.name).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(1500);
    // The worker noticed the deadline itself: no hard stop replaced it.
    expect(threadIds()).toEqual(workers);
    const after = await sandbox.run({ code: "export default 'next'" });
    expect(after.ok ? after.result : after.error).toBe("next");
  });

  it("ends when its caller cancels while it waits, and one answered before the cancel still counts", async () => {
    const answered: string[] = [];
    const workers = threadIds();
    const caller = new AbortController();
    const run = sandbox.run({
      code: `import { __internal } from "toolsmith";
const first = await __internal.hostCall("quick", {});
globalThis.seen = first;
export default await __internal.hostCall("slow", {});`,
      signal: caller.signal,
      host: {
        hostFunctions: ["quick", "slow"],
        onHostCall: async (name) => {
          if (name === "quick") {
            answered.push(name);
            // The guest got its first answer and now waits on the second: cancel then.
            setTimeout(() => caller.abort(), 50);
            return JSON.stringify("quick");
          }
          return answerAfter(1500, answered)(name);
        },
      },
    });
    const report = await run;
    expect(report.ok ? report.result : report.error.name).toBe("CancelledError");
    expect(answered).toEqual(["quick"]);
    expect(threadIds()).toEqual(workers);
    const after = await sandbox.run({ code: "export default typeof globalThis.seen" });
    expect(after.ok ? after.result : after.error).toBe("undefined");
  });
});

describe("host-call arguments reach the host as the guest's JSON", () => {
  /** Runs `code` with an "echo" host function; its result (or error) and the JSON of each call's arguments. */
  async function echoing(code: string): Promise<{ result: unknown; received: string[] }> {
    const received: string[] = [];
    const report = await sandbox.run({
      code,
      host: {
        hostFunctions: ["echo"],
        onHostCall: async (_name, argsJson) => {
          received.push(argsJson);
          return undefined;
        },
      },
    });
    return { result: report.ok ? report.result : report.error, received };
  }

  it("plain, nested, self-referencing, accessor and Map arguments; a getter runs once", async () => {
    const { result, received } = await echoing(`import { __internal } from "toolsmith";
let reads = 0;
const withGetter = { a: 1, get b() { reads++; return "got"; } };
const self: any = { q: "x", n: 2 }; self.me = self;
await __internal.hostCall("echo", { message: "flat", n: 1.5, ok: true, none: null, skip: undefined });
await __internal.hostCall("echo", withGetter);
await __internal.hostCall("echo", self);
await __internal.hostCall("echo", { nested: { deep: [1, 2] }, map: new Map([["k", 1]]), big: 10n });
await __internal.hostCall("echo", { toJSON() { return "custom"; } });
export default reads;`);
    expect(result).toBe(1);
    expect(received).toEqual([
      '{"message":"flat","n":1.5,"ok":true,"none":null}',
      '{"a":1,"b":"got"}',
      '{"q":"x","n":2,"me":"[Circular]"}',
      '{"nested":{"deep":[1,2]},"map":{"k":1},"big":"10"}',
      '"custom"',
    ]);
  });

  it("nested trees: the same JSON whichever way they are serialized, and a nested getter runs once", async () => {
    const { result, received } = await echoing(`import { __internal } from "toolsmith";
let reads = 0;
const holey = [1, , 3]; holey[5] = undefined;
const indexGetter: unknown[] = [0]; Object.defineProperty(indexGetter, 1, { get() { reads++; return "index"; }, enumerable: true });
const ring: any[] = ["r"]; ring.push({ back: ring });
let deep: any = { leaf: true }; for (let i = 0; i < 10; i++) deep = { d: deep };
const wide = { items: Array.from({ length: 300 }, (_, i) => ({ i })) };
const sends = [
  { server: "memory", tool: "read_graph", args: {} },
  { outer: { get inner() { reads++; return { x: 1 }; } } },
  { list: [{ toJSON() { return "item"; } }, new Date(0), () => 1, Symbol("s"), NaN, -0, Infinity] },
  { holey, indexGetter },
  { ring },
  deep,
  { rows: [[1, "a", null], [true, { k: undefined }]], empty: { a: [], o: {} } },
  { m: [new Map([["k", 2n]])] },
];
for (const args of sends) await __internal.hostCall("echo", args);
await __internal.hostCall("echo", wide);
export default reads;`);
    expect(result).toBe(2);
    let deepJson = '{"leaf":true}';
    for (let i = 0; i < 10; i++) deepJson = `{"d":${deepJson}}`;
    expect(received.slice(0, 8)).toEqual([
      '{"server":"memory","tool":"read_graph","args":{}}',
      '{"outer":{"inner":{"x":1}}}',
      '{"list":["item","1970-01-01T00:00:00.000Z",null,null,null,0,null]}',
      '{"holey":[1,null,3,null,null,null],"indexGetter":[0,"index"]}',
      '{"ring":["r",{"back":"[Circular]"}]}',
      deepJson,
      '{"rows":[[1,"a",null],[true,{}]],"empty":{"a":[],"o":{}}}',
      '{"m":[{"k":"2"}]}',
    ]);
    expect(JSON.parse(received[8]!)).toEqual({ items: Array.from({ length: 300 }, (_, i) => ({ i })) });
  });
});

describe("a run stuck in a native built-in past its deadline", () => {
  it("is stopped by terminating its worker, which a new worker replaces", async () => {
    const big = new Sandbox({ ...defaultConfig().limits, memoryMb: 128 }, 1);
    await big.start();
    try {
      const threadIds = () => (big as unknown as { pool: { slots: Array<{ worker: { threadId: number } }> } }).pool.slots.map((s) => s.worker.threadId);
      expect((await big.run({ code: "export default 1" })).ok).toBe(true);
      const before = threadIds();
      // Two split() calls in C, 0.25-0.35 s each here, with no bytecode between them for the
      // interrupt handler to run on: only the main thread's hard stop (deadline + 150 ms) ends it.
      const report = await big.run({ code: "const s = 'a'.repeat(3e6); export default s.split('').length + s.split('').length;", timeoutMs: 10 });
      expect(report.ok ? report.result : report.error.name).toBe("TimeoutError");
      expect(threadIds()).not.toEqual(before);
      expect((await big.run({ code: "export default 2" })).ok).toBe(true);
    } finally {
      await big.close();
    }
  });
});
