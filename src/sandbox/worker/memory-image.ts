import { readHeapBreak } from "./heap-break.js";

/**
 * A copy of a WebAssembly instance's linear memory, taken once and written back to
 * rewind the instance to that moment.
 *
 * Only memory up to the program break is copied: above it, memory has never been
 * handed out, so it was zero at the capture. A restore writes the copy back and zeroes
 * whatever the heap gained above the old break since, so that afterwards the whole
 * memory is byte for byte what it was at the capture.
 */
export class MemoryImage {
  private readonly bytes: Uint8Array;
  private readonly byteLength: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly breakAddress: number,
  ) {
    this.byteLength = memory.buffer.byteLength;
    const heapBreak = readHeapBreak(memory, breakAddress);
    if (heapBreak <= breakAddress || heapBreak > this.byteLength) throw new Error(`the heap break (${heapBreak}) is outside the memory (${this.byteLength} bytes)`);
    this.bytes = new Uint8Array(memory.buffer, 0, heapBreak).slice();
  }

  /** Bytes the image holds (copied back on each restore). */
  get size(): number {
    return this.bytes.length;
  }

  /** Rewinds the memory; false (and nothing written) if the memory grew or its break is impossible. */
  restore(): boolean {
    if (this.memory.buffer.byteLength !== this.byteLength) return false;
    const heapBreak = readHeapBreak(this.memory, this.breakAddress);
    if (heapBreak > this.byteLength) return false;
    const memory = new Uint8Array(this.memory.buffer);
    memory.set(this.bytes, 0);
    if (heapBreak > this.bytes.length) memory.fill(0, this.bytes.length, heapBreak);
    return true;
  }
}
