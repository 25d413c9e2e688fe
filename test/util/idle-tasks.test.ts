import { describe, expect, it } from "vitest";
import { IdleTasks } from "../../dist/util/idle-tasks.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("IdleTasks", () => {
  it("holds background work back while a call is in flight and runs it once the server has been quiet", async () => {
    let busy = true;
    const tasks = new IdleTasks(() => busy, 30, 60_000);
    let ran = 0;
    const done = new Promise<void>((resolve) => tasks.schedule(5, () => (ran++, resolve())));
    await sleep(150);
    expect(ran).toBe(0);
    busy = false;
    tasks.touch(); // the call ended
    await done;
    expect(ran).toBe(1);
    tasks.cancel();
  });

  it("waits for a quiet spell after the last call ended, not only for no call in flight", async () => {
    const tasks = new IdleTasks(() => false, 60_000, 120_000);
    let ran = false;
    tasks.touch();
    tasks.schedule(5, () => (ran = true));
    await sleep(100);
    expect(ran).toBe(false);
    tasks.cancel();
  });

  it("runs it by the maximum delay however busy the server stays", async () => {
    const tasks = new IdleTasks(() => true, 10_000, 50);
    await new Promise<void>((resolve) => tasks.schedule(5, resolve));
    tasks.cancel();
  });

  it("runs nothing once cancelled", async () => {
    const tasks = new IdleTasks(() => false, 10, 20);
    let ran = false;
    tasks.schedule(10, () => (ran = true));
    tasks.cancel();
    await sleep(100);
    expect(ran).toBe(false);
  });
});
