import RELEASE_SYNC from "@jitl/quickjs-wasmfile-release-sync";
import { GuestRun } from "./guest-run.js";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";

// The package ships CommonJS typings for an ESM default export; at runtime the import is the variant.
const SYNC_VARIANT = RELEASE_SYNC as unknown as QuickJSSyncVariant;

const WASM_PAGE_BYTES = 64 * 1024;
/** The sync build's memory import needs at least this many pages to start. */
const INITIAL_MEMORY_MB = 16;

/** Runs one WebAssembly instance may serve (each in its own fresh QuickJS runtime) before it is replaced: 20 keeps most of the speed-up while memory stays as flat as with an instance per run (measured over 6,000 runs). */
const MAX_RUNS_PER_INSTANCE = 20;

/** A QuickJS WebAssembly instance and the bounded memory it runs in. */
interface Engine {
  qjs: QuickJSWASMModule;
  memory: WebAssembly.Memory;
  initialBytes: number;
  maximumBytes: number;
  memoryMb: number;
  runs: number;
}

/**
 * A QuickJS WebAssembly instance whose linear memory can never grow past `memoryMb`:
 * strings, typed arrays and objects alike fail as a guest "out of memory".
 */
async function newEngine(wasmModule: WebAssembly.Module, memoryMb: number): Promise<Engine> {
  const maximumPages = Math.floor((memoryMb * 1024 * 1024) / WASM_PAGE_BYTES);
  const initialPages = Math.min(maximumPages, Math.floor((INITIAL_MEMORY_MB * 1024 * 1024) / WASM_PAGE_BYTES));
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages });
  const qjs = await newQuickJSWASMModuleFromVariant(newVariant(SYNC_VARIANT, { wasmModule, wasmMemory: memory }));
  return { qjs, memory, initialBytes: initialPages * WASM_PAGE_BYTES, maximumBytes: maximumPages * WASM_PAGE_BYTES, memoryMb, runs: 0 };
}

/**
 * Keeps one prepared guest ready so a run only pays for evaluating the agent's code.
 * Every run gets a fresh QuickJS runtime and context. The WebAssembly instance under
 * them is reused only after a run that ended cleanly (disposed without error) and
 * left the memory at its initial size; anything else (a timeout, memory exhaustion,
 * a cancellation) discards it, and the next run gets a fresh instance. Reuse spares
 * the allocation and garbage collection of a 16 MB memory per run, which is what
 * dominated a run's cost on a busy machine.
 */
export class WarmInstance {
  private spare: { memoryMb: number; instance: Promise<GuestRun> } | undefined;
  private engine: Engine | undefined;

  constructor(private readonly wasmModule: WebAssembly.Module) {}

  /** Prepares a spare (if none of this size is waiting); resolves to whether it is ready. */
  prepare(memoryMb: number): Promise<boolean> {
    if (this.spare?.memoryMb !== memoryMb) this.spare = { memoryMb, instance: this.make(memoryMb) };
    return this.spare.instance.then(
      () => true,
      () => false,
    );
  }

  /** Takes the spare if it fits, else makes one. */
  take(memoryMb: number): Promise<GuestRun> {
    const spare = this.spare;
    this.spare = undefined;
    return spare?.memoryMb === memoryMb ? spare.instance : this.make(memoryMb);
  }

  /** After a run: whether its instance may serve the next one. */
  release(cleanlyDisposed: boolean): void {
    const engine = this.engine;
    if (!engine) return;
    if (!cleanlyDisposed || engine.memory.buffer.byteLength > engine.initialBytes || engine.runs >= MAX_RUNS_PER_INSTANCE) this.engine = undefined;
  }

  private async make(memoryMb: number): Promise<GuestRun> {
    if (!this.engine || this.engine.memoryMb !== memoryMb) this.engine = await newEngine(this.wasmModule, memoryMb);
    const engine = this.engine;
    engine.runs++;
    try {
      // Full: too close to the maximum for another allocation of the sizes QuickJS asks for.
      return new GuestRun(engine.qjs, memoryMb, () => engine.memory.buffer.byteLength >= engine.maximumBytes - 1024 * 1024);
    } catch (error) {
      this.engine = undefined;
      throw error;
    }
  }
}
