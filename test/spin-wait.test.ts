import { describe, expect, it } from "vitest";
import { SpinWait } from "../dist/sandbox/spin-wait.js";

/** A poll that never finds a message, counting how often it was asked. */
function emptyPoll() {
  const poll = () => {
    poll.calls++;
    return false;
  };
  poll.calls = 0;
  return poll;
}

const BUDGET_MS = 0.05;

describe("SpinWait", () => {
  it("stops at the first poll that finds a message", () => {
    const spin = new SpinWait(BUDGET_MS);
    let calls = 0;
    expect(spin.spin(() => ++calls === 3)).toBe(true);
    expect(calls).toBe(3);
  });

  it("never polls with a zero budget", () => {
    const spin = new SpinWait(0);
    const poll = emptyPoll();
    expect(spin.spin(poll)).toBe(false);
    expect(poll.calls).toBe(0);
  });

  it("after misses in a row skips 1, then 2, then 4 waits; a hit starts over", () => {
    const spin = new SpinWait(BUDGET_MS);
    const pattern: boolean[] = [];
    for (let wait = 0; wait < 11; wait++) {
      const poll = emptyPoll();
      spin.spin(poll);
      pattern.push(poll.calls > 0);
      spin.resumed(); // the event loop ran, but no short wait was seen
    }
    // polled, skipped 1, polled, skipped 2, polled, skipped 4, polled
    expect(pattern).toEqual([true, false, true, false, false, true, false, false, false, false, true]);
    // A hit resets the penalty: the next miss skips only one wait.
    expect(spin.spin(() => false)).toBe(false); // still skipping (penalty 8 after that miss)
    const fresh = new SpinWait(BUDGET_MS);
    fresh.spin(emptyPoll()); // miss: skip 1
    fresh.spin(emptyPoll()); // skipped
    expect(fresh.spin(() => true)).toBe(true); // hit
    fresh.spin(emptyPoll()); // miss: skip 1 again, not 2
    fresh.spin(emptyPoll()); // skipped
    const after = emptyPoll();
    fresh.spin(after);
    expect(after.calls).toBeGreaterThan(0);
  });

  it("a short wait seen through the event loop resumes polling at once; a long one does not", () => {
    const spin = new SpinWait(BUDGET_MS);
    spin.spin(emptyPoll()); // miss: the next wait skips
    spin.resumed(BUDGET_MS * 100);
    const skipped = emptyPoll();
    spin.spin(skipped);
    expect(skipped.calls).toBe(0);
    spin.spin(emptyPoll()); // polls and misses again: now two waits skip
    spin.resumed(BUDGET_MS / 10);
    const resumed = emptyPoll();
    spin.spin(resumed);
    expect(resumed.calls).toBeGreaterThan(0);
  });

  it("stops polling once its thread has gone too long without the event loop running", async () => {
    const spin = new SpinWait(BUDGET_MS);
    const start = performance.now();
    spin.resumed();
    // Polls that keep finding messages: after 2 ms without the event loop, the next wait must go through it.
    let hits = 0;
    let polledWhenRefused = -1;
    for (let i = 0; i < 10_000_000 && performance.now() - start < 1_000; i++) {
      let polled = 0;
      if (spin.spin(() => ++polled > 0)) hits++;
      else {
        polledWhenRefused = polled;
        break;
      }
    }
    expect(performance.now() - start).toBeGreaterThanOrEqual(2);
    expect(hits).toBeGreaterThan(0);
    expect(polledWhenRefused).toBe(0);
    spin.resumed();
    expect(spin.spin(() => true)).toBe(true);
  });
});
