/**
 * `structuredClone` as a guest script, evaluated on its first use (see the
 * prelude's lazy groups). Clones what the HTML structured clone algorithm clones and the
 * sandbox has: primitives and their wrapper objects, Array, plain objects (own enumerable
 * string keys; class instances become plain objects, as in browsers), Date, RegExp, Map,
 * Set, ArrayBuffer, typed arrays, DataView, Error types, Blob and File; cycles and shared
 * references are kept. Functions, symbols, WeakMap/WeakSet, Promise, CryptoKey (a handle on
 * a host-held key) and other platform objects throw a DataCloneError. `transfer` is refused.
 */
import type { GuestGlobal } from "./guest-global.js";

var G: GuestGlobal = globalThis, OTS = Object.prototype.toString;
var BYTES = Symbol.for('toolsmith.blob.bytes');
var ERRORS = { Error: Error, EvalError: EvalError, RangeError: RangeError, ReferenceError: ReferenceError, SyntaxError: SyntaxError, TypeError: TypeError, URIError: URIError };
var UNCLONEABLE = { WeakMap: 1, WeakSet: 1, WeakRef: 1, Promise: 1, CryptoKey: 1, SubtleCrypto: 1, Crypto: 1, AbortSignal: 1, AbortController: 1, EventTarget: 1,
  Request: 1, Response: 1, Headers: 1, FormData: 1, URL: 1, URLSearchParams: 1, TextEncoder: 1, TextDecoder: 1, Generator: 1, AsyncGenerator: 1 };
function cloneError(what) { return new G.DOMException(what + ' could not be cloned.', 'DataCloneError'); }
function structuredClone(value, options) {
  if (arguments.length < 1) throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  if (options != null && options.transfer !== undefined && Array.from(options.transfer).length > 0) throw cloneError('Transferring objects is not supported in the sandbox; the value');
  var memo = new Map();
  function c(v) {
    var t = typeof v;
    if (t === 'function') throw cloneError(String(v.name ? 'function ' + v.name : 'A function'));
    if (t === 'symbol') throw cloneError(String(v));
    if (v === null || t !== 'object') return v;
    if (memo.has(v)) return memo.get(v);
    var kind = OTS.call(v).slice(8, -1), out, i;
    if (UNCLONEABLE[kind]) throw cloneError('#<' + kind + '>');
    if (kind === 'Blob' || kind === 'File') {
      var bytes = G.Blob[BYTES](v);
      out = kind === 'File' ? new G.File([bytes], v.name, { type: v.type, lastModified: v.lastModified }) : new G.Blob([bytes], { type: v.type });
      memo.set(v, out); return out;
    }
    if (Array.isArray(v)) {
      out = new Array(v.length); memo.set(v, out);
      for (i = 0; i < v.length; i++) if (i in v) out[i] = c(v[i]);
      return out;
    }
    switch (kind) {
      case 'Date': out = new Date(v.getTime()); break;
      case 'RegExp': out = new RegExp(v.source, v.flags); break;
      case 'Boolean': out = Object(v.valueOf()); break;
      case 'Number': out = Object(v.valueOf()); break;
      case 'String': out = Object(v.valueOf()); break;
      case 'BigInt': out = Object(v.valueOf()); break;
      case 'ArrayBuffer': out = v.slice(0); break;
      case 'DOMException': out = new G.DOMException(v.message, v.name); break;
      case 'Map':
        out = new Map(); memo.set(v, out);
        v.forEach(function (val, key) { out.set(c(key), c(val)); });
        return out;
      case 'Set':
        out = new Set(); memo.set(v, out);
        v.forEach(function (val) { out.add(c(val)); });
        return out;
      default:
        if (ArrayBuffer.isView(v)) {
          var buf = c(v.buffer);
          out = kind === 'DataView' ? new DataView(buf, v.byteOffset, v.byteLength) : new (v as any).constructor(buf, v.byteOffset, (v as any).length);
          break;
        }
        if (v instanceof Error) {
          var name = String(v.name), E = ERRORS[name] || Error;
          out = new E(String(v.message));
          if (!ERRORS[name]) out.name = 'Error';
          if (typeof v.stack === 'string') out.stack = v.stack;
          memo.set(v, out);
          if ('cause' in v) out.cause = c(v.cause);
          return out;
        }
        out = {}; memo.set(v, out);
        var keys = Object.keys(v);
        for (i = 0; i < keys.length; i++) out[keys[i]] = c(v[keys[i]]);
        return out;
    }
    memo.set(v, out);
    return out;
  }
  return c(value);
}
Object.defineProperty(G, 'structuredClone', { value: structuredClone, writable: true, configurable: true, enumerable: false });
