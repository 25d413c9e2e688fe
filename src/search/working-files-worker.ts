/** Reads readWorkingFiles for many integrations off the main thread (see working-files.ts) and posts them back at once. */
import { parentPort, workerData } from "node:worker_threads";
import { readWorkingFiles } from "./working-files.js";

const { root, names } = workerData as { root: string; names: string[] };
try {
  parentPort?.postMessage({ files: names.map((name) => readWorkingFiles(root, name) ?? null) });
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message });
}
