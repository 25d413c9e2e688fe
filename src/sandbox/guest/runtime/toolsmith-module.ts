/**
 * The `toolsmith` module as the guest imports it (an ES module evaluated once per guest, right
 * after the prelude; declared for agents in ../sandbox-world-toolsmith.ts). Its
 * `__internal.hostCall` is what generated modules (e.g. `mcp/<server>`) call. Every host
 * call is checked on the main thread, so reaching it directly grants nothing.
 */
import type { PreludeInternals } from "./prelude.js";

// The prelude's internals: taken out of the global scope before any agent code runs.
const internals: PreludeInternals = (globalThis as any).__toolsmith_internals;
delete (globalThis as any).__toolsmith_internals;
const hostCall = internals.hostCall;

/** An opaque placeholder for a configured secret; the host puts the value into requests to its hosts only. */
export const secret = internals.secret;

/** Waits ms milliseconds (bounded by the run's deadline). */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reports progress to the client (shown when it asked for progress). */
export function progress(message, current, total) {
  return hostCall("progress", { message: String(message), progress: current, total });
}

/** "Basic <base64(username:password)>"; works with secret() placeholders in either part. */
export function basicAuth(username, password) {
  const bytes = new TextEncoder().encode(String(username) + ":" + String(password));
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return "Basic " + btoa(binary);
}

/** Files kept between runs under the home's workspace/ folder (paths are relative to it). */
export const workspace = Object.freeze({
  read: (path) => hostCall("workspace.read", { path }),
  write: (path, text) => hostCall("workspace.write", { path, text: String(text) }),
  readJson: async (path) => JSON.parse((await hostCall("workspace.read", { path })) as string),
  writeJson: (path, value) => hostCall("workspace.write", { path, text: JSON.stringify(value, null, 2) }),
  list: (path) => hostCall("workspace.list", { path: path === undefined ? "." : path }),
  remove: (path) => hostCall("workspace.remove", { path }),
});

/**
 * The saved library itself. remove(name, { force }) deletes an integration; rename(from, to,
 * { force }) moves it (its test follows). Each is one commit; dependents are re-tested. An
 * integration others import is refused unless force is true (then failing dependents are
 * marked unverified). Resolve to { version, dependents, ... }.
 */
export const library = Object.freeze({
  remove: (name, options) => hostCall("library.remove", { name: String(name), force: options?.force === true }),
  rename: (from, to, options) => hostCall("library.rename", { from: String(from), to: String(to), force: options?.force === true }),
});

/**
 * Re-runs a saved integration's test and its dependents' tests against the library and the
 * services as they are now; records each outcome (search shows lastVerification). Resolves to
 * { name, passed, assertions, durationMs, error?, dependents } also when a test fails.
 */
export function verify(name) {
  return hostCall("library.verify", { name: String(name) });
}

/**
 * Runs of saved integrations' exports on a cron (schedules.json in the home; fired by the
 * running server). set(id, { cron, tz?, integration, export, args?, catchUp? }) adds or
 * replaces one; runNow(id) runs it once and resolves to its outcome.
 */
export const schedules = Object.freeze({
  set: (id, options) => hostCall("schedules.set", { id, options }),
  list: () => hostCall("schedules.list", {}),
  remove: (id) => hostCall("schedules.remove", { id }),
  runNow: (id) => hostCall("schedules.runNow", { id }),
});

/**
 * Webhooks: POST /hooks/<id> on the HTTP server runs an export with { method, headers, body }.
 * set(id, { integration, export, reply? }) resolves to { path, secret } (the secret on creation only).
 */
export const hooks = Object.freeze({
  set: (id, options) => hostCall("hooks.set", { id, options }),
  list: () => hostCall("hooks.list", {}),
  remove: (id) => hostCall("hooks.remove", { id }),
});

export const __internal = Object.freeze({ hostCall, bindCaller: internals.bindCaller });
