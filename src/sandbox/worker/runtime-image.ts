import type { QuickJSContext, QuickJSRuntime } from "quickjs-emscripten-core";
import { HostBookkeeping } from "./host-bookkeeping.js";
import { MemoryImage } from "./memory-image.js";
import { RandomState } from "./random-state.js";

/**
 * A prepared QuickJS runtime (context, prelude, builtin module) captured once, so that
 * every run can start from exactly that state instead of building a new runtime.
 *
 * Building one costs ~1.5-2 ms of CPU (creating the context and compiling the ~12 KB
 * prelude dominate); rewinding costs one copy of the heap. A rewind puts back three
 * things together: the instance's linear memory (every byte of QuickJS's state),
 * quickjs-emscripten's host-side bookkeeping for it, and a fresh seed for
 * `Math.random`, which would otherwise repeat from run to run.
 */
export class RuntimeImage {
  private constructor(
    private readonly memory: MemoryImage,
    private readonly bookkeeping: HostBookkeeping,
    private readonly random: RandomState,
    private readonly breakAddress: number,
  ) {}

  /**
   * Captures `runtime` as it is now. Undefined if any part cannot be captured (the
   * caller then builds a fresh runtime per run, as it would without images).
   */
  static capture(memory: WebAssembly.Memory, breakAddress: number, runtime: QuickJSRuntime, ctx: QuickJSContext): RuntimeImage | undefined {
    const random = RandomState.locate(ctx, memory);
    if (!random) return undefined;
    // Made on first use, so made now: one made during a run would be lost by the rewind.
    runtime.computeMemoryUsage().dispose();
    const bookkeeping = HostBookkeeping.capture(runtime, ctx);
    if (!bookkeeping) return undefined;
    let image: RuntimeImage;
    try {
      image = new RuntimeImage(new MemoryImage(memory, breakAddress), bookkeeping, random, breakAddress);
    } catch {
      return undefined;
    }
    // One rewind now: it proves the image restores, and writes every page it covers (the C
    // stack's untouched 5 MB included), so the memory a worker holds is committed while it
    // is prepared, not bit by bit over its first runs.
    return image.restore() ? image : undefined;
  }

  /**
   * Captures the same runtime again, in a later state reached from this image (some
   * package modules evaluated, see PackageImages). Its Math.random state is the one this
   * image found (the search for it works only before a context's first draw). Undefined
   * if it cannot be captured; the runtime is then as it was before the call.
   */
  derive(memory: WebAssembly.Memory, runtime: QuickJSRuntime, ctx: QuickJSContext): RuntimeImage | undefined {
    runtime.computeMemoryUsage().dispose();
    const bookkeeping = HostBookkeeping.capture(runtime, ctx);
    if (!bookkeeping) return undefined;
    try {
      return new RuntimeImage(new MemoryImage(memory, this.breakAddress, this.memory), bookkeeping, this.random, this.breakAddress);
    } catch {
      return undefined;
    }
  }

  /** Bytes copied back per rewind. */
  get size(): number {
    return this.memory.size;
  }

  /** Bytes of memory this image holds on the host (a derived one: only what differs from its base). */
  get storedBytes(): number {
    return this.memory.storedBytes;
  }

  /** The Math.random state as it is now (to tell whether code drew from it). */
  get randomState(): bigint {
    return this.random.read();
  }

  /**
   * Rewinds the runtime to this image from the state `previous` (its base, for a derived
   * image) has just restored, with nothing run since (see MemoryImage.restoreOver); false
   * if it cannot be (the instance must then be dropped).
   */
  restoreOver(previous: RuntimeImage): boolean {
    if (!this.bookkeeping.restore() || !this.memory.restoreOver(previous.memory)) return false;
    this.random.reseed();
    return true;
  }

  /** Rewinds the runtime to the capture; false if it cannot be (the instance must then be dropped). */
  restore(): boolean {
    if (!this.bookkeeping.restore() || !this.memory.restore()) return false;
    this.random.reseed();
    return true;
  }
}
