import { NotRegularFileError, readRegularFile } from "./regular-files.js";

/**
 * An integration's declarations as committed: the `<name>.d.ts` beside its code (saves
 * write it). Versions saved without one have them derived once (derived-declarations.ts);
 * search reads declarations only through `LibraryStore.declarationsFor`, so a library that
 * came with its `.d.ts` files is never re-derived.
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
