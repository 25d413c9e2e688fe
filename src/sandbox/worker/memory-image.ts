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
 *
 * An image taken over a `base` image of the same memory (a later state reached from it)
 * keeps only the pages that differ from the base: it is restored by writing the base
 * and then those pages, or, from the state the base has just restored, by writing
 * those pages alone (restoreOver).
 */
export class MemoryImage {
  private readonly stretches: Stretch[] = [];
  private readonly byteLength: number;
  private readonly heapBreak: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly breakAddress: number,
    private readonly base?: MemoryImage,
  ) {
    this.byteLength = memory.buffer.byteLength;
    this.heapBreak = readHeapBreak(memory, breakAddress);
    if (this.heapBreak <= breakAddress || this.heapBreak > this.byteLength) throw new Error(`the heap break (${this.heapBreak}) is outside the memory (${this.byteLength} bytes)`);
    if (base) {
      if (base.memory !== memory || base.byteLength !== this.byteLength || base.heapBreak > this.heapBreak) throw new Error("the base image is not of this memory, or not of an earlier state");
      this.captureChanges(base);
      return;
    }
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

  /** Keeps the pages (up to the break) that differ from `base`'s. */
  private captureChanges(base: MemoryImage): void {
    const before = new Uint8Array(this.heapBreak);
    base.writeTo(before);
    const now = new Uint8Array(this.memory.buffer, 0, this.heapBreak);
    const differs = (offset: number): boolean => {
      const end = Math.min(offset + PAGE_BYTES, this.heapBreak);
      for (let i = offset; i < end; i++) if (now[i] !== before[i]) return true;
      return false;
    };
    let offset = 0;
    while (offset < this.heapBreak) {
      if (!differs(offset)) {
        offset += PAGE_BYTES;
        continue;
      }
      let end = offset + PAGE_BYTES;
      while (end < this.heapBreak && differs(end)) end += PAGE_BYTES;
      end = Math.min(end, this.heapBreak);
      this.stretches.push({ offset, length: end - offset, bytes: now.slice(offset, end) });
      offset = end;
    }
  }

  /** Bytes of memory a restore rewrites (up to the break at the capture). */
  get size(): number {
    return this.heapBreak;
  }

  /** Bytes this image holds (its pages that were not all zero). */
  get storedBytes(): number {
    let bytes = 0;
    for (const stretch of this.stretches) bytes += stretch.bytes?.length ?? 0;
    return bytes;
  }

  /** Rewinds the memory; false (and nothing written) if the memory grew or the break is not where a rewind can start from. */
  restore(): boolean {
    if (this.memory.buffer.byteLength !== this.byteLength) return false;
    const heapBreak = readHeapBreak(this.memory, this.breakAddress);
    // Below the captured break, the run's highest use is unknown (the pinned build's
    // allocator never gives memory back, so this does not happen): the instance is dropped.
    if (heapBreak > this.byteLength || heapBreak < this.heapBreak) return false;
    const memory = new Uint8Array(this.memory.buffer);
    this.base?.writeTo(memory);
    this.writeTo(memory);
    if (heapBreak > this.heapBreak) new Uint8Array(this.memory.buffer).fill(0, this.heapBreak, heapBreak);
    return true;
  }

  /**
   * Rewinds a memory that `previous` (an image of the same memory) has just restored and
   * nothing has run in since, to this image, whose break may be higher: above the
   * previous break everything is zero already (that restore saw to it), so writing this
   * image is all it takes; over its own base, that is only the pages that differ. False
   * (and nothing written) if the memory is not in that state as far as can be checked
   * (its size, its break), or if this image has a base other than `previous`.
   */
  restoreOver(previous: MemoryImage): boolean {
    if (previous.memory !== this.memory || this.memory.buffer.byteLength !== this.byteLength || previous.byteLength !== this.byteLength) return false;
    if (this.base && previous !== this.base) return false;
    const heapBreak = readHeapBreak(this.memory, this.breakAddress);
    if (heapBreak !== previous.heapBreak || heapBreak > this.heapBreak) return false;
    this.writeTo(new Uint8Array(this.memory.buffer));
    return true;
  }

  /** Writes this image's stretches (not its base's) into `memory`. */
  private writeTo(memory: Uint8Array): void {
    for (const { offset, length, bytes } of this.stretches) {
      if (bytes) memory.set(bytes, offset);
      else memory.fill(0, offset, offset + length);
    }
  }
}

/** Whether the whole page at `offset` is zero; a page cut short by `limit` never counts as one. */
function isZeroPage(words: Int32Array, offset: number, limit: number): boolean {
  if (offset + PAGE_BYTES > limit) return false;
  for (let i = offset / 4, end = (offset + PAGE_BYTES) / 4; i < end; i++) if (words[i] !== 0) return false;
  return true;
}
