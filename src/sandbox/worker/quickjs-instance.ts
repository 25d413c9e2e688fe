import RELEASE_SYNC from "@jitl/quickjs-wasmfile-release-sync";
import { GuestRun } from "./guest-run.js";
import { type EmscriptenHeap, locateHeapBreak } from "./heap-break.js";
import { RuntimeImage } from "./runtime-image.js";
import { PackageImages } from "./package-images.js";
import type { RunRequest } from "../protocol.js";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";

// The package ships CommonJS typings for an ESM default export; at runtime the import is the variant.
const SYNC_VARIANT = RELEASE_SYNC as unknown as QuickJSSyncVariant;

const WASM_PAGE_BYTES = 64 * 1024;
/** The sync build's memory import needs at least this many pages to start. */
const INITIAL_MEMORY_MB = 16;

/** Runs one WebAssembly instance may serve, each in its own fresh QuickJS runtime, before it is replaced: 20 keeps most of the speed-up while memory stays as flat as with an instance per run (measured over 6,000 runs). */
const MAX_FRESH_RUNS_PER_INSTANCE = 20;
/** Runs one instance may serve by rewinding a RuntimeImage: no runtime is made or freed, so nothing builds up; the bound is a backstop. */
const MAX_IMAGE_RUNS_PER_INSTANCE = 20_000;

/** A QuickJS WebAssembly instance and the bounded memory it runs in. */
interface Engine {
  qjs: QuickJSWASMModule;
  memory: WebAssembly.Memory;
  initialBytes: number;
  maximumBytes: number;
  memoryMb: number;
  runs: number;
  /** The guest every run of this instance uses, rewound from its image after each (image mode only); inUse from take to release. */
  imaged?: { guest: GuestRun; image: RuntimeImage; inUse: boolean; packages?: PackageImages };
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

export interface WarmInstanceOptions {
  /** Rewind one prepared runtime for every run instead of building a fresh one per run (see RuntimeImage). */
  runtimeImages?: boolean;
  /** In image mode, also keep images with a run's npm: packages already evaluated (see PackageImages). */
  packageImages?: boolean;
}

/**
 * Keeps one prepared guest ready so a run only pays for evaluating the agent's code.
 *
 * Every run starts from a freshly prepared QuickJS runtime, in one of two ways:
 * - **Image mode** (the default): an instance prepares its runtime once and captures
 *   it (RuntimeImage); after each run the runtime is rewound to that capture, byte for
 *   byte, which costs a copy of the heap instead of a new runtime. The instance is
 *   dropped if the run aborted it or grew its memory.
 * - **Fresh mode** (images off, or a capture that failed): each run gets a new runtime.
 *   The instance under it is reused only after a run that ended cleanly (disposed
 *   without error) and left the memory at its initial size; anything else (a timeout,
 *   memory exhaustion, a cancellation) discards it.
 *
 * Reusing instances spares the allocation and garbage collection of a 16 MB memory per
 * run, which is what dominated a run's cost on a busy machine.
 */
export class WarmInstance {
  private spare: { memoryMb: number; instance: Promise<GuestRun> } | undefined;
  private engine: Engine | undefined;
  /** A capture threw once: images stay off in this worker. */
  private imagesFailed = false;
  /** Where the heap break lives (the same in every instance of the module); null: not found; undefined: not looked for yet. */
  private breakAddress: number | null | undefined;
  /** Package sets that cannot be captured in an image (see PackageImages); kept across instances. */
  private readonly refusedPackageSets = new Set<string>();

  constructor(
    private readonly wasmModule: WebAssembly.Module,
    private readonly options: WarmInstanceOptions = {},
  ) {}

  /** Prepares a spare (if none of this size is waiting); resolves to whether it is ready. */
  prepare(memoryMb: number): Promise<boolean> {
    if (this.spare?.memoryMb !== memoryMb) this.spare = { memoryMb, instance: this.make(memoryMb) };
    return this.spare.instance.then(
      () => true,
      () => false,
    );
  }

  /** Takes the spare if it fits, else makes one; with the run's request, readies it for the run's packages (see PackageImages). */
  async take(memoryMb: number, request?: RunRequest): Promise<GuestRun> {
    const spare = this.spare;
    this.spare = undefined;
    const guest = await (spare?.memoryMb === memoryMb ? spare.instance : this.make(memoryMb));
    return request ? this.enterPackages(guest, request) : guest;
  }

  /** After a run (its outcome already sent): readies its instance for the next one, or drops it. */
  release(run: GuestRun | undefined): void {
    const engine = this.engine;
    if (!engine) return;
    const imaged = engine.imaged;
    if (imaged && imaged.guest === run) {
      imaged.inUse = false;
      // A run's own state went with it (see RunState): the rewind is all the next run needs.
      if (run.aborted || engine.runs >= MAX_IMAGE_RUNS_PER_INSTANCE || !imaged.image.restore()) this.engine = undefined;
      return;
    }
    const cleanlyDisposed = run?.release() ?? false;
    if (!cleanlyDisposed || engine.memory.buffer.byteLength > engine.initialBytes || engine.runs >= MAX_FRESH_RUNS_PER_INSTANCE) this.engine = undefined;
  }

  /** The current instance, for tests and diagnostics: its memory, the image its runs are rewound from (bytes) if any, and its package images. */
  get current(): { memory: WebAssembly.Memory; imageBytes: number | undefined; packageImages: { count: number; storedBytes: number } | undefined } | undefined {
    const engine = this.engine;
    const packages = engine?.imaged?.packages;
    return engine && { memory: engine.memory, imageBytes: engine.imaged?.image.size, packageImages: packages && { count: packages.size, storedBytes: packages.storedBytes } };
  }

  /** Starts `guest` from the image of the request's packages when it is rewound from images (else as it is). */
  private enterPackages(guest: GuestRun, request: RunRequest): Promise<GuestRun> | GuestRun {
    const engine = this.engine;
    const imaged = engine?.imaged;
    if (!engine || !imaged?.packages || imaged.guest !== guest) return guest;
    if (imaged.packages.enter(guest, imaged.image, engine.memory, request) !== "broken") return guest;
    // The runtime is in no state a run may start from: a new instance serves this run.
    this.engine = undefined;
    return this.make(request.memoryMb);
  }

  private async make(memoryMb: number): Promise<GuestRun> {
    if (!this.engine || this.engine.memoryMb !== memoryMb) this.engine = await newEngine(this.wasmModule, memoryMb);
    const engine = this.engine;
    engine.runs++;
    if (engine.imaged) {
      // The pool sends a worker one run at a time; two at once would share one runtime.
      if (engine.imaged.inUse) throw new Error("this worker's runtime is already serving a run");
      engine.imaged.inUse = true;
      return engine.imaged.guest;
    }
    // Images are captured only on an instance that has never run a guest: its memory above
    // the heap is still zero. The heap break is looked for before the runtime is made.
    const imageable = this.options.runtimeImages !== false && !this.imagesFailed && engine.runs === 1;
    const breakAddress = imageable ? this.heapBreak(engine) : undefined;
    let guest: GuestRun;
    try {
      // Full: too close to the maximum for another allocation of the sizes QuickJS asks for.
      guest = new GuestRun(engine.qjs, memoryMb, () => engine.memory.buffer.byteLength >= engine.maximumBytes - 1024 * 1024);
    } catch (error) {
      this.engine = undefined;
      throw error;
    }
    if (breakAddress === undefined) return guest;
    try {
      const parts = guest.preloadWebGlobals() ? guest.engine : undefined;
      const image = parts && RuntimeImage.capture(engine.memory, breakAddress, parts.runtime, parts.ctx);
      if (image) engine.imaged = { guest, image, inUse: true, packages: this.options.packageImages === false ? undefined : new PackageImages(this.refusedPackageSets) };
      return guest;
    } catch {
      // A capture that throws would throw again: this worker builds a runtime per run from now
      // on, starting with a new instance (the failed capture may have left this one half-done).
      this.imagesFailed = true;
      this.engine = undefined;
      return this.make(memoryMb);
    }
  }

  private heapBreak(engine: Engine): number | undefined {
    if (this.breakAddress === undefined) {
      const heap = (engine.qjs as unknown as { module?: Partial<EmscriptenHeap> }).module;
      const usable = typeof heap?._malloc === "function" && typeof heap._free === "function";
      this.breakAddress = (usable ? locateHeapBreak(heap as EmscriptenHeap, engine.memory) : undefined) ?? null;
    }
    return this.breakAddress ?? undefined;
  }
}
