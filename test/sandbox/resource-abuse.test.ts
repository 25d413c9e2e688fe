import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

/** Each abuse, with the error it must end in (or null when it may finish normally). */
const ABUSES: Array<{ name: string; code: string; ends: RegExp | null }> = [
  { name: "CPU loop", code: "for (;;) {}", ends: /TimeoutError/ },
  { name: "native built-in (split of a huge string)", code: "export default 'a'.repeat(6e6).split('').length", ends: /TimeoutError|MemoryError/ },
  { name: "regex backtracking", code: "export default /^(a|aa)+$/.test('a'.repeat(60) + 'b')", ends: /TimeoutError/ },
  { name: "promise storm", code: "let p = Promise.resolve(); for (;;) { p = p.then(() => 1); await null; }", ends: /TimeoutError|MemoryError/ },
  { name: "microtask flood", code: "const go = () => Promise.resolve().then(go); go(); await new Promise(() => setTimeout(() => {}, 1e9));", ends: /TimeoutError|MemoryError/ },
  { name: "thousands of host calls", code: 'import { progress } from "toolsmith"; for (let i = 0; i < 20000; i++) await progress("x"); export default 1', ends: /LimitError|TimeoutError/ },
  { name: "result with cycles", code: "const a: any = { b: {} }; a.b.a = a; a.list = [a, a.b]; export default a", ends: null },
  { name: "BigInt everywhere", code: "export default { big: 2n ** 200n, list: [1n, -3n], map: new Map([[1n, 2n]]) }", ends: null },
  { name: "throwing getter in the result", code: "export default { get boom() { throw new Error('getter says no'); } }", ends: /getter says no/ },
  { name: "toJSON that spins", code: "export default { toJSON() { for (;;) {} } }", ends: /TimeoutError/ },
  { name: "huge string", code: "let s = 'x'; for (let i = 0; i < 40; i++) s = s + s; export default s.length", ends: /MemoryError|InternalError|RangeError/ },
  { name: "huge typed arrays", code: "const keep = []; for (let i = 0; i < 100; i++) keep.push(new Float64Array(1 << 20)); export default keep.length", ends: /MemoryError/ },
  { name: "huge result", code: "export default Array.from({ length: 200000 }, (_, i) => ({ i, s: 'row ' + i }))", ends: null },
  { name: "deep recursion", code: "const f = (n: number): number => f(n + 1) + 1; export default f(0)", ends: /RangeError/ },
  { name: "never-settling promise", code: "export default new Promise(() => {})", ends: /NeverSettledError/ },
  { name: "timer far in the future", code: "export default await new Promise((r) => setTimeout(r, 1e9))", ends: /TimeoutError/ },
  { name: "thousands of timers", code: "for (let i = 0; i < 20000; i++) setTimeout(() => {}, 1e6); export default 'armed'", ends: null },
];

const server = useServer({ limits: { timeoutMs: 1500, memoryMb: 64, maxHostCalls: 5000, maxOutputChars: 5000, maxLogChars: 5000 } });

describe("resource abuse, while the server keeps serving others", () => {
  it.each(ABUSES)("$name", async ({ code, ends }) => {
    const abuse = server.env.call("run_code", { code });
    // A bystander keeps getting answers while the abuse runs.
    const bystander: unknown[] = [];
    for (let i = 0; i < 5; i++) bystander.push((await server.env.call("run_code", { code: `export default ${i} * 2` })).body.result);
    expect(bystander).toEqual([0, 2, 4, 6, 8]);
    const reply = await abuse;
    if (ends) {
      expect(reply.isError, reply.text.slice(0, 300)).toBe(true);
      expect(`${reply.body.error.name}: ${reply.body.error.message}`).toMatch(ends);
    } else {
      expect(reply.isError, reply.text.slice(0, 300)).toBe(false);
    }
    expect(reply.text.length).toBeLessThan(20_000);
    JSON.parse(reply.text);
    expect((await server.env.call("run_code", { code: "export default 'after'" })).body.result).toBe("after");
  });
});

// Bounded by count, not by the clock: 200,000 lines (5 MB, a thousand times the log cap) must
// finish and be capped, however loaded the machine is, so this run gets a generous deadline.
describe("giant logs", () => {
  const logServer = useServer({ limits: { timeoutMs: 60_000, maxOutputChars: 5000, maxLogChars: 5000 } });

  it("keeps the run's logs within the cap and finishes", async () => {
    const reply = await logServer.env.call("run_code", { code: "for (let i = 0; i < 200_000; i++) console.log('spam spam spam spam ' + i); export default 'logged'" });
    expect(reply.isError, reply.text.slice(0, 300)).toBe(false);
    expect(reply.body.result).toBe("logged");
    expect(reply.body.logs.length).toBeLessThan(1_000);
    expect(JSON.stringify(reply.body.logs)).toMatch(/omitted|truncated|more/i);
    expect(reply.text.length).toBeLessThan(20_000);
  });
});
