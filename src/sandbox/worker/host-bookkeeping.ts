import type { QuickJSContext, QuickJSRuntime } from "quickjs-emscripten-core";

/** quickjs-emscripten-core 0.32's registry of host functions (private there). */
interface HostRefMap {
  nextId: number;
  freelist: number[];
  groups: Map<number, Map<number, unknown>>;
}

interface RuntimeInternals {
  hostRefs?: HostRefMap;
  contextMap?: Map<number, unknown>;
  context?: unknown;
  scope?: { _disposables?: { value?: Set<unknown> } };
  callbacks?: { contextCallbacks?: Map<number, unknown>; runtimeCallbacks?: Map<number, unknown> };
}

interface ContextInternals {
  memory?: { scope?: { _disposables?: { value?: Set<unknown> } } };
}

/** The context's lazily made handles: one made during a run would point into memory the restore takes back. */
const LAZY_CONTEXT_HANDLES = ["_undefined", "_null", "_false", "_true", "_global", "_BigInt", "_Symbol", "_SymbolIterator", "_SymbolAsyncIterator"] as const;

/**
 * What quickjs-emscripten remembers on the host side about a runtime's C state, saved
 * alongside a memory image so both can be put back together.
 *
 * The host-function registry changes during a run (a function made by the guest's
 * polyfills, a function the guest let go of), and is put back exactly. Everything else
 * it keeps (contexts by pointer, owned handles, cached well-known values) must not have
 * changed at all: `restore` reports false if it has, and the instance must then be
 * dropped rather than rewound.
 *
 * Uses quickjs-emscripten-core's private fields (the version is pinned); `capture`
 * returns undefined when they are not what this file expects.
 */
export class HostBookkeeping {
  private constructor(
    private readonly runtime: RuntimeInternals & { hostRefs: HostRefMap },
    private readonly ctx: QuickJSContext,
    private readonly hostRefs: HostRefMap,
    private readonly shape: readonly unknown[],
  ) {}

  static capture(runtime: QuickJSRuntime, ctx: QuickJSContext): HostBookkeeping | undefined {
    const internals = runtime as unknown as RuntimeInternals;
    const refs = internals.hostRefs;
    if (!refs || typeof refs.nextId !== "number" || !Array.isArray(refs.freelist) || !(refs.groups instanceof Map)) return undefined;
    // Made on first use: made now, so that none is made during a run (they point at constants, but the shape must hold).
    for (const constant of [ctx.undefined, ctx.null, ctx.true, ctx.false]) if (!constant.alive) return undefined;
    const shape = HostBookkeeping.shapeOf(internals, ctx);
    if (!shape) return undefined;
    return new HostBookkeeping(internals as RuntimeInternals & { hostRefs: HostRefMap }, ctx, copyHostRefs(refs), shape);
  }

  /** Puts the host-function registry back; false if anything else changed since the capture. */
  restore(): boolean {
    const shape = HostBookkeeping.shapeOf(this.runtime, this.ctx);
    if (!shape || shape.length !== this.shape.length || shape.some((value, i) => value !== this.shape[i])) return false;
    const refs = this.runtime.hostRefs;
    // Most runs make and free no host function: then there is nothing to put back (and nothing to allocate).
    if (sameHostRefs(refs, this.hostRefs)) return true;
    const saved = copyHostRefs(this.hostRefs);
    refs.nextId = saved.nextId;
    refs.freelist = saved.freelist;
    refs.groups = saved.groups;
    return true;
  }

  /** The values that must be the same after a run as at the capture. */
  private static shapeOf(runtime: RuntimeInternals, ctx: QuickJSContext): unknown[] | undefined {
    const contextInternals = ctx as unknown as ContextInternals & Record<string, unknown>;
    const runtimeOwned = runtime.scope?._disposables?.value;
    const contextOwned = contextInternals.memory?.scope?._disposables?.value;
    const { contextMap, callbacks } = runtime;
    if (!runtimeOwned || !contextOwned || !contextMap || !callbacks?.contextCallbacks || !callbacks.runtimeCallbacks) return undefined;
    return [
      runtimeOwned.size,
      contextOwned.size,
      contextMap.size,
      callbacks.contextCallbacks.size,
      callbacks.runtimeCallbacks.size,
      runtime.context,
      ...LAZY_CONTEXT_HANDLES.map((key) => contextInternals[key]),
    ];
  }
}

function sameHostRefs(a: HostRefMap, b: HostRefMap): boolean {
  if (a.nextId !== b.nextId || a.freelist.length !== b.freelist.length || a.groups.size !== b.groups.size) return false;
  if (a.freelist.some((id, i) => id !== b.freelist[i])) return false;
  for (const [id, group] of a.groups) {
    const other = b.groups.get(id);
    if (!other || other.size !== group.size) return false;
    for (const [ref, value] of group) if (other.get(ref) !== value) return false;
  }
  return true;
}

function copyHostRefs(refs: HostRefMap): HostRefMap {
  return {
    nextId: refs.nextId,
    freelist: refs.freelist.slice(),
    groups: new Map([...refs.groups].map(([id, group]) => [id, new Map(group)])),
  };
}
