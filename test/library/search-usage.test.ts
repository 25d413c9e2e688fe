import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

describe("usage figures say what they count", () => {
  const server = useServer();
  const usageOf = async (name: string) => (await server.env.call("search_library", { query: name, limit: 20 })).body.results.find((r: { name: string }) => r.name === name)?.usage;
  const run = async (code: string) => {
    const reply = await server.env.call("run_code", { code });
    expect(reply.isError, reply.text).toBe(false);
    return reply.body;
  };

  it("an integration imported by another does not get its caller's runs, time or lastRunAt", async () => {
    for (const [name, code, test] of [
      ["usage/base", "export const double = (n: number): number => n * 2;", 'import { double } from "library/usage/base";\nif (double(2) !== 4) throw new Error("double");'],
      ["usage/top", 'import { double } from "library/usage/base";\nexport const quadruple = (n: number): number => double(double(n));', 'import { quadruple } from "library/usage/top";\nif (quadruple(1) !== 4) throw new Error("quadruple");'],
    ]) {
      const saved = await server.env.call("save_integration", { name, description: `${name} helper`, code, test });
      expect(saved.isError, saved.text).toBe(false);
    }
    for (let i = 0; i < 3; i++) await run('import { quadruple } from "library/usage/top";\nexport default quadruple(2);');
    const top = await usageOf("usage/top");
    expect(top).toMatchObject({ runs: 3, failures: 0 });
    expect(typeof top.typicalMs).toBe("number");
    expect(typeof top.lastRunAt).toBe("string");
    const base = await usageOf("usage/base");
    expect(base).toEqual({ runs: 0, failures: 0, indirectRuns: 3 });
  });

  it("typicalMs is the median of recent successful runs: one slow run does not move it there", async () => {
    const before = (await usageOf("usage/top")).typicalMs as number;
    const slow = await run('import { quadruple } from "library/usage/top";\nconst end = Date.now() + 1000;\nwhile (Date.now() < end) {}\nexport default quadruple(1);');
    const after = (await usageOf("usage/top")).typicalMs as number;
    expect(slow.durationMs).toBeGreaterThanOrEqual(1000);
    expect(after).toBeLessThan(slow.durationMs);
    expect(after).toBeGreaterThanOrEqual(before);
    expect((await usageOf("usage/top")).runs).toBe(4);
  });

  it("typicalMs is not shown until three successful direct runs were timed", async () => {
    const saved = await server.env.call("save_integration", { name: "usage/fresh", description: "fresh helper", code: "export const one = (): number => 1;", test: 'import { one } from "library/usage/fresh";\nif (one() !== 1) throw new Error("one");' });
    expect(saved.isError, saved.text).toBe(false);
    await run('import { one } from "library/usage/fresh";\nexport default one();');
    const fresh = await usageOf("usage/fresh");
    expect(fresh).toMatchObject({ runs: 1, failures: 0 });
    expect(fresh.typicalMs).toBeUndefined();
  });
});
