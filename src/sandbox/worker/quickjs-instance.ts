import RELEASE_SYNC from "@jitl/quickjs-wasmfile-release-sync";
import { GuestRun } from "./guest-run.js";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";

// The package ships CommonJS typings for an ESM default export; at runtime the import is the variant.
const SYNC_VARIANT = RELEASE_SYNC as unknown as QuickJSSyncVariant;

const WASM_PAGE_BYTES = 64 * 1024;
/** The sync build's memory import needs at least this many pages to start. */
const INITIAL_MEMORY_MB = 16;

/**
 * A fresh QuickJS WebAssembly instance whose linear memory can never grow past
 * `memoryMb`: strings, typed arrays and objects alike fail as a guest "out of memory".
 */
export async function newBoundedQuickJS(wasmModule: WebAssembly.Module, memoryMb: number): Promise<QuickJSWASMModule> {
  const maximumPages = Math.floor((memoryMb * 1024 * 1024) / WASM_PAGE_BYTES);
  const initialPages = Math.min(maximumPages, Math.floor((INITIAL_MEMORY_MB * 1024 * 1024) / WASM_PAGE_BYTES));
  const wasmMemory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages });
  return newQuickJSWASMModuleFromVariant(newVariant(SYNC_VARIANT, { wasmModule, wasmMemory }));
}

/** Keeps one prepared guest ready so a run only pays for evaluating the agent's code. */
export class WarmInstance {
  private spare: { memoryMb: number; instance: Promise<GuestRun> } | undefined;

  constructor(private readonly wasmModule: WebAssembly.Module) {}

  prepare(memoryMb: number): void {
    if (this.spare?.memoryMb === memoryMb) return;
    const instance = this.make(memoryMb);
    instance.catch(() => undefined);
    this.spare = { memoryMb, instance };
  }

  /** Takes the spare if it fits, else makes one; either way starts preparing the next. */
  take(memoryMb: number): Promise<GuestRun> {
    const spare = this.spare;
    this.spare = undefined;
    return spare?.memoryMb === memoryMb ? spare.instance : this.make(memoryMb);
  }

  private async make(memoryMb: number): Promise<GuestRun> {
    return new GuestRun(await newBoundedQuickJS(this.wasmModule, memoryMb), memoryMb);
  }
}
