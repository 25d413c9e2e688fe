import { performance } from "node:perf_hooks";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import type { GuestModule, RunRequest } from "../protocol.js";
import type { PreloadGuard } from "./preload-guard.js";
import type { RuntimeImage } from "./runtime-image.js";

/** Images one instance keeps (least recently used goes first). */
const MAX_IMAGES = 4;
/** Host memory all of one instance's package images may hold together. */
const MAX_STORED_BYTES = 64 * 1024 * 1024;
/** Package sets remembered as not capturable (bounded: an agent may try many). */
const MAX_REFUSED_SETS = 256;
/** What marks a package bundle among a run's modules. */
const NPM_PREFIX = "npm:";

/** The guest parts a package image is made from. */
export interface PreloadTarget {
  readonly engine: { runtime: QuickJSRuntime; ctx: QuickJSContext } | undefined;
  readonly preloadGuard: PreloadGuard;
  readonly shouldInterrupt: () => boolean;
}

interface PackageImage {
  key: string;
  /** Each bundle's code, in key order: a specifier may come to stand for another version. */
  sources: string[];
  image: RuntimeImage;
  bytes: number;
}

/** Where a run starts: from an image with its packages, from the base image (it evaluates them itself), or nowhere (drop the instance). */
export type PackageStart = "packages" | "base" | "broken";

/**
 * Runtime images whose packages are already evaluated, so that a run importing a large
 * `npm:` bundle does not parse and evaluate it again (~20 ms for a 100 KB bundle).
 *
 * A run whose modules include package bundles is started from an image of the instance's
 * runtime taken right after those bundles' modules were evaluated (made on the first
 * such run). The run's imports find the modules already loaded (QuickJS looks a module
 * up by name before asking the loader), and after the run the runtime is rewound to the
 * base image as after any run, so whatever a run changed in a package's state is gone
 * for the next.
 *
 * Only what every run would compute the same way is captured: a bundle whose
 * evaluation logs, sets a timer, calls the host, reads the clock or entropy (host
 * bytes, Math.random), leaves jobs pending, fails, or grows the memory is refused, and
 * runs importing it evaluate it themselves as before (lodash-es is one: its shortOut
 * reads Date.now while it loads). Secrets cannot be in an image: the image is taken
 * before the run is configured (secret names, placeholder nonce) and host calls are
 * refused while it is made.
 *
 * One difference stays: captured bundles are evaluated before the run's own modules,
 * not among them, and even when the run only imports them dynamically. Only code that
 * links the two through globals could notice (a library module setting a global that a
 * bundle's top level reads, or seeing one a bundle sets, e.g. zod's registry).
 */
export class PackageImages {
  private readonly images: PackageImage[] = [];

  /** @param refused package sets found not capturable; shared by an instance's successors (the reason holds for them too). */
  constructor(private readonly refused: Set<string>) {}

  /** Bytes all images hold on the host (for tests and diagnostics). */
  get storedBytes(): number {
    return this.images.reduce((sum, entry) => sum + entry.bytes, 0);
  }

  /** How many images are kept. */
  get size(): number {
    return this.images.length;
  }

  /**
   * Readies `guest`, which `base` has just rewound and which nothing has run in since,
   * for `request`: rewinds it to the image of the request's packages, making that
   * image if there is none yet.
   */
  enter(guest: PreloadTarget, base: RuntimeImage, memory: WebAssembly.Memory, request: RunRequest): PackageStart {
    const bundles = request.modules.filter(isBundle).sort((a, b) => (a.specifier < b.specifier ? -1 : a.specifier > b.specifier ? 1 : 0));
    if (bundles.length === 0) return "base";
    const key = bundles.map((m) => m.specifier).join("\n");
    const at = this.images.findIndex((entry) => entry.key === key);
    if (at >= 0) {
      const [entry] = this.images.splice(at, 1);
      if (entry!.sources.every((js, i) => js === bundles[i]!.js)) {
        this.images.push(entry!);
        return entry!.image.restoreOver(base) ? "packages" : "broken";
      }
    }
    if (this.refused.has(key)) return "base";
    const made = this.make(guest, base, memory, bundles, request.deadline);
    if (made === "refused" || made === "stopped") {
      // A set stopped by the deadline may load in time on another run: it is tried again.
      if (made === "refused") this.refuse(key);
      return base.restore() ? "base" : "broken";
    }
    if (made.bytes > MAX_STORED_BYTES) {
      // Too large to keep: this run still starts from the evaluated state (it is exactly what it would be).
      this.refuse(key);
      return "packages";
    }
    while (this.images.length >= MAX_IMAGES || (this.images.length > 0 && this.storedBytes + made.bytes > MAX_STORED_BYTES)) this.images.shift();
    this.images.push({ key, sources: bundles.map((m) => m.js), image: made.image, bytes: made.bytes });
    return "packages";
  }

  private refuse(key: string): void {
    if (this.refused.size >= MAX_REFUSED_SETS) this.refused.delete(this.refused.values().next().value!);
    this.refused.add(key);
  }

  /** Evaluates the bundles in the base state and captures the result, or "refused" / "stopped" (by the run's deadline): the runtime must then be rewound. */
  private make(guest: PreloadTarget, base: RuntimeImage, memory: WebAssembly.Memory, bundles: GuestModule[], deadline: number): { image: RuntimeImage; bytes: number } | "refused" | "stopped" {
    const parts = guest.engine;
    if (!parts) return "refused";
    const { runtime, ctx } = parts;
    const memoryBytes = memory.buffer.byteLength;
    const randomBefore = base.randomState;
    // The run's own clock (Date.now) is watched by the guard; the deadline is kept on another one.
    const stopAt = performance.now() + Math.max(0, deadline - Date.now());
    runtime.setInterruptHandler(() => performance.now() > stopAt);
    let evaluated: { value: boolean; touched: string | undefined };
    try {
      evaluated = guest.preloadGuard.during(() => {
        for (const bundle of bundles) if (!evaluateModule(runtime, ctx, bundle)) return false;
        return !runtime.hasPendingJob();
      });
    } finally {
      runtime.setInterruptHandler(guest.shouldInterrupt);
    }
    if (!evaluated.value && evaluated.touched === undefined && performance.now() > stopAt) return "stopped";
    if (!evaluated.value || evaluated.touched !== undefined) return "refused";
    if (base.randomState !== randomBefore || memory.buffer.byteLength !== memoryBytes) return "refused";
    const image = base.derive(memory, runtime, ctx);
    return image ? { image, bytes: image.storedBytes } : "refused";
  }
}

/** A package bundle the host sent (never bound to a caller: only library modules are). */
function isBundle(module: GuestModule): boolean {
  return module.specifier.startsWith(NPM_PREFIX) && module.caller === undefined;
}

/** Evaluates a module under its specifier, as an import of it would; whether it evaluated completely. */
function evaluateModule(runtime: QuickJSRuntime, ctx: QuickJSContext, bundle: GuestModule): boolean {
  const result = ctx.evalCode(bundle.js, bundle.specifier, { type: "module" });
  if (result.error) {
    result.error.dispose();
    return false;
  }
  return settled(runtime, ctx, result.value);
}

/** Whether `handle` (disposed here) is a value or a promise that fulfils once the jobs it waits on have run. */
function settled(runtime: QuickJSRuntime, ctx: QuickJSContext, handle: QuickJSHandle): boolean {
  try {
    let state = ctx.getPromiseState(handle);
    if (state.type === "pending") {
      const jobs = runtime.executePendingJobs();
      if (jobs.error) {
        jobs.error.dispose();
        return false;
      }
      state = ctx.getPromiseState(handle);
    }
    if (state.type === "fulfilled") {
      if (!state.notAPromise) state.value.dispose();
      return true;
    }
    if (state.type === "rejected") state.error.dispose();
    return false;
  } finally {
    if (handle.alive) handle.dispose();
  }
}
