/**
 * A thread that reads declaration files' facts (outline, statements) while the main
 * thread has not loaded TypeScript: after a pull, a start's first search needs the
 * facts of its hits, and loading the compiler on the main thread would hold that
 * search (and every other request) for most of a second. Answers one `FactsRequest` at a time.
 */
import { parentPort } from "node:worker_threads";
import { storedFactsOf, type StoredFacts } from "./declaration-outline.js";
import { loadTypeScript } from "./type-program.js";

export interface FactsRequest {
  id: number;
  texts: string[];
}

export interface FactsReply {
  id: number;
  /** Per text; null for one that could not be read. */
  facts: Array<StoredFacts | null>;
}

/** Read once after loading, so that the first request's parse and outline run compiled code, not cold code. */
const WARM_UP_DECLARATIONS = `/** A thing. */
export interface Thing { id: string; tags?: string[] }
/** Lists things. */
export declare function listThings(query?: { limit?: number }): Promise<Thing[]>;
export declare class ThingError extends Error { readonly status: number }
export type ThingId = Thing["id"];
`;

// Loaded at once: the thread is started as soon as a search is likely to need it.
loadTypeScript();
storedFactsOf(WARM_UP_DECLARATIONS, "if-compiler-loaded");
parentPort?.on("message", ({ id, texts }: FactsRequest) => {
  const facts = texts.map((text) => {
    try {
      return storedFactsOf(text, "if-compiler-loaded") ?? null;
    } catch {
      return null;
    }
  });
  parentPort?.postMessage({ id, facts } satisfies FactsReply);
});
