/**
 * The guest's Web Crypto (`crypto.getRandomValues`, `crypto.randomUUID`, `crypto.subtle`) as
 * a guest script, evaluated on first use of `crypto`, `Crypto`, `CryptoKey` or
 * `SubtleCrypto` (see the prelude's lazy groups).
 *
 * Host contract (`CryptoHandOver` in guest-global.ts): before evaluation the guest global `__toolsmith_crypto_host` must exist:
 *   random(n) -> a string of n characters, one random byte b each as U+0100 + b (host entropy, n <= 65536;
 *   never U+0000, which would cut the string on its way into QuickJS);
 *   call(op, args) -> a Promise of the host's `crypto.subtle[op]` result (see
 *   src/bridge/crypto/crypto-values.ts for how bytes and keys are encoded; a failure
 *   rejects with an Error named WebCryptoError whose message is "<DOMException name>: <text>").
 * The script captures it and deletes the global. Keys stay on the host; a CryptoKey here is a
 * handle (an id) with the key's public description.
 */
import type { CryptoHandOver, GuestGlobal } from "./guest-global.js";

var G: GuestGlobal = globalThis, host: CryptoHandOver['__toolsmith_crypto_host'] = G.__toolsmith_crypto_host, P = Promise;
delete G.__toolsmith_crypto_host;
function def(o, k, v) { Object.defineProperty(o, k, { value: v, writable: true, configurable: true, enumerable: false }); }
function tag(C, n) { Object.defineProperty(C.prototype, Symbol.toStringTag, { value: n, configurable: true }); }
var MAX_RANDOM_BYTES = 65536, OTS = Object.prototype.toString, ILLEGAL = {};
function domError(message, name) { return new G.DOMException(message, name); }
// ---- bytes as latin1 text (one character per byte) ----
function latin1(u) {
  if (u.length <= 8192) return String.fromCharCode.apply(null, u);
  var parts = [];
  for (var i = 0; i < u.length; i += 8192) parts.push(String.fromCharCode.apply(null, u.subarray(i, i + 8192)));
  return parts.join('');
}
function fromLatin1(s) { var u = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return u; }
function viewOf(v) {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return null;
}
// ---- CryptoKey: a handle on a key held by the host ----
var KEYS = new WeakMap();
function ks(o) { var s = KEYS.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
class CryptoKey {
  constructor(token) { if (token !== ILLEGAL) throw new TypeError('Illegal constructor: keys come from crypto.subtle.importKey, generateKey, deriveKey or unwrapKey'); }
  get type() { return ks(this).type; }
  get extractable() { return ks(this).extractable; }
  get algorithm() { return ks(this).algorithm; }
  get usages() { return ks(this).usages.slice(); }
}
tag(CryptoKey, 'CryptoKey');
function makeKey(d) {
  var k = new CryptoKey(ILLEGAL), alg = decode(d.algorithm, true);
  if (alg && alg.hash && typeof alg.hash === 'object') Object.freeze(alg.hash);
  KEYS.set(k, { id: d.$key, type: String(d.type), extractable: !!d.extractable, algorithm: Object.freeze(alg), usages: Array.from(d.usages || []) });
  return k;
}
// ---- values to and from the host ----
function encode(v, depth) {
  if (depth > 8) throw new TypeError('crypto.subtle: an argument is nested too deeply');
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw new TypeError('crypto.subtle: unsupported argument of type ' + typeof v);
    return v;
  }
  var s = KEYS.get(v);
  if (s) return { $key: s.id };
  var bytes = viewOf(v);
  if (bytes) return { $bytes: latin1(bytes) };
  if (Array.isArray(v)) return v.map(function (x) { return encode(x, depth + 1); });
  var out = {}, keys = Object.keys(v);
  for (var i = 0; i < keys.length; i++) if (v[keys[i]] !== undefined) out[keys[i]] = encode(v[keys[i]], depth + 1);
  return out;
}
function decode(v, inAlgorithm) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(function (x) { return decode(x, inAlgorithm); });
  if (typeof v.$bytes === 'string') { var u = fromLatin1(v.$bytes); return inAlgorithm ? u : u.buffer; }
  if (typeof v.$key === 'number') return makeKey(v);
  var out = {}, keys = Object.keys(v);
  for (var i = 0; i < keys.length; i++) out[keys[i]] = decode(v[keys[i]], inAlgorithm);
  return out;
}
function fromHost(e) {
  if (e && e.name === 'WebCryptoError') {
    var m = /^([A-Za-z]+): ([\s\S]*)$/.exec(String(e.message)), err;
    if (m) {
      err = m[1] === 'TypeError' ? new TypeError(m[2]) : domError(m[2], m[1]);
      if (e.stack) err.stack = e.stack;
      throw err;
    }
  }
  throw e;
}
function call(op, args) {
  return new P(function (resolve) { resolve(host.call(op, encode(args, 0))); }).then(function (r) { return decode(r, false); }, fromHost);
}
function need(args, n, what) { if (args.length < n) throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': " + n + ' arguments required, but only ' + args.length + ' present.'); }
function rejecting(fn) { return function () { try { return fn.apply(this, arguments); } catch (e) { return P.reject(e); } }; }
function bufferSource(v, what) {
  if (viewOf(v)) return v;
  throw new TypeError(what + ' must be an ArrayBuffer, a typed array or a DataView');
}
function keyArg(k, what) { if (!KEYS.has(k)) throw new TypeError(what + ' is not a CryptoKey'); return k; }
function usagesArg(u) {
  if (u == null || typeof u[Symbol.iterator] !== 'function') throw new TypeError('keyUsages must be an array of strings, e.g. ["sign", "verify"]');
  return Array.from(u, String);
}
class SubtleCrypto {
  constructor(token) { if (token !== ILLEGAL) throw new TypeError('Illegal constructor: use crypto.subtle'); }
}
var subtleMethods = {
  digest: function (algorithm, data) { need(arguments, 2, 'digest'); return call('digest', [algorithm, bufferSource(data, 'digest: data')]); },
  importKey: function (format, keyData, algorithm, extractable, keyUsages) {
    need(arguments, 5, 'importKey');
    var f = String(format), data = keyData;
    // A secret() placeholder may be passed as text (its bytes are what the host looks for).
    if (typeof data === 'string' && f !== 'jwk') data = new G.TextEncoder().encode(data);
    else if (f === 'jwk') { if (data === null || typeof data !== 'object' || viewOf(data)) throw new TypeError('importKey: a "jwk" key must be a JSON Web Key object'); }
    else bufferSource(data, 'importKey: keyData');
    return call('importKey', [f, data, algorithm, !!extractable, usagesArg(keyUsages)]);
  },
  exportKey: function (format, key) { need(arguments, 2, 'exportKey'); return call('exportKey', [String(format), keyArg(key, 'exportKey: key')]); },
  generateKey: function (algorithm, extractable, keyUsages) { need(arguments, 3, 'generateKey'); return call('generateKey', [algorithm, !!extractable, usagesArg(keyUsages)]); },
  sign: function (algorithm, key, data) { need(arguments, 3, 'sign'); return call('sign', [algorithm, keyArg(key, 'sign: key'), bufferSource(data, 'sign: data')]); },
  verify: function (algorithm, key, signature, data) {
    need(arguments, 4, 'verify');
    return call('verify', [algorithm, keyArg(key, 'verify: key'), bufferSource(signature, 'verify: signature'), bufferSource(data, 'verify: data')]);
  },
  encrypt: function (algorithm, key, data) { need(arguments, 3, 'encrypt'); return call('encrypt', [algorithm, keyArg(key, 'encrypt: key'), bufferSource(data, 'encrypt: data')]); },
  decrypt: function (algorithm, key, data) { need(arguments, 3, 'decrypt'); return call('decrypt', [algorithm, keyArg(key, 'decrypt: key'), bufferSource(data, 'decrypt: data')]); },
  deriveBits: function (algorithm, baseKey, length) { need(arguments, 2, 'deriveBits'); return call('deriveBits', [algorithm, keyArg(baseKey, 'deriveBits: baseKey'), length === undefined ? null : Number(length)]); },
  deriveKey: function (algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    need(arguments, 5, 'deriveKey');
    return call('deriveKey', [algorithm, keyArg(baseKey, 'deriveKey: baseKey'), derivedKeyType, !!extractable, usagesArg(keyUsages)]);
  },
  wrapKey: function (format, key, wrappingKey, wrapAlgorithm) {
    need(arguments, 4, 'wrapKey');
    return call('wrapKey', [String(format), keyArg(key, 'wrapKey: key'), keyArg(wrappingKey, 'wrapKey: wrappingKey'), wrapAlgorithm]);
  },
  unwrapKey: function (format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    need(arguments, 7, 'unwrapKey');
    return call('unwrapKey', [String(format), bufferSource(wrappedKey, 'unwrapKey: wrappedKey'), keyArg(unwrappingKey, 'unwrapKey: unwrappingKey'), unwrapAlgorithm, unwrappedKeyAlgorithm, !!extractable, usagesArg(keyUsages)]);
  },
};
Object.keys(subtleMethods).forEach(function (k) { def(SubtleCrypto.prototype, k, rejecting(subtleMethods[k])); });
tag(SubtleCrypto, 'SubtleCrypto');
var subtle = new SubtleCrypto(ILLEGAL);
// ---- Crypto ----
var INTEGER_ARRAYS = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];
function getRandomValues(array) {
  if (arguments.length < 1) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.");
  var kind = ArrayBuffer.isView(array) ? OTS.call(array).slice(8, -1) : '';
  if (INTEGER_ARRAYS.indexOf(kind) < 0) throw domError("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is not an integer array type (got " + (kind || typeof array) + ').', 'TypeMismatchError');
  if (array.byteLength > MAX_RANDOM_BYTES) throw domError("Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (" + array.byteLength + ') exceeds the number of bytes of entropy available via this API (65536).', 'QuotaExceededError');
  var s = host.random(array.byteLength), u = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255;
  return array;
}
var HEX = [];
for (var h = 0; h < 256; h++) HEX.push((h + 256).toString(16).slice(1));
function randomUUID() {
  var b = getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  return HEX[b[0]] + HEX[b[1]] + HEX[b[2]] + HEX[b[3]] + '-' + HEX[b[4]] + HEX[b[5]] + '-' + HEX[b[6]] + HEX[b[7]] + '-' + HEX[b[8]] + HEX[b[9]] + '-' +
    HEX[b[10]] + HEX[b[11]] + HEX[b[12]] + HEX[b[13]] + HEX[b[14]] + HEX[b[15]];
}
class Crypto {
  constructor(token) { if (token !== ILLEGAL) throw new TypeError('Illegal constructor: use the global crypto'); }
  get subtle() { return subtle; }
}
def(Crypto.prototype, 'getRandomValues', getRandomValues);
def(Crypto.prototype, 'randomUUID', randomUUID);
tag(Crypto, 'Crypto');
[['crypto', new Crypto(ILLEGAL)], ['Crypto', Crypto], ['CryptoKey', CryptoKey], ['SubtleCrypto', SubtleCrypto]].forEach(function (kv) { def(G, kv[0], kv[1]); });
