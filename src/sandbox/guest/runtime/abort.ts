/**
 * DOMException, Event, EventTarget, AbortController and AbortSignal as a guest script,
 * evaluated on first use of any of them (see the prelude's lazy groups).
 * An aborted signal passed to `fetch` also stops the host's request (see fetch.ts).
 */
import type { GuestGlobal } from "./guest-global.js";

var G: GuestGlobal = globalThis;
function def(o, k, v) { Object.defineProperty(o, k, { value: v, writable: true, configurable: true, enumerable: false }); }
function tag(C, n) { Object.defineProperty(C.prototype, Symbol.toStringTag, { value: n, configurable: true }); }
// ---- DOMException ----
var CODES = { IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
  NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
  TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
  InvalidNodeTypeError: 24, DataCloneError: 25 };
class DOMException extends Error {
  constructor(message, name) {
    super(message === undefined ? '' : String(message));
    var n = name === undefined ? 'Error' : String(name);
    def(this, 'name', n);
    def(this, 'code', CODES[n] || 0);
  }
}
tag(DOMException, 'DOMException');
Object.keys(CODES).forEach(function (n) {
  var constant = n.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() + '_ERR';
  Object.defineProperty(DOMException, constant, { value: CODES[n], enumerable: true });
});
// ---- Event / EventTarget ----
var EV = new WeakMap(), ET = new WeakMap();
function ev(o) { var s = EV.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
class Event {
  constructor(type, init?) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'Event': 1 argument required");
    var o = init == null ? {} : init;
    EV.set(this, { type: String(type), bubbles: !!o.bubbles, cancelable: !!o.cancelable, composed: !!o.composed, defaultPrevented: false, stop: false, target: null, current: null, t: Date.now() });
  }
  get type() { return ev(this).type; }
  get bubbles() { return ev(this).bubbles; }
  get cancelable() { return ev(this).cancelable; }
  get composed() { return ev(this).composed; }
  get defaultPrevented() { return ev(this).defaultPrevented; }
  get target() { return ev(this).target; }
  get currentTarget() { return ev(this).current; }
  get srcElement() { return ev(this).target; }
  get timeStamp() { return ev(this).t; }
  get isTrusted() { return false; }
  get eventPhase() { return ev(this).current ? 2 : 0; }
  preventDefault() { var s = ev(this); if (s.cancelable) s.defaultPrevented = true; }
  stopPropagation() { ev(this); }
  stopImmediatePropagation() { ev(this).stop = true; }
  composedPath() { var s = ev(this); return s.current ? [s.current] : []; }
}
tag(Event, 'Event');
function et(o) { var m = ET.get(o); if (!m) { m = new Map(); ET.set(o, m); } return m; }
function reportListenerError(e) {
  try { G.console.error('Uncaught in event listener: ' + (e && e.name ? e.name + ': ' + e.message : String(e))); } catch (ignored) { /* console gone: nothing to tell */ }
}
class EventTarget {
  constructor() { ET.set(this, new Map()); }
  addEventListener(type, listener, options) {
    if (listener == null) return;
    if (typeof listener !== 'function' && (typeof listener !== 'object')) throw new TypeError('addEventListener: the listener must be a function or an object with handleEvent');
    var once = false, signal = null;
    if (options != null && typeof options === 'object') { once = !!options.once; signal = options.signal == null ? null : options.signal; }
    if (signal && signal.aborted) return;
    var list = et(this).get(String(type));
    if (!list) { list = []; et(this).set(String(type), list); }
    for (var i = 0; i < list.length; i++) if (list[i].fn === listener) return;
    var entry = { fn: listener, once: once, removed: false }, self = this;
    list.push(entry);
    if (signal && typeof signal.addEventListener === 'function') signal.addEventListener('abort', function () { self.removeEventListener(type, listener); });
  }
  removeEventListener(type, listener) {
    var list = et(this).get(String(type));
    if (!list) return;
    for (var i = 0; i < list.length; i++) if (list[i].fn === listener) { list[i].removed = true; list.splice(i, 1); return; }
  }
  dispatchEvent(event) {
    var s = ev(event);
    s.target = this; s.current = this; s.stop = false;
    var list = (et(this).get(s.type) || []).slice();
    for (var i = 0; i < list.length && !s.stop; i++) {
      var l = list[i];
      if (l.removed) continue;
      if (l.once) this.removeEventListener(s.type, l.fn);
      try { if (typeof l.fn === 'function') l.fn.call(this, event); else if (typeof l.fn.handleEvent === 'function') l.fn.handleEvent(event); }
      catch (e) { reportListenerError(e); }
    }
    s.current = null;
    return !s.defaultPrevented;
  }
}
tag(EventTarget, 'EventTarget');
// ---- AbortSignal / AbortController ----
var AS = new WeakMap(), MAKING = false;
function as(o) { var s = AS.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
function newSignal() { MAKING = true; try { return new AbortSignal(); } finally { MAKING = false; } }
function abortSignal(signal, reason) {
  var s = as(signal);
  if (s.aborted) return;
  s.aborted = true;
  s.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
  var deps = s.dependents; s.dependents = [];
  var e = new Event('abort');
  if (typeof s.onabort === 'function') { try { s.onabort.call(signal, e); } catch (err) { reportListenerError(err); } }
  signal.dispatchEvent(e);
  for (var i = 0; i < deps.length; i++) abortSignal(deps[i], s.reason);
}
class AbortSignal extends EventTarget {
  constructor() {
    if (!MAKING) throw new TypeError('Illegal constructor: use new AbortController().signal, AbortSignal.abort(), AbortSignal.timeout() or AbortSignal.any()');
    super();
    AS.set(this, { aborted: false, reason: undefined, onabort: null, dependents: [] });
  }
  get aborted() { return as(this).aborted; }
  get reason() { return as(this).reason; }
  get onabort() { return as(this).onabort; }
  set onabort(fn) { as(this).onabort = typeof fn === 'function' ? fn : null; }
  throwIfAborted() { var s = as(this); if (s.aborted) throw s.reason; }
  static abort(reason) { var s = newSignal(); abortSignal(s, reason); return s; }
  static timeout(ms) {
    var s = newSignal(), delay = Number(ms);
    if (!(delay >= 0)) throw new TypeError('AbortSignal.timeout: the delay must be a number of milliseconds >= 0');
    G.setTimeout(function () { abortSignal(s, new DOMException('The operation was aborted due to timeout', 'TimeoutError')); }, delay);
    return s;
  }
  static any(signals) {
    var s = newSignal(), list = Array.from(signals);
    for (var i = 0; i < list.length; i++) {
      var src = as(list[i]);
      if (src.aborted) { abortSignal(s, src.reason); return s; }
    }
    for (var j = 0; j < list.length; j++) as(list[j]).dependents.push(s);
    return s;
  }
}
tag(AbortSignal, 'AbortSignal');
var AC = new WeakMap();
class AbortController {
  constructor() { AC.set(this, newSignal()); }
  get signal() { var s = AC.get(this); if (!s) throw new TypeError('Illegal invocation'); return s; }
  abort(reason) { abortSignal(this.signal, reason); }
}
tag(AbortController, 'AbortController');
[['DOMException', DOMException], ['Event', Event], ['EventTarget', EventTarget], ['AbortSignal', AbortSignal], ['AbortController', AbortController]]
  .forEach(function (kv) { def(G, kv[0], kv[1]); });
