import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../dist/sandbox/sandbox.js";
import { defaultConfig } from "../dist/config/schema.js";

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
