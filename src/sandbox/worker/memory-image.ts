import { readHeapBreak } from "./heap-break.js";

/** Granularity of the image: runs of pages that were all zero at the capture are kept as lengths, not bytes. */
const PAGE_BYTES = 4096;

/** A stretch of the image: bytes to write back, or (bytes undefined) a stretch of zeros. */
interface Stretch {
  offset: number;
  length: number;
  bytes: Uint8Array | undefined;
}

/**
 * A copy of a WebAssembly instance's linear memory, taken once and written back to
 * rewind the instance to that moment.
 *
 * Only memory up to the program break is kept: above it, memory has never been handed
 * out, so it was zero at the capture. Pages that were all zero (most of them: the C
 * stack's 5 MB sits below the heap) are kept as lengths. A restore writes the copy
 * back, zeroes the zero pages, and zeroes whatever the heap gained above the old break
 * since, so that afterwards the whole memory is byte for byte what it was at the capture.
 */
export class MemoryImage {
  private readonly stretches: Stretch[] = [];
  private readonly byteLength: number;
  private readonly heapBreak: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly breakAddress: number,
  ) {
    this.byteLength = memory.buffer.byteLength;
    this.heapBreak = readHeapBreak(memory, breakAddress);
    if (this.heapBreak <= breakAddress || this.heapBreak > this.byteLength) throw new Error(`the heap break (${this.heapBreak}) is outside the memory (${this.byteLength} bytes)`);
    const words = new Int32Array(memory.buffer, 0, Math.floor(this.heapBreak / 4));
    const bytes = new Uint8Array(memory.buffer);
    for (let offset = 0; offset < this.heapBreak; ) {
      // A stretch: pages that are all zero, or the pages up to the next all-zero one.
      const zero = isZeroPage(words, offset, this.heapBreak);
      let end = offset + PAGE_BYTES;
      while (end < this.heapBreak && isZeroPage(words, end, this.heapBreak) === zero) end += PAGE_BYTES;
      end = Math.min(end, this.heapBreak);
      this.stretches.push({ offset, length: end - offset, bytes: zero ? undefined : bytes.slice(offset, end) });
      offset = end;
    }
  }

  /** Bytes of memory a restore rewrites (up to the break at the capture). */
  get size(): number {
    return this.heapBreak;
  }

  /** Rewinds the memory; false (and nothing written) if the memory grew or the break is not where a rewind can start from. */
  restore(): boolean {
    if (this.memory.buffer.byteLength !== this.byteLength) return false;
    const heapBreak = readHeapBreak(this.memory, this.breakAddress);
    // Below the captured break, the run's highest use is unknown (the pinned build's
    // allocator never gives memory back, so this does not happen): the instance is dropped.
    if (heapBreak > this.byteLength || heapBreak < this.heapBreak) return false;
    const memory = new Uint8Array(this.memory.buffer);
    for (const { offset, length, bytes } of this.stretches) {
      if (bytes) memory.set(bytes, offset);
      else memory.fill(0, offset, offset + length);
    }
    if (heapBreak > this.heapBreak) memory.fill(0, this.heapBreak, heapBreak);
    return true;
  }
}

/** Whether the whole page at `offset` is zero; a page cut short by `limit` never counts as one. */
function isZeroPage(words: Int32Array, offset: number, limit: number): boolean {
  if (offset + PAGE_BYTES > limit) return false;
  for (let i = offset / 4, end = (offset + PAGE_BYTES) / 4; i < end; i++) if (words[i] !== 0) return false;
  return true;
}
