import { readFile, stat, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { COUNTER_CODE, COUNTER_TEST, records, until } from "./fixtures.js";

const run = async (env: Connected, code: string) => env.call("run_code", { code: `import { schedules, hooks } from "toolsmith";\n${code}` });

describe("schedules in the toolsmith module (real MCP client)", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  let env: Connected;
  beforeAll(async () => {
    ({ home, cleanup } = await makeHome());
    env = await connect(home);
    const saved = await env.call("save_integration", { name: "demo/counter", description: "Counter for schedule tests", code: COUNTER_CODE, test: COUNTER_TEST });
    expect(saved.isError, saved.text).toBe(false);
  });
  afterAll(async () => {
    await env.close();
    await cleanup();
  });

  it("set stores the schedule in schedules.json and gives the next due time in its time zone", async () => {
    const reply = await run(env, 'export default await schedules.set("weekly", { cron: "0 9 * * MON", tz: "Europe/Berlin", integration: "demo/counter", export: "tick", args: [41] });');
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toMatchObject({ id: "weekly", created: true });
    const next = new Date(reply.body.result.next);
    expect(next.getUTCDay()).toBe(1);
    expect([7, 8]).toContain(next.getUTCHours()); // 9:00 in Berlin is 8:00 UTC in winter, 7:00 in summer
    const file = JSON.parse(await readFile(join(home, "schedules.json"), "utf8"));
    expect(file.schedules.weekly).toEqual({ cron: "0 9 * * MON", tz: "Europe/Berlin", integration: "demo/counter", export: "tick", args: [41] });
  });

  it("runNow runs it as an ordinary run and records the outcome with the integration's version", async () => {
    const reply = await run(env, 'export default await schedules.runNow("weekly");');
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toMatchObject({ ok: true, result: 42 });
    const [record] = await records(home, "weekly");
    expect(`weekly/${record.file.replace(/\.json$/, "")}`).toBe(reply.body.result.runId);
    const version = (await env.toolsmith.get("demo/counter"))!.version!;
    expect(record).toMatchObject({ ok: true, result: 42, trigger: "manual", integration: "demo/counter", export: "tick", versions: { "demo/counter": version } });
    expect(typeof record.durationMs).toBe("number");
    expect(Date.parse(record.startedAt)).not.toBeNaN();
    const listed = await run(env, 'export default await schedules.list();');
    expect(listed.body.result).toEqual([expect.objectContaining({ id: "weekly", running: false, lastRun: expect.objectContaining({ runId: reply.body.result.runId, ok: true }) })]);
  });

  it("a failing scheduled run is recorded and counts in the integration's usage figures", async () => {
    await run(env, 'export default await schedules.set("broken", { cron: "0 0 1 1 *", integration: "demo/counter", export: "fail" });');
    const reply = await run(env, 'export default await schedules.runNow("broken");');
    expect(reply.body.result).toMatchObject({ ok: false, error: { name: "Error", message: "service said no" } });
    const [record] = await records(home, "broken");
    expect(record).toMatchObject({ ok: false, error: { message: "service said no" } });
    const search = await env.call("search_library", { query: "counter" });
    const usage = search.body.results.find((r: { name: string }) => r.name === "demo/counter").usage;
    expect(usage.failures).toBeGreaterThanOrEqual(1);
    expect(usage.lastError).toBe("Error: service said no");
  });

  it("refuses bad ids, crons, time zones and targets with ScheduleError messages that say what to fix", async () => {
    const cases: Array<[string, string]> = [
      ['schedules.set("Bad Id", { cron: "* * * * *", integration: "demo/counter", export: "tick" })', "lower-case letters"],
      ['schedules.set("x", { cron: "61 * * * *", integration: "demo/counter", export: "tick" })', "is not a cron expression"],
      ['schedules.set("x", { cron: "0 9 * * *", tz: "Mars/Base", integration: "demo/counter", export: "tick" })', "is not a time zone"],
      ['schedules.set("x", { cron: "0 9 * * *", integration: "demo/nothing", export: "tick" })', "No integration 'demo/nothing'"],
      ['schedules.set("x", { cron: "0 9 * * *", integration: "demo/counter", export: "tock" })', "It exports: "],
      ['schedules.set("x", { cron: "0 9 * * *", integration: "demo/counter", export: "tick", args: 5 })', "as an array"],
      ['schedules.runNow("missing")', "No schedule 'missing'"],
    ];
    for (const [call, message] of cases) {
      const reply = await run(env, `try { await ${call}; export default "no error"; } catch (e) { export default { name: e.name, message: e.message }; }`.replace("export default \"no error\"; } catch (e) { export default", "var out: unknown = \"no error\"; } catch (e: any) { out =").replace("}; }", "}; }\nexport default out;"));
      expect(reply.body.result?.name, `${call}: ${reply.text}`).toBe("ScheduleError");
      expect(reply.body.result.message).toContain(message);
    }
    const file = JSON.parse(await readFile(join(home, "schedules.json"), "utf8"));
    expect(Object.keys(file.schedules).sort()).toEqual(["broken", "weekly"]);
  });

  it("remove deletes it", async () => {
    const reply = await run(env, 'export default [await schedules.remove("broken"), await schedules.remove("broken")];');
    expect(reply.body.result).toEqual([{ removed: true }, { removed: false }]);
  });

  it("hooks.set shows the secret once; list never does; hooks.json is readable by its owner only", async () => {
    const first = await run(env, 'export default await hooks.set("gh", { integration: "demo/counter", export: "echo" });');
    expect(first.body.result).toMatchObject({ path: "/hooks/gh", created: true });
    expect(first.body.result.secret).toMatch(/^[0-9a-f]{64}$/);
    const again = await run(env, 'export default await hooks.set("gh", { integration: "demo/counter", export: "echo", reply: "async" });');
    expect(again.body.result).toEqual({ path: "/hooks/gh", created: false });
    const listed = await run(env, "export default await hooks.list();");
    expect(listed.body.result).toEqual([{ id: "gh", path: "/hooks/gh", integration: "demo/counter", export: "echo", reply: "async" }]);
    expect(listed.text).not.toContain(first.body.result.secret);
    expect((await stat(join(home, "hooks.json"))).mode & 0o777).toBe(0o600);
    const bad = await run(env, 'let out: unknown; try { await hooks.set("gh2", { integration: "demo/counter" }); } catch (e: any) { out = [e.name, e.message]; }\nexport default out;');
    expect(bad.body.result[0]).toBe("HookError");
    expect(bad.body.result[1]).toContain("'export'");
    expect((await run(env, 'export default await hooks.remove("gh");')).body.result).toEqual({ removed: true });
  });
});

describe("schedules fired by the running server", () => {
  it("survive a restart, catch up a missed firing once, and keep going past a bad entry in schedules.json", async () => {
    const { home, cleanup } = await makeHome();
    try {
      const logs: string[] = [];
      let env = await connect(home, undefined, { log: (l) => logs.push(l) });
      const saved = await env.call("save_integration", { name: "demo/counter", description: "Counter for schedule tests", code: COUNTER_CODE, test: COUNTER_TEST });
      expect(saved.isError, saved.text).toBe(false);
      // Written by hand, as a person might: one good schedule, one with a bad cron, and a yearly one last handled in 2020.
      await writeFile(join(home, "schedules.json"), JSON.stringify({ schedules: {
        "every-second": { cron: "* * * * * *", integration: "demo/counter", export: "tick", args: [1] },
        "bad-cron": { cron: "every day", integration: "demo/counter", export: "tick" },
        yearly: { cron: "0 0 1 1 *", integration: "demo/counter", export: "tick", args: [2019] },
      } }));
      await mkdir(join(home, "state"), { recursive: true });
      await writeFile(join(home, "state", "schedules-state.json"), JSON.stringify({ yearly: { lastDueAt: "2020-01-01T00:00:00.000Z" } }));
      // As a serving process does at start (toolsmith serve: fireSchedules).
      (await env.toolsmith.alwaysOn()).start();
      const caughtUp = await until(async () => (await records(home, "yearly"))[0], "the missed yearly firing");
      const lastNewYear = `${new Date().getUTCFullYear()}-01-01T00:00:00.000Z`;
      expect(caughtUp).toMatchObject({ ok: true, result: 2020, trigger: "schedule", dueAt: lastNewYear });
      await until(async () => (await records(home, "every-second")).length >= 2, "two firings of every-second");
      const listed = await env.call("run_code", { code: 'import { schedules } from "toolsmith";\nexport default await schedules.list();' });
      expect(listed.body.result).toContainEqual({ id: "bad-cron", problem: expect.stringContaining("'schedules.bad-cron.cron'") });
      expect(logs.some((l) => l.includes("bad-cron") && l.includes("the others are"))).toBe(true);
      await env.close();

      // After a restart: the schedules are still there, the yearly one is not caught up again, every-second goes on.
      const before = (await records(home, "every-second")).length;
      env = await connect(home, undefined, { fireSchedules: true });
      await until(async () => (await records(home, "every-second")).length > before, "a firing after the restart");
      const runs = await records(home, "every-second");
      for (const r of runs) expect(r).toMatchObject({ ok: true, result: 2, trigger: "schedule" });
      const dueTimes = runs.map((r) => r.dueAt);
      expect(new Set(dueTimes).size).toBe(dueTimes.length);
      // (How soon after its due time each firing starts is measured by the fake-clock test and bench/always-on.js.)
      await env.close();
      expect(await records(home, "yearly")).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });

  it("an unreadable schedules.json is reported, no schedule of it fires, and the built-in self-check still runs", async () => {
    const { home, cleanup } = await makeHome();
    try {
      await writeFile(join(home, "schedules.json"), '{ "schedules": { "a": { "cron": "* * * * * *", } } }');
      const env = await connect(home, { schedules: { selfCheck: { cron: "* * * * * *" } } }, { fireSchedules: true });
      const reply = await env.call("run_code", { code: 'import { schedules } from "toolsmith";\nlet out: unknown; try { await schedules.runNow("a"); } catch (e: any) { out = [e.name, e.message, await schedules.list()]; }\nexport default out;' });
      expect(reply.body.result[0]).toBe("ScheduleError");
      expect(reply.body.result[1]).toContain("schedules.json is not valid JSON (line 1");
      expect(reply.body.result[2]).toEqual([{ id: "*", problem: expect.stringContaining("schedules.json is not valid JSON") }]);
      expect(reply.text).not.toContain(home);
      // The self-check re-ran the test of every saved integration (the starter integrations of a new home).
      const check = await until(async () => (await records(home, "self-check"))[0], "a self-check run");
      const names = (await env.toolsmith.integrations()).map((i) => i.name);
      expect(check).toMatchObject({ ok: true, trigger: "self-check", result: { checked: names.length, failed: [] } });
      expect(check.result.outcomes.map((o: { name: string }) => o.name).sort()).toEqual([...names].sort());
      expect(await records(home, "a")).toEqual([]);
      await env.close();
    } finally {
      await cleanup();
    }
  });
});
