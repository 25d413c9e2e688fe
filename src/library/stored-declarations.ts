import { createHash } from "node:crypto";
import { emitDeclarations, type DeclarationLookup } from "./declarations.js";
import { NotRegularFileError, readRegularFile } from "./regular-files.js";

/**
 * An integration's declarations: the `<name>.d.ts` committed beside its code (saves write
 * it), or, for a version saved before declarations were committed, emitted once by the
 * compiler and kept in memory by the code's hash. Search reads declarations only through
 * `LibraryStore.declarationsFor`, so a library that came with its `.d.ts` files is never
 * re-derived.
 */

/** The declaration file of an integration, relative to the library root. */
export function declarationFileOf(name: string): string {
  return `${name}.d.ts`;
}

/** `<name>.d.ts` if it is a regular file in the library; undefined when absent (or a link, which is never read). */
export function readStoredDeclarations(root: string, name: string): string | undefined {
  try {
    return readRegularFile(root, declarationFileOf(name));
  } catch (error) {
    if (error instanceof NotRegularFileError) return undefined;
    throw error;
  }
}

/** Derived declarations kept per process; past this many the cache starts over. */
const MAX_DERIVED = 2_000;

export class DerivedDeclarations {
  private readonly byCode = new Map<string, string>();
  /** Names being derived right now: an import cycle sees the other side as untyped instead of recursing. */
  private readonly deriving = new Set<string>();

  /** The declarations the compiler emits for `code`; `library` answers the integration's own imports. */
  get(name: string, code: string, library: DeclarationLookup): string | undefined {
    const key = createHash("sha1").update(code).digest("hex");
    const hit = this.byCode.get(key);
    if (hit !== undefined) return hit;
    if (this.deriving.has(name)) return undefined;
    this.deriving.add(name);
    try {
      const { dts } = emitDeclarations({ name, code, importable: { library } });
      if (this.byCode.size >= MAX_DERIVED) this.byCode.clear();
      this.byCode.set(key, dts);
      return dts;
    } finally {
      this.deriving.delete(name);
    }
  }
}
