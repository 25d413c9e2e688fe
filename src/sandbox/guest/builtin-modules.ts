/**
 * Modules the sandbox provides itself. `toolsmith` is the documented helper module;
 * its `__internal.hostCall` is what generated modules (e.g. `mcp/<server>`) call. Every
 * host call is checked on the main thread, so reaching it directly grants nothing.
 */
const TOOLSMITH_MODULE_JS = String.raw`
const internals = globalThis.__toolsmith_internals;
delete globalThis.__toolsmith_internals;
const hostCall = internals.hostCall;

/** Waits ms milliseconds (bounded by the run's deadline). */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reports progress to the client (shown when it asked for progress). */
export function progress(message, current, total) {
  return hostCall("progress", { message: String(message), progress: current, total });
}

export const __internal = Object.freeze({ hostCall });
`;

export const BUILTIN_MODULES: Readonly<Record<string, string>> = Object.freeze({
  toolsmith: TOOLSMITH_MODULE_JS,
});
