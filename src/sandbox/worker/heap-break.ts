/** The parts of the Emscripten module under quickjs-emscripten that this file uses. */
export interface EmscriptenHeap {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Bytes the probes below ask for: more than the heap's free top, so each must move the break. */
const PROBE_BYTES = [192 * 1024, 320 * 1024];

/**
 * Finds where the C library keeps the program break (the end of the heap `sbrk` has
 * handed out) in a QuickJS instance's linear memory.
 *
 * The build exports no `sbrk`, so the address is found by watching memory: two
 * allocations too large for the heap's free space each move the break past the block
 * they return. The break is the one 32-bit word, below the heap, that held a value
 * inside each block before the allocation and a value past its end after, the second
 * time starting where the first left it. Any other outcome (no such word, or more than
 * one) returns undefined, and the caller must not rely on the break.
 *
 * Nothing is copied: a small allocation first shows where the heap starts (the word
 * is a static, below it), and only words below that pointing above it are watched.
 * Leaves every block freed; the heap keeps the space as free memory.
 */
export function locateHeapBreak(heap: EmscriptenHeap, memory: WebAssembly.Memory): number | undefined {
  const marker = heap._malloc(16);
  if (marker === 0) return undefined;
  heap._free(marker);
  const words = memory.buffer.byteLength >>> 2;
  // Words below the heap whose value points above its start: the break is one of them.
  let candidates = new Map<number, number>();
  const initial = new Uint32Array(memory.buffer);
  for (let index = 0; index < marker >>> 2; index++) {
    const value = initial[index]!;
    if (value > marker && value <= words * 4) candidates.set(index, value);
  }
  for (const bytes of PROBE_BYTES) {
    const block = heap._malloc(bytes);
    if (block === 0) return undefined;
    const after = new Uint32Array(memory.buffer);
    const moved = new Map<number, number>();
    for (const [index, before] of candidates) {
      const now = after[index]!;
      if (before > block && before < block + bytes && now >= block + bytes) moved.set(index, now);
    }
    heap._free(block);
    candidates = moved;
    if (candidates.size === 0) return undefined;
  }
  if (candidates.size !== 1) return undefined;
  const [index] = candidates.keys();
  return index! * 4;
}

/** The current program break, read from the address `locateHeapBreak` found. */
export function readHeapBreak(memory: WebAssembly.Memory, address: number): number {
  return new DataView(memory.buffer).getUint32(address, true);
}
