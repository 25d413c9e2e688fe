/**
 * Trusted guest code evaluated (as a script) before the agent's module. It builds
 * the documented guest world (console, timers, result serialization) on top of a
 * few host functions the worker installs as globals (`GuestHostFunctions`, declared in
 * ../host-functions.ts), captures what it needs in a closure, removes those globals,
 * and leaves an object of internals that only the worker holds a handle to: the
 * script's completion value (see scripts/build-guest-scripts.mjs), also left in the
 * global `__toolsmith_internals` for the `toolsmith` module, which takes it away.
 */
import type { GuestHostFunctions } from "../host-functions.js";
import type { CryptoHandOver, FetchFactory, FetchHandOver, GuestGlobal } from "./guest-global.js";

const g: GuestGlobal = globalThis;
const host: GuestHostFunctions = g as unknown as GuestHostFunctions;
const hostLog = host.__ts_log, hostTimerSet = host.__ts_timerSet, hostTimerClear = host.__ts_timerClear;
const hostCallRaw = host.__ts_hostCall, loadPolyfills = host.__ts_loadPolyfills, loadFetch = host.__ts_loadFetch;
const loadScript = host.__ts_loadScript, hostRandomBytes = host.__ts_randomBytes, hostNow = host.__ts_now;
const hostClaimCaller = host.__ts_claimCaller, hostCallAs = host.__ts_hostCallAs;
delete g.__ts_claimCaller; delete g.__ts_hostCallAs;
delete g.__ts_log; delete g.__ts_timerSet; delete g.__ts_timerClear; delete g.__ts_hostCall; delete g.__ts_loadPolyfills; delete g.__ts_loadFetch;
delete g.__ts_loadScript; delete g.__ts_randomBytes; delete g.__ts_now;

// The fetch polyfill's factory and the global fetch it made, once loaded (see bindCaller).
let fetchWith: FetchFactory["__toolsmith_fetch_with"] | undefined, globalFetch: unknown;
// Web globals are compiled on first use: most runs never touch them, and parsing
// them costs more than the rest of a run. fetch and friends need the others.
const lazyGroups = [
  { names: ["URL", "URLSearchParams", "TextEncoder", "TextDecoder", "atob", "btoa"], load: () => loadPolyfills() },
  {
    names: ["fetch", "Headers", "Response", "Request"],
    load: () => {
      handOver("__toolsmith_fetch_host", (request) => hostCall("fetch", request));
      // Stops the host's request for an aborted signal; the guest's promise has already rejected.
      handOver("__toolsmith_fetch_abort", (abortId) => { promiseThen(hostCall("fetch.abort", { abortId }), undefined, () => undefined); });
      loadFetch();
      fetchWith = g.__toolsmith_fetch_with;
      delete g.__toolsmith_fetch_with;
      globalFetch = g.fetch;
    },
  },
  { names: ["DOMException", "Event", "EventTarget", "AbortController", "AbortSignal"], load: () => loadScript("abort") },
  { names: ["Blob", "File", "FormData"], load: () => loadScript("form-data") },
  { names: ["structuredClone"], load: () => loadScript("structured-clone") },
  {
    names: ["crypto", "Crypto", "CryptoKey", "SubtleCrypto"],
    load: () => {
      handOver("__toolsmith_crypto_host", { random: hostRandomBytes, call: (op, args) => hostCall("crypto.subtle", { op, args }) });
      loadScript("web-crypto");
    },
  },
];
for (const group of lazyGroups) {
  let loaded = false;
  const ensure = () => {
    if (loaded) return;
    loaded = true;
    for (const name of group.names) delete g[name];
    group.load();
  };
  for (const name of group.names) {
    Object.defineProperty(g, name, {
      configurable: true,
      enumerable: false,
      get() { ensure(); return g[name]; },
      set(value) { ensure(); Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false }); },
    });
  }
}

// Transpiled \`using\` declarations look these up (esbuild falls back to the same registry symbols).
if (!(Symbol as any).dispose) Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose") });
if (!(Symbol as any).asyncDispose) Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("Symbol.asyncDispose") });

const stringify = JSON.stringify, parse = JSON.parse;
const ObjectKeys = Object.keys, isArray = Array.isArray, StringCtor = String;
const PromiseCtor = Promise, promiseThen = Function.prototype.call.bind(Promise.prototype.then);
const promiseResolve = (v) => new PromiseCtor((resolve) => resolve(v));
const MapCtor = Map, SetCtor = Set, ErrorCtor = Error;
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get;
const ArrayFrom = Array.from, FromEntries = Object.fromEntries;
const define = (obj, name, value) =>
  Object.defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });
// A global one of the lazily loaded scripts takes (and deletes) when it runs, typed by what that script expects.
const handOver = <K extends keyof (FetchHandOver & CryptoHandOver)>(name: K, value: (FetchHandOver & CryptoHandOver)[K]) => define(g, name, value);

// JSON for results and logs: BigInt as a string, undefined as null, cycles cut,
// Map/Set/typed arrays as plain JSON, Errors as { name, message }.
function toPlain(value) {
  if (typeof value === "bigint") return StringCtor(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof MapCtor) return FromEntries(ArrayFrom(value.entries(), ([k, v]) => [typeof k === "string" ? k : safeString(k), v]));
  if (value instanceof SetCtor) return ArrayFrom(value.values());
  if (value instanceof ErrorCtor) return { name: StringCtor(value.name), message: StringCtor(value.message) };
  if (typedArrayTag.call(value) !== undefined) return ArrayFrom(value, (x) => (typeof x === "bigint" ? StringCtor(x) : x));
  return value;
}
// budget (characters): past it, arrays and objects are cut and strings shortened, so
// turning a huge result into JSON costs time in proportion to what is kept.
let lastSerializeCut = false;
// The guest's own cut of a result is only a bound on what crosses to the host (which cuts
// precisely to limits.maxOutputChars): a few times the limit, so the host's cut decides.
const GUEST_OUTPUT_FACTOR = 4;
// A small tree of plain objects and arrays over strings, numbers, booleans and nulls
// (most host-call arguments and logged records) needs no replacer: JSON.stringify gives
// what the replacer would. The check reads property descriptors, so it runs no getter
// (an accessor takes the general path, where it runs once); a deep or large tree, or
// anything else (Map, Date, BigInt, a class instance), takes the general path too.
const ObjectProto = Object.prototype, ArrayProto = Array.prototype, getProto = Object.getPrototypeOf, getOwnDescriptor = Object.getOwnPropertyDescriptor;
const PLAIN_MAX_DEPTH = 6, PLAIN_MAX_NODES = 200;
let plainNodes = 0;
function isPlainValue(v, depth) {
  if (v === null) return true;
  const type = typeof v;
  if (type === "string" || type === "number" || type === "boolean" || type === "undefined") return true;
  if (type !== "object" || depth > PLAIN_MAX_DEPTH || ++plainNodes > PLAIN_MAX_NODES) return false;
  const proto = getProto(v);
  if (proto === ObjectProto) {
    const keys = ObjectKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const d = getOwnDescriptor(v, keys[i]);
      if (d === undefined || !("value" in d) || keys[i] === "toJSON" || !isPlainValue(d.value, depth + 1)) return false;
    }
    return true;
  }
  if (proto !== ArrayProto || !isArray(v) || getOwnDescriptor(v, "toJSON") !== undefined) return false;
  for (let i = 0; i < v.length; i++) {
    const d = getOwnDescriptor(v, i);
    // A hole is null either way.
    if (d !== undefined && (!("value" in d) || !isPlainValue(d.value, depth + 1))) return false;
  }
  return true;
}
function isPlainTree(value) {
  if (value === null || typeof value !== "object") return false;
  plainNodes = 0;
  return isPlainValue(value, 0);
}
function serialize(value, space?, budget?) {
  if (budget === undefined && space === undefined && isPlainTree(value)) {
    lastSerializeCut = false;
    return stringify(value);
  }
  const limit = budget === undefined ? Infinity : budget;
  let used = 0;
  let cut = false;
  const ancestors = [];
  const replacer = function (key, v) {
    if (ancestors.length > 0) {
      const at = ancestors.indexOf(this);
      if (at >= 0) ancestors.length = at + 1; else ancestors.push(this);
      if (v !== null && typeof v === "object" && ancestors.indexOf(v) >= 0) return "[Circular]";
    } else ancestors.push(v);
    let out = toPlain(v);
    used += StringCtor(key).length + 4;
    // Past the budget: objects and strings become a bare "…" (the host counts it as one dropped
    // item); numbers, booleans and null stay as they are, so nothing is lost and nothing is cut.
    if (used > limit) {
      // A cut's own marker ("…[+N items]") is kept: it carries the count the host reports.
      if (typeof out === "string" && out.startsWith("…[+")) return out;
      if (out !== null && (typeof out === "object" || typeof out === "string")) { cut = true; return "…"; }
      return out;
    }
    if (isArray(out)) {
      const room = Math.max(1, Math.floor((limit - used) / 4));
      if (out.length > room) { cut = true; const total = out.length; out = out.slice(0, room); out.push("…[+" + (total - room) + " items]"); }
    } else if (out !== null && typeof out === "object") {
      const keys = ObjectKeys(out);
      const room = Math.max(1, Math.floor((limit - used) / 6));
      if (keys.length > room) {
        cut = true;
        const kept = {};
        for (let i = 0; i < room; i++) kept[keys[i]] = out[keys[i]];
        kept["…"] = "+" + (keys.length - room) + " keys";
        out = kept;
      }
    } else if (typeof out === "string") {
      if (out.length > limit - used) { cut = true; const keep = Math.max(0, limit - used); out = out.slice(0, keep) + "…[+" + (out.length - keep) + " chars]"; }
      used += out.length;
    } else used += 8;
    return out;
  };
  const text = stringify(value === undefined ? null : value, replacer, space);
  lastSerializeCut = cut;
  return text === undefined ? "null" : text;
}
function safeString(value) {
  if (typeof value === "string") return value;
  if (typeof value === "function") return "[Function " + (value.name || "anonymous") + "]";
  if (typeof value === "symbol") return value.toString();
  if (value === undefined) return "undefined";
  if (value instanceof ErrorCtor) return (value.stack ? value.name + ": " + value.message + "\n" + value.stack : value.name + ": " + value.message);
  try { return serialize(value); } catch (e) { return "[unserializable: " + (e && e.message) + "]"; }
}
function describeError(e) {
  if (e instanceof ErrorCtor || (e !== null && typeof e === "object" && "message" in e)) {
    return { name: StringCtor(e.name || "Error"), message: StringCtor(e.message), stack: e.stack === undefined ? undefined : StringCtor(e.stack) };
  }
  return { name: "Error", message: "Uncaught " + (typeof e) + ": " + safeString(e) };
}

// console: each call becomes one log line, formatted like Node's (without colors).
function format(args) {
  let out = [];
  let i = 0;
  if (typeof args[0] === "string" && args[0].indexOf("%") >= 0 && args.length > 1) {
    const fmt = args[0];
    i = 1;
    out.push(fmt.replace(/%[sdifjoO%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      const num = (x) => { try { return Number(x); } catch (e) { return NaN; } };
      if (m === "%d" || m === "%i") return StringCtor(m === "%i" ? Math.trunc(num(a)) : num(a));
      if (m === "%f") return StringCtor(num(a));
      if (m === "%s") return typeof a === "string" ? a : safeString(a);
      return safeString(a);
    }));
  }
  for (; i < args.length; i++) out.push(safeString(args[i]));
  return out.join(" ");
}
// Once the log cap is reached the host says so, and console stops formatting lines.
let logging = true;
const emit = (level, text) => { if (logging && hostLog(level, text) === false) logging = false; };
const consoleObj = {};
for (const level of ["log", "info", "warn", "error", "debug"]) {
  define(consoleObj, level, function (...args) { if (logging) emit(level, format(args)); });
}
define(consoleObj, "trace", function (...args) { if (logging) emit("debug", format(args)); });
define(consoleObj, "dir", function (v) { if (logging) emit("log", safeString(v)); });
define(consoleObj, "table", function (v) { if (logging) emit("log", safeString(v)); });
define(g, "console", consoleObj);

// Timers run on the worker's event loop; the run ends when nothing is pending.
const timers = new MapCtor();
let nextTimerId = 1;
define(g, "setTimeout", function setTimeout(fn, ms, ...args) {
  if (typeof fn !== "function") throw new TypeError("setTimeout: the callback must be a function");
  const id = nextTimerId++;
  timers.set(id, () => fn(...args));
  hostTimerSet(id, Math.max(0, Number(ms) || 0));
  return id;
});
define(g, "clearTimeout", function clearTimeout(id) {
  if (timers.delete(id)) hostTimerClear(id);
});
define(g, "queueMicrotask", function queueMicrotask(fn) {
  if (typeof fn !== "function") throw new TypeError("queueMicrotask: the callback must be a function");
  promiseThen(promiseResolve(undefined), () => {
    try { fn(); } catch (e) { const d = describeError(e); emit("error", "Uncaught in queueMicrotask callback: " + d.name + ": " + d.message); }
  });
});
// performance.now(): milliseconds since the run started, from the host's monotonic clock.
const performanceObj: { timeOrigin?: number } = {};
define(performanceObj, "now", function now() { return hostNow(); });
Object.defineProperty(performanceObj, "timeOrigin", { get() { return Date.now() - hostNow(); }, configurable: true, enumerable: true });
define(performanceObj, "toJSON", function toJSON() { return { timeOrigin: performanceObj.timeOrigin }; });
Object.defineProperty(performanceObj, Symbol.toStringTag, { value: "Performance", configurable: true });
define(g, "performance", performanceObj);
function fireTimer(id) {
  const fn = timers.get(id);
  if (!fn) return;
  timers.delete(id);
  try { fn(); } catch (e) { const d = describeError(e); emit("error", "Uncaught in setTimeout callback: " + d.name + ": " + d.message); }
}

// Host calls: the promise lives here; the worker settles it with deliver(id, ...) when
// the main thread answers. A call refused up front comes back as [name, message].
const pendingHostCalls = new MapCtor();
let nextHostCallId = 1;
function hostError(name, message) {
  const error = new ErrorCtor(message);
  error.name = name;
  return error;
}
// An error answered later has no frame of the guest's own code: the call site, taken when the
// call is made (not for progress, the one call made in tight loops), gives it its line.
function withSite(error, site) {
  if (site && typeof site.stack === "string") {
    // Only the guest's own frames: not the prelude's, the fetch polyfill's, the toolsmith module's or native ones.
    error.stack = site.stack.split("\n").filter((line) => !/\((<[a-z-]+>|toolsmith):\d|\(native\)/.test(line)).join("\n");
  }
  return error;
}
function hostCall(name, args) {
  const id = nextHostCallId++;
  const site = name === "progress" ? undefined : new ErrorCtor();
  const refused = hostCallRaw(name, serialize(args), id);
  if (refused !== undefined) return new PromiseCtor((_, reject) => reject(withSite(hostError(refused[0], refused[1]), site)));
  return new PromiseCtor((resolve, reject) => pendingHostCalls.set(id, { resolve, reject, site }));
}
// A saved integration's own host channel: the worker knows the caller by key, a value only
// this closure holds (never passed to code the agent could have patched).
function hostCallAsCaller(key, name, args) {
  const id = nextHostCallId++;
  const site = new ErrorCtor();
  const refused = hostCallAs(key, name, serialize(args), id);
  if (refused !== undefined) return new PromiseCtor((_, reject) => reject(withSite(hostError(refused[0], refused[1]), site)));
  return new PromiseCtor((resolve, reject) => pendingHostCalls.set(id, { resolve, reject, site }));
}
// Called once by the code the worker puts at the top of a saved integration's module, with a
// one-time token from its source: returns that module's fetch and host call, whose requests the
// host attributes to the integration. While globalThis.fetch is reassigned (withFakeFetch, or
// anything else), the integration's fetch goes through it instead, and so carries the identity of
// whatever code that function's own calls have: a reassignment can only take trust away.
function bindCaller(token) {
  const key = hostClaimCaller(StringCtor(token));
  if (key === undefined) throw new ErrorCtor("bindCaller is internal to toolsmith: it takes a one-time token only the sandbox holds.");
  const call = (name, args) => hostCallAsCaller(key, name, args);
  let own;
  const fetch = function fetch(input, init) {
    const current = g.fetch;
    if (current !== globalFetch || fetchWith === undefined) {
      if (typeof current !== "function") throw new TypeError("fetch is not available: globalThis.fetch was removed by the run's code.");
      return current(input, init);
    }
    if (own === undefined) own = fetchWith((request) => call("fetch", request));
    return own(input, init);
  };
  return { fetch, hostCall: call };
}
function deliver(id, ok, payload, errorName) {
  const pending = pendingHostCalls.get(id);
  if (!pending) return;
  pendingHostCalls.delete(id);
  if (!ok) pending.reject(withSite(hostError(errorName, payload), pending.site));
  else if (payload === undefined) pending.resolve(undefined);
  else {
    let value;
    try { value = parse(payload); } catch (e) { pending.reject(e); return; }
    pending.resolve(value);
  }
}

// The run's outcome as one string: "1" + result JSON, or "0" + error JSON.
function finish(namespaceOrPromise) {
  return promiseThen(
    promiseThen(promiseResolve(namespaceOrPromise), (ns) => ns.default),
    (value) => { try { const json = serialize(value, undefined, runConfig.maxOutputChars === undefined ? undefined : runConfig.maxOutputChars * GUEST_OUTPUT_FACTOR); return (lastSerializeCut ? "2" : "1") + json; } catch (e) { const d = describeError(e); return "0" + serialize({ name: "SerializationError", message: "The default export could not be turned into JSON: " + d.name + ": " + d.message }); } },
    (error) => "0" + serialize(describeError(error)),
  );
}

// Per-run settings, set by the worker before the agent's module runs.
let runConfig = { secretNames: [], nonce: "", maxOutputChars: undefined };
function configure(json) { runConfig = parse(json); }
function secret(name) {
  if (typeof name !== "string") throw new TypeError("secret(name) takes the secret's name, e.g. secret(\"GITHUB_TOKEN\")");
  if (runConfig.secretNames.indexOf(name) < 0) {
    const known = runConfig.secretNames.length ? "Configured secrets: " + runConfig.secretNames.join(", ") + "." : "No secrets are configured.";
    throw new Error("Unknown secret '" + name + "'. " + known + " A person adds one with: toolsmith secret set " + name + " --host <api host>");
  }
  return "tsm_secret_" + name + "_" + runConfig.nonce;
}

const internals = { finish, fireTimer, hostCall, bindCaller, deliver, serialize, configure, secret };
/** What the prelude leaves for the worker and the `toolsmith` module (runtime/toolsmith-module.ts). */
export type PreludeInternals = typeof internals;
define(g, "__toolsmith_internals", internals);
