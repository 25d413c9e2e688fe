import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { WarmInstance } from "../../dist/sandbox/worker/quickjs-instance.js";
import type { GuestRun } from "../../dist/sandbox/worker/guest-run.js";
import type { FromWorker, RunFinished, RunRequest } from "../../dist/sandbox/protocol.js";

// Runs straight on a worker's WarmInstance, as src/sandbox/worker/entry.ts drives it,
// for tests of runtime and package images.

export const WARM_MEMORY_MB = 64;

/** The QuickJS WebAssembly module a worker instantiates. */
export async function compileQuickJSModule(): Promise<WebAssembly.Module> {
  const require = createRequire(import.meta.url);
  return WebAssembly.compile(await readFile(require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm")));
}

let nextRunId = 1;
/** A run request for `js` with no host functions, 5 s to run and 64 MB; `extra` overrides any field. */
export function runRequest(js: string, extra: Partial<RunRequest> = {}): RunRequest {
  return {
    type: "run",
    runId: nextRunId++,
    main: { specifier: "main", js },
    modules: [],
    deadline: Date.now() + 5000,
    timeoutMs: 5000,
    memoryMb: WARM_MEMORY_MB,
    maxLogChars: 10_000,
    maxHostCalls: 100,
    maxOutputChars: 100_000,
    host: { hostFunctions: [], secretNames: [], secretNonce: "nonce" },
    ...extra,
  };
}

export interface RunHooks {
  /** Every message the run sends the main thread. */
  onMessage?: (message: FromWorker) => void;
  /** Called once the run has started (it is waiting on its event loop by then if it awaits anything). */
  started?: (run: GuestRun) => void;
}

/** One run on `warm`, as the worker does it: take (with the request), run, release (rewinding the image), prepare the next. */
export async function runOnWarm(warm: WarmInstance, request: RunRequest, hooks: RunHooks = {}): Promise<RunFinished> {
  const run = await warm.take(WARM_MEMORY_MB, request);
  const running = run.run(request, (message) => hooks.onMessage?.(message));
  hooks.started?.(run);
  const finished = await running;
  warm.release(run);
  await warm.prepare(WARM_MEMORY_MB);
  return finished;
}

/** A finished run's result, or its guest error thrown. */
export function resultOf(finished: RunFinished): unknown {
  if (!finished.outcome.ok) throw new Error(`${finished.outcome.error.name}: ${finished.outcome.error.message}`);
  return JSON.parse(finished.outcome.resultJson);
}
