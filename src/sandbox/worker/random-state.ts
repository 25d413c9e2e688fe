import { randomFillSync } from "node:crypto";
import type { QuickJSContext } from "quickjs-emscripten-core";

/** How far into a JSContext structure the search for Math.random's state goes. */
const CONTEXT_SEARCH_BYTES = 2048;
/** A state that still holds its seed (epoch microseconds) reads as a time up to this far back. */
const SEED_MAX_AGE_US = 7n * 24n * 3600n * 1_000_000n;
const MASK_64 = (1n << 64n) - 1n;

/** Seeds drawn from `crypto` 512 at a time: one call costs ~12 µs, a rewind wants one seed. */
const seeds = new BigUint64Array(512);
let seedsLeft = 0;

function nextSeed(): bigint {
  if (seedsLeft === 0) {
    randomFillSync(seeds);
    seedsLeft = seeds.length;
  }
  return seeds[--seedsLeft]!;
}

/** quickjs-emscripten-core 0.32's private handle on the JSContext pointer. */
interface ContextPointer {
  ctx?: { value?: unknown };
}

/** QuickJS's Math.random: xorshift64* on a 64-bit state, 52 bits of the output as the fraction. */
function nextRandom(state: bigint): { state: bigint; value: number } {
  let x = state;
  x ^= x >> 12n;
  x ^= (x << 25n) & MASK_64;
  x ^= x >> 27n;
  const output = (x * 0x2545f4914f6cdd1dn) & MASK_64;
  const bits = new DataView(new ArrayBuffer(8));
  bits.setBigUint64(0, (0x3ffn << 52n) | (output >> 12n));
  return { state: x, value: bits.getFloat64(0) - 1 };
}

/**
 * Where a QuickJS context keeps the state of `Math.random`, so that a context restored
 * from a memory image (see RuntimeImage) can be given a fresh seed: without one, every
 * run restored from the same image would draw the same sequence.
 *
 * QuickJS seeds the state from the clock when it creates a context. The search looks
 * for a 64-bit word in the context structure that reads as a recent time in
 * microseconds, then proves it: it writes a known seed there and checks that
 * `Math.random()` returns the values that seed must give. Nothing is written until a
 * word has passed the first test, and a word that fails the second is put back.
 * Returns undefined when no word passes.
 */
export class RandomState {
  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly address: number,
  ) {}

  /** Must run before the context's first `Math.random()` (the state is then still its seed). */
  static locate(ctx: QuickJSContext, memory: WebAssembly.Memory): RandomState | undefined {
    const pointer = (ctx as unknown as ContextPointer).ctx?.value;
    if (typeof pointer !== "number" || pointer <= 0 || pointer + CONTEXT_SEARCH_BYTES > memory.buffer.byteLength) return undefined;
    const now = BigInt(Date.now()) * 1000n;
    for (let offset = 0; offset < CONTEXT_SEARCH_BYTES; offset += 8) {
      const view = new DataView(memory.buffer);
      const value = view.getBigUint64(pointer + offset, true);
      if (value > now || value < now - SEED_MAX_AGE_US) continue;
      const candidate = new RandomState(memory, pointer + offset);
      if (candidate.proves(ctx)) return candidate;
      new DataView(memory.buffer).setBigUint64(pointer + offset, value, true);
    }
    return undefined;
  }

  /** Gives the context a new random seed (never zero, which xorshift cannot leave). */
  reseed(): void {
    let seed: bigint;
    do seed = nextSeed();
    while (seed === 0n);
    this.write(seed);
  }

  /** The state as it is now: it changes with every Math.random() draw. */
  read(): bigint {
    return new DataView(this.memory.buffer).getBigUint64(this.address, true);
  }

  private write(seed: bigint): void {
    new DataView(this.memory.buffer).setBigUint64(this.address, seed, true);
  }

  private proves(ctx: QuickJSContext): boolean {
    const seed = 0x9e3779b97f4a7c15n;
    this.write(seed);
    const drawn = ctx.evalCode("[Math.random(), Math.random(), Math.random()]", "<random-state>", { type: "global" });
    if (drawn.error) {
      drawn.error.dispose();
      return false;
    }
    const values = ctx.dump(drawn.value) as unknown;
    drawn.value.dispose();
    let state = seed;
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = nextRandom(state);
      state = next.state;
      expected.push(next.value);
    }
    const proven = Array.isArray(values) && values.length === 3 && values.every((value, i) => value === expected[i]);
    if (proven) this.reseed();
    return proven;
  }
}
