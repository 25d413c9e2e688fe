import { describe, expect, it } from "vitest";
import { PeriodicCollector } from "../../dist/util/periodic-collector.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("PeriodicCollector", () => {
  it("collects once every N finished calls, at the next quiet moment", async () => {
    let collections = 0;
    const collector = new PeriodicCollector(3, () => false, () => collections++);
    for (let i = 0; i < 2; i++) collector.callEnded();
    await tick();
    expect(collections).toBe(0);
    collector.callEnded();
    await tick();
    expect(collections).toBe(1);
    for (let i = 0; i < 3; i++) collector.callEnded();
    await tick();
    expect(collections).toBe(2);
  });

  it("waits while a call is in flight and collects after the next call ends", async () => {
    let collections = 0;
    let busy = true;
    const collector = new PeriodicCollector(2, () => busy, () => collections++);
    collector.callEnded();
    collector.callEnded();
    await tick();
    expect(collections).toBe(0);
    busy = false;
    collector.callEnded();
    await tick();
    expect(collections).toBe(1);
  });

  it("runs V8's own full collection when none is given", async () => {
    const { PerformanceObserver, constants } = await import("node:perf_hooks");
    const majors: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(entry.duration);
    });
    observer.observe({ entryTypes: ["gc"] });
    try {
      const collector = new PeriodicCollector(1, () => false);
      collector.callEnded();
      await tick();
      // GC entries are delivered asynchronously.
      for (let i = 0; i < 50 && majors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(majors.length).toBeGreaterThan(0);
    } finally {
      observer.disconnect();
    }
  });
});
