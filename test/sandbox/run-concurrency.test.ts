import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixture, type Fixture } from "../helpers/http-fixture.js";
import { connect, makeHome, type Connected } from "../helpers.js";

/**
 * A barrier on 127.0.0.1: each request is held until `expected` requests are open at once
 * (or a few seconds pass), then all are answered. How many were ever open together says
 * how many runs waited on I/O at the same time; no wall-clock figure is asserted.
 */
async function barrierServer(expected: () => number): Promise<Fixture & { answered: () => number }> {
  const waiting: Array<() => void> = [];
  let answered = 0;
  const fixture = await startFixture({
    "/slow": async (_req, res) => {
      await new Promise<void>((release) => {
        waiting.push(release);
        if (waiting.length >= expected()) waiting.splice(0).forEach((r) => r());
        setTimeout(release, 3_000).unref();
      });
      answered++;
      res.writeHead(200, { "content-type": "text/plain" }).end("done");
    },
  });
  return { ...fixture, answered: () => answered };
}

describe("runs waiting on I/O do not hold the sandbox's slots", () => {
  let api: Awaited<ReturnType<typeof barrierServer>>;
  let env: Connected;
  let cleanup: () => Promise<void>;
  let expected = 0;

  beforeAll(async () => {
    api = await barrierServer(() => expected);
    const made = await makeHome();
    cleanup = made.cleanup;
    // Four warm workers (the default on a small machine), at most six runs in progress.
    env = await connect(made.home, { network: { allow: [`127.0.0.1:${api.port}`] }, limits: { maxConcurrentRuns: 6 } });
  });
  afterAll(async () => {
    await env.close();
    await api.close();
    await cleanup();
  });

  const waitingRun = (i: number) => env.call("run_code", { code: `const r = await fetch("${api.origin}/slow?i=${i}"); export default await r.text();` });

  it("eight runs waiting on a fetch are all in flight at once beyond the four warm workers, up to limits.maxConcurrentRuns", async () => {
    expected = 6;
    const before = api.maxInFlight();
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => waitingRun(i)));
    expect(replies.every((r) => !r.isError && r.body.result === "done"), JSON.stringify(replies.map((r) => r.body)).slice(0, 500)).toBe(true);
    expect(before).toBe(0);
    // Six at once (the configured bound), not four (the warm workers).
    expect(api.maxInFlight()).toBe(6);
  });

  it("a runnable run is not kept out by runs waiting on I/O", async () => {
    expected = 100; // never reached: the waiting runs are released by the barrier's own bound
    // As many waiting runs as warm workers: before, they filled every slot.
    const waiting = Array.from({ length: 4 }, (_, i) => waitingRun(100 + i));
    // Give the waiting runs time to reach their fetch (bounded by count of polls, not asserted on time).
    for (let i = 0; i < 200 && api.requests.filter((r) => r.url.includes("i=10")).length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    const answeredBefore = api.answered();
    const quick = await env.call("run_code", { code: "export default 'quick'" });
    expect(quick.body.result).toBe("quick");
    // The quick run finished while all four were still held by the server (with four slots it would have waited for one).
    expect(api.answered()).toBe(answeredBefore);
    await Promise.all(waiting);
  });
});
