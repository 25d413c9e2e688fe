import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Scheduler, type ScheduledJob } from "../../dist/always-on/scheduler.js";
import { ScheduleClaims } from "../../dist/always-on/schedule-claims.js";
import { FakeClock } from "./fake-clock.js";

const MINUTE = 60_000;
const START = Date.parse("2026-03-01T10:00:30.000Z");

interface Firing {
  dueAt: number;
  startedAt: number;
}

/** A scheduler over a real claims file, with jobs whose runs the test can hold open. */
function setup(dir: string, clock: FakeClock, jobs: () => ScheduledJob[]) {
  const logs: string[] = [];
  const scheduler = new Scheduler({ clock, claims: new ScheduleClaims(dir, process.pid), jobs: async () => jobs(), log: (l) => logs.push(l), recheckMs: 30_000 });
  return { scheduler, logs };
}

describe("Scheduler (fake clock, real claims file)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "toolsmith-scheduler-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("fires 100 times, each within 1 s of its due time", async () => {
    const clock = new FakeClock(START);
    const firings: Firing[] = [];
    const job: ScheduledJob = { id: "every-minute", cron: "* * * * *", catchUp: true, fire: async (dueAt) => void firings.push({ dueAt: dueAt.getTime(), startedAt: clock.now() }) };
    const { scheduler } = setup(dir, clock, () => [job]);
    scheduler.start();
    await clock.advanceTo(START + 100 * MINUTE, () => scheduler.whenIdle());
    await scheduler.stop();
    expect(firings).toHaveLength(100);
    const expectedDue = Array.from({ length: 100 }, (_, i) => Date.parse("2026-03-01T10:01:00.000Z") + i * MINUTE);
    expect(firings.map((f) => f.dueAt)).toEqual(expectedDue);
    const late = firings.map((f) => f.startedAt - f.dueAt);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...late)).toBeLessThan(1_000);
  });

  it("never overlaps runs of one schedule: a due time during a long run is skipped", async () => {
    const clock = new FakeClock(START);
    let active = 0;
    let runs = 0;
    let maxActive = 0;
    const releases: Array<() => void> = [];
    const job: ScheduledJob = {
      id: "slow",
      cron: "* * * * *",
      catchUp: true,
      fire: () => {
        active++;
        runs++;
        maxActive = Math.max(maxActive, active);
        return new Promise<void>((resolve) => releases.push(() => ((active--), resolve())));
      },
    };
    const { scheduler, logs } = setup(dir, clock, () => [job]);
    scheduler.start();
    // Each run lasts 2.5 minutes: the two due times during it are skipped.
    for (let minute = 1; minute <= 30; minute++) {
      await clock.advanceTo(START + minute * MINUTE, () => scheduler.whenIdle());
      if (minute % 3 === 0) releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    releases.forEach((release) => release());
    await scheduler.stop();
    expect(maxActive).toBe(1);
    // Started at minutes 1, 4, 7, …, 28: each run ends at the third due time after its own.
    expect(runs).toBe(10);
    const state = await new ScheduleClaims(dir, process.pid).get("slow");
    expect(state?.skippedOverlaps).toBe(20);
    expect(logs.some((l) => l.includes("previous run is still going"))).toBe(true);
  });

  it("after downtime runs a missed firing once (catchUp), or skips it", async () => {
    const claims = new ScheduleClaims(dir, process.pid);
    const lastRun = new Date(START - 60 * MINUTE);
    await claims.remember("catches-up", lastRun);
    await claims.remember("skips", lastRun);
    const clock = new FakeClock(START);
    const fired: Record<string, number[]> = { "catches-up": [], skips: [] };
    const job = (id: string, catchUp: boolean): ScheduledJob => ({ id, cron: "*/5 * * * *", catchUp, fire: async (dueAt) => void fired[id]!.push(dueAt.getTime()) });
    const { scheduler, logs } = setup(dir, clock, () => [job("catches-up", true), job("skips", false)]);
    scheduler.start();
    await clock.advanceTo(START + 1_000, () => scheduler.whenIdle());
    // Twelve due times passed during the hour down: one run, for the latest (10:00).
    expect(fired["catches-up"]).toEqual([Date.parse("2026-03-01T10:00:00.000Z")]);
    expect(fired.skips).toEqual([]);
    expect(logs.some((l) => l.includes("skips") && l.includes("catchUp is off"))).toBe(true);
    // Both go on normally afterwards.
    await clock.advanceTo(START + 5 * MINUTE, () => scheduler.whenIdle());
    await scheduler.stop();
    expect(fired["catches-up"]).toHaveLength(2);
    expect(fired.skips).toEqual([Date.parse("2026-03-01T10:05:00.000Z")]);
  });

  it("a restarted scheduler (or a second process on the home) never fires a due time twice", async () => {
    const clock = new FakeClock(START);
    const fired: number[] = [];
    const job: ScheduledJob = { id: "once", cron: "* * * * *", catchUp: true, fire: async (dueAt) => void fired.push(dueAt.getTime()) };
    const first = setup(dir, clock, () => [job]).scheduler;
    const second = setup(dir, clock, () => [job]).scheduler;
    first.start();
    second.start();
    await clock.advanceTo(START + 10 * MINUTE, async () => {
      await first.whenIdle();
      await second.whenIdle();
    });
    await first.stop();
    const third = setup(dir, clock, () => [job]).scheduler;
    third.start();
    await clock.advanceTo(START + 12 * MINUTE, async () => {
      await second.whenIdle();
      await third.whenIdle();
    });
    await Promise.all([second.stop(), third.stop()]);
    expect(fired).toHaveLength(12);
    expect(new Set(fired).size).toBe(12);
  });
});
