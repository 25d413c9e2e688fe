import { Worker } from "node:worker_threads";
import { hasFacts, rememberFacts } from "./declaration-outline.js";
import type { FactsReply, FactsRequest } from "./facts-worker.js";
import { typeScriptLoaded, whenTypeScriptLoaded } from "./type-program.js";
import { distFile } from "../dist-dir.js";

/**
 * The main thread's side of facts-worker.ts: started when a search is about to need
 * facts the search snapshot does not hold (at a start that finds integrations pulled since
 * it was saved, or by the first search whose hits lack them), it
 * loads TypeScript on another core while the start goes on. Stopped once the main thread
 * has the compiler itself (then facts are read in place) or the process closes.
 */

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, (reply: FactsReply["facts"]) => void>();

/** Starts the thread, unless the main thread has TypeScript already (or the thread runs). */
export function startFactsThread(): void {
  if (worker || typeScriptLoaded()) return;
  const started = new Worker(distFile("library/facts-worker.js"));
  started.on("message", (reply: FactsReply) => {
    const done = waiting.get(reply.id);
    waiting.delete(reply.id);
    done?.(reply.facts);
  });
  const stopped = () => {
    if (worker === started) worker = undefined;
    for (const done of waiting.values()) done([]);
    waiting.clear();
  };
  started.on("error", stopped);
  started.on("exit", stopped);
  // Never what keeps a process alive. After the listeners: a "message" listener refs the worker's port again.
  started.unref();
  worker = started;
  whenTypeScriptLoaded(() => void stopFactsThread());
}

/** Stops the thread (waiting requests get no facts: the main thread reads them itself). */
export async function stopFactsThread(): Promise<void> {
  const running = worker;
  worker = undefined;
  await running?.terminate();
}

/**
 * Puts the facts of these declaration files in the cache, read by the thread (started now
 * if need be) while the main thread has no compiler; otherwise does nothing (whatever
 * needs them reads them in place). Never fails.
 */
export async function prepareFacts(texts: readonly string[]): Promise<void> {
  if (typeScriptLoaded()) return;
  const missing = [...new Set(texts)].filter((text) => !hasFacts(text));
  if (missing.length === 0) return;
  startFactsThread();
  const running = worker;
  if (!running) return;
  const id = nextId++;
  const facts = await new Promise<FactsReply["facts"]>((resolve) => {
    waiting.set(id, resolve);
    running.ref();
    running.postMessage({ id, texts: missing } satisfies FactsRequest);
  }).finally(() => {
    if (waiting.size === 0) running.unref();
  });
  facts.forEach((stored, i) => {
    if (stored) rememberFacts(missing[i]!, stored);
  });
  if (facts.some((stored) => stored)) factsFromThread++;
}

let factsFromThread = 0;

/** How many times the thread has given facts so far (a snapshot saved before lacks them). */
export function factsFromThreadCount(): number {
  return factsFromThread;
}
