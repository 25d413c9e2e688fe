import { describe, expect, it } from "vitest";
import { SpinWait } from "../../dist/sandbox/spin-wait.js";

/** A poll that never finds a message, counting how often it was asked. */
function emptyPoll() {
  const poll = () => {
    poll.calls++;
    return false;
  };
  poll.calls = 0;
  return poll;
}

const BUDGET_MS = 0.3;
/** Lets the event loop complete a turn, as it does between real waits (polling stops after 2 ms without one). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("SpinWait", () => {
  it("stops at the first poll that finds a message", async () => {
    await nextTurn();
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

  it("after misses in a row skips 1, then 2, then 4 waits; a hit starts over", async () => {
    const spin = new SpinWait(BUDGET_MS);
    const pattern: boolean[] = [];
    for (let wait = 0; wait < 11; wait++) {
      await nextTurn();
      const poll = emptyPoll();
      spin.spin(poll);
      pattern.push(poll.calls > 0);
    }
    // polled, skipped 1, polled, skipped 2, polled, skipped 4, polled
    expect(pattern).toEqual([true, false, true, false, false, true, false, false, false, false, true]);
    // A hit resets the penalty: the next miss skips only one wait.
    const fresh = new SpinWait(BUDGET_MS);
    const waits: Array<() => boolean> = [emptyPoll(), emptyPoll(), () => true, emptyPoll(), emptyPoll()];
    const found: boolean[] = [];
    for (const poll of waits) {
      await nextTurn();
      found.push(fresh.spin(poll));
    }
    // miss (skip 1), skipped, hit, miss (skip 1 again, not 2), skipped
    expect(found).toEqual([false, false, true, false, false]);
    expect((waits[1] as ReturnType<typeof emptyPoll>).calls).toBe(0);
    expect((waits[4] as ReturnType<typeof emptyPoll>).calls).toBe(0);
    await nextTurn();
    const after = emptyPoll();
    fresh.spin(after);
    expect(after.calls).toBeGreaterThan(0);
  });

  it("a short wait seen through the event loop resumes polling at once; a long one does not", async () => {
    const spin = new SpinWait(BUDGET_MS);
    await nextTurn();
    spin.spin(emptyPoll()); // miss: the next wait skips
    spin.waited(BUDGET_MS * 100);
    await nextTurn();
    const skipped = emptyPoll();
    spin.spin(skipped);
    expect(skipped.calls).toBe(0);
    await nextTurn();
    spin.spin(emptyPoll()); // polls and misses again: now two waits skip
    spin.waited(BUDGET_MS / 10);
    await nextTurn();
    const resumed = emptyPoll();
    spin.spin(resumed);
    expect(resumed.calls).toBeGreaterThan(0);
  });

  it("stops polling, in every SpinWait of the thread, once the event loop has not had a turn for 2 ms", async () => {
    await nextTurn();
    const first = new SpinWait(BUDGET_MS);
    const second = new SpinWait(BUDGET_MS);
    // Polls that keep finding messages, never yielding: after ~2 ms the next wait must go through the loop.
    const start = performance.now();
    let hits = 0;
    let polledWhenRefused = -1;
    for (let i = 0; i < 10_000_000 && performance.now() - start < 1_000; i++) {
      let polled = 0;
      if (first.spin(() => ++polled > 0)) hits++;
      else {
        polledWhenRefused = polled;
        break;
      }
    }
    expect(performance.now() - start).toBeGreaterThanOrEqual(2);
    expect(hits).toBeGreaterThan(0);
    expect(polledWhenRefused).toBe(0);
    // The bound is the thread's, not one SpinWait's: another one refuses too.
    const other = emptyPoll();
    expect(second.spin(other)).toBe(false);
    expect(other.calls).toBe(0);
    // Once the event loop has had a turn, both poll again.
    await nextTurn();
    expect(first.spin(() => true)).toBe(true);
    expect(second.spin(() => true)).toBe(true);
  });
});
