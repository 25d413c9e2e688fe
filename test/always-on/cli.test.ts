import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCli } from "../helpers.js";
import { COUNTER_CODE, COUNTER_TEST, records } from "./fixtures.js";

describe("toolsmith schedule / hook (the built CLI)", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ home, cleanup } = await makeHome());
    const env = await connect(home);
    const saved = await env.call("save_integration", { name: "demo/counter", description: "Counter for CLI tests", code: COUNTER_CODE, test: COUNTER_TEST });
    expect(saved.isError, saved.text).toBe(false);
    await env.close();
  });
  afterAll(async () => {
    await cleanup();
  });

  it("schedule add refuses a bad cron with a message naming it, and takes a good one", async () => {
    const bad = await runCli(["schedule", "add", "nightly", "--cron", "0 25 * * *", "--integration", "demo/counter", "--export", "tick"], { home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("'0 25 * * *' is not a cron expression");
    const args = await runCli(["schedule", "add", "nightly", "--cron", "0 2 * * *", "--integration", "demo/counter", "--export", "tick", "--args", "{}"], { home });
    expect(args.code).toBe(2);
    expect(args.stderr).toContain("--args must be a JSON array");
    const good = await runCli(["schedule", "add", "nightly", "--cron", "0 2 * * *", "--tz", "America/New_York", "--integration", "demo/counter", "--export", "tick", "--args", "[9]", "--skip-missed"], { home });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^Added schedule nightly; next run \d{4}-/);
    const file = JSON.parse(await readFile(join(home, "schedules.json"), "utf8"));
    expect(file.schedules.nightly).toEqual({ cron: "0 2 * * *", tz: "America/New_York", integration: "demo/counter", export: "tick", args: [9], catchUp: false });
  });

  it("schedule run runs it once in this process and records the outcome", async () => {
    const ran = await runCli(["schedule", "run", "nightly"], { home });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toBe(10);
    expect(ran.stderr).toMatch(/Recorded as workspace runs\/nightly\/\S+\.json/);
    expect((await records(home, "nightly"))[0]).toMatchObject({ ok: true, result: 10, trigger: "manual" });
  });

  it("hook add prints the secret once; hooks.json keeps it", async () => {
    const added = await runCli(["hook", "add", "deploys", "--integration", "demo/counter", "--export", "echo", "--async"], { home });
    expect(added.code, added.stderr).toBe(0);
    const secret = /\n([0-9a-f]{64})\n/.exec(added.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(added.stdout).toContain("POST /hooks/deploys");
    const file = JSON.parse(await readFile(join(home, "hooks.json"), "utf8"));
    expect(file.hooks.deploys).toEqual({ integration: "demo/counter", export: "echo", reply: "async", secret });
  });
});
