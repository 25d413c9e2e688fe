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
 * they return. The break is the one 32-bit word, below the blocks, that held a value
 * inside each block before the allocation and a value past its end after, the second
 * time starting where the first left it. Any other outcome (no such word, or more than
 * one) returns undefined, and the caller must not rely on the break.
 *
 * Leaves both blocks freed; the heap keeps the space as free memory.
 */
export function locateHeapBreak(heap: EmscriptenHeap, memory: WebAssembly.Memory): number | undefined {
  let candidates: Map<number, number> | undefined;
  for (const bytes of PROBE_BYTES) {
    const found = new Map<number, number>();
    const before = new Uint32Array(memory.buffer.slice(0));
    const block = heap._malloc(bytes);
    if (block === 0) return undefined;
    try {
      const after = new Uint32Array(memory.buffer);
      const words = Math.min(before.length, block >>> 2);
      for (let index = 0; index < words; index++) {
        const old = before[index]!;
        const now = after[index]!;
        if (old === now || old <= block || old >= block + bytes || now < block + bytes) continue;
        // Second probe: the word must continue from where the first probe left it.
        if (candidates && candidates.get(index * 4) !== old) continue;
        found.set(index * 4, now);
      }
    } finally {
      heap._free(block);
    }
    candidates = found;
    if (candidates.size === 0) return undefined;
  }
  if (!candidates || candidates.size !== 1) return undefined;
  const [address] = candidates.keys();
  return address;
}

/** The current program break, read from the address `locateHeapBreak` found. */
export function readHeapBreak(memory: WebAssembly.Memory, address: number): number {
  return new DataView(memory.buffer).getUint32(address, true);
}
