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
      image = new RuntimeImage(new MemoryImage(memory, breakAddress), bookkeeping, random);
    } catch {
      return undefined;
    }
    // One rewind now: it proves the image restores, and writes every page it covers (the C
    // stack's untouched 5 MB included), so the memory a worker holds is committed while it
    // is prepared, not bit by bit over its first runs.
    return image.restore() ? image : undefined;
  }

  /** Bytes copied back per rewind. */
  get size(): number {
    return this.memory.size;
  }

  /** Rewinds the runtime to the capture; false if it cannot be (the instance must then be dropped). */
  restore(): boolean {
    if (!this.bookkeeping.restore() || !this.memory.restore()) return false;
    this.random.reseed();
    return true;
  }
}
