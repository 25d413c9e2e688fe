/**
 * The guest `fetch` API (Headers, Request, Response, fetch) as a guest script,
 * evaluated after the prelude. Requests go to the host, which does the network I/O.
 *
 * Host contract (`FetchHandOver` and `FetchFactory` in guest-global.ts): before evaluation the guest global `__toolsmith_fetch_host(request)` must exist and
 * return a Promise, and `__toolsmith_fetch_abort(abortId)` must exist (it stops the host's request
 * made with that abortId). The script captures both and deletes the globals. It leaves
 * `__toolsmith_fetch_with(hostFetch)` (a fetch over another host channel) for the prelude to take.
 *   request: { url, method, headers: [[name, value], ...], bodyText?, bodyBase64?, redirect, abortId? }
 *            (names lower-cased; at most one of bodyText / bodyBase64; redirect 'follow' | 'error' | 'manual')
 *   reply:   { status, statusText, url, redirected, headers: [[name, value], ...], bodyText?, bodyBase64? }
 *            (at most one body field; neither means an empty body). Network failures reject (an Error).
 * TextEncoder / TextDecoder / URLSearchParams / Blob / FormData are the prelude's lazy globals; they
 * are only touched when a body actually needs them (see form-data.ts for the Blob and FormData hooks).
 */
import type { FetchFactory, FetchHandOver, FetchRequestMessage, GuestGlobal, HostFetch } from "./guest-global.js";

var G: GuestGlobal = globalThis, globalHostFetch: FetchHandOver['__toolsmith_fetch_host'] = G.__toolsmith_fetch_host, hostAbort: FetchHandOver['__toolsmith_fetch_abort'] = G.__toolsmith_fetch_abort, P = Promise, OTS = Object.prototype.toString;
delete G.__toolsmith_fetch_host; delete G.__toolsmith_fetch_abort;
var BLOB_BYTES = Symbol.for('toolsmith.blob.bytes'), FORM_ENCODE = Symbol.for('toolsmith.formdata.encode'), FORM_PARSE = Symbol.for('toolsmith.formdata.parse');
function def(o, k, v) { Object.defineProperty(o, k, { value: v, writable: true, configurable: true, enumerable: false }); }
function tag(C, n) { Object.defineProperty(C.prototype, Symbol.toStringTag, { value: n, configurable: true }); }
// ---- base64 (bytes <-> text, in chunks to bound apply()) ----
var B64E, B64D, B64PAIR; // built on first use: most runs never send or receive bytes
function b64Tables() {
  var A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', i;
  B64E = new Uint8Array(64); B64D = new Uint8Array(128); B64PAIR = new Uint16Array(4096);
  for (i = 0; i < 64; i++) { B64E[i] = A.charCodeAt(i); B64D[B64E[i]] = i; }
  B64D[45] = 62; B64D[95] = 63; // base64url
  for (i = 0; i < 4096; i++) B64PAIR[i] = B64E[i >> 6] | (B64E[i & 63] << 8); // 12 bits -> two chars, little-endian (WebAssembly memory)
}
function chars(a) {
  var parts = [];
  for (var i = 0; i < a.length; i += 8192) parts.push(String.fromCharCode.apply(null, a.subarray(i, i + 8192)));
  return parts.join('');
}
function toBase64(u) {
  if (!B64E) b64Tables();
  var n = u.length, full = n - n % 3, out = new Uint8Array(Math.ceil(n / 3) * 4), o16 = new Uint16Array(out.buffer), h = 0, i = 0, w, x;
  for (; i < full; i += 3) { x = (u[i] << 16) | (u[i + 1] << 8) | u[i + 2]; o16[h++] = B64PAIR[x >> 12]; o16[h++] = B64PAIR[x & 4095]; }
  w = h * 2;
  if (i < n) {
    x = (u[i] << 16) | (i + 1 < n ? u[i + 1] << 8 : 0);
    out[w++] = B64E[x >> 18]; out[w++] = B64E[(x >> 12) & 63]; out[w++] = i + 1 < n ? B64E[(x >> 6) & 63] : 61; out[w++] = 61;
  }
  return chars(out);
}
function fromBase64(s) {
  if (!B64E) b64Tables();
  s = String(s);
  var n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 61) n--;
  if (n !== s.length) s = s.slice(0, n);
  if (/[^A-Za-z0-9+\/\-_]/.test(s)) { s = s.replace(/[^A-Za-z0-9+\/\-_]+/g, ''); n = s.length; }
  var out = new Uint8Array((n * 3) >> 2), w = 0, i = 0, x;
  for (; i + 3 < n; i += 4) {
    x = (B64D[s.charCodeAt(i)] << 18) | (B64D[s.charCodeAt(i + 1)] << 12) | (B64D[s.charCodeAt(i + 2)] << 6) | B64D[s.charCodeAt(i + 3)];
    out[w++] = x >> 16; out[w++] = (x >> 8) & 255; out[w++] = x & 255;
  }
  if (n - i >= 2) {
    x = (B64D[s.charCodeAt(i)] << 18) | (B64D[s.charCodeAt(i + 1)] << 12) | (n - i === 3 ? B64D[s.charCodeAt(i + 2)] << 6 : 0);
    out[w++] = x >> 16; if (n - i === 3) out[w++] = (x >> 8) & 255;
  }
  return out;
}
// ---- Headers: lower-case name -> list of values ----
var HL = new WeakMap(), TOKEN = /^[!#$%&'*+\-.^_\x60|~0-9A-Za-z]+$/;
function hl(o) { var m = HL.get(o); if (!m) throw new TypeError('Illegal invocation'); return m; }
function hName(n) { n = String(n); if (!TOKEN.test(n)) throw new TypeError('Headers: invalid header name ' + JSON.stringify(n)); return n.toLowerCase(); }
function hValue(v) {
  v = String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  if (/[\0\r\n]/.test(v)) throw new TypeError('Headers: invalid header value ' + JSON.stringify(v));
  return v;
}
function rawAppend(m, n, v) { var a = m.get(n); if (a) a.push(v); else m.set(n, [v]); }
function pairs(m) { // sorted, combined; set-cookie values stay separate (like the spec)
  var names = Array.from(m.keys()).sort(), out = [];
  for (var i = 0; i < names.length; i++) {
    var vs = m.get(names[i]);
    if (names[i] === 'set-cookie') for (var j = 0; j < vs.length; j++) out.push([names[i], vs[j]]);
    else out.push([names[i], vs.join(', ')]);
  }
  return out;
}
class Headers {
  constructor(init?) {
    var m = new Map();
    HL.set(this, m);
    if (init == null) return;
    if (typeof init !== 'object' && typeof init !== 'function') throw new TypeError('Headers: init must be an object, an array of [name, value] pairs or a Headers');
    if (HL.has(init)) { HL.get(init).forEach(function (vs, n) { m.set(n, vs.slice()); }); return; }
    if (typeof init[Symbol.iterator] === 'function') {
      for (var p of init) {
        if (p == null || typeof p !== 'object' || typeof p[Symbol.iterator] !== 'function') throw new TypeError('Headers: each header must be a [name, value] pair');
        p = Array.from(p);
        if (p.length !== 2) throw new TypeError('Headers: each header must be a [name, value] pair');
        rawAppend(m, hName(p[0]), hValue(p[1]));
      }
      return;
    }
    Object.keys(init).forEach(function (k) { rawAppend(m, hName(k), hValue(init[k])); });
  }
  append(name, value) { rawAppend(hl(this), hName(name), hValue(value)); }
  set(name, value) { hl(this).set(hName(name), [hValue(value)]); }
  get(name) { var vs = hl(this).get(hName(name)); return vs ? vs.join(', ') : null; }
  has(name) { return hl(this).has(hName(name)); }
  delete(name) { hl(this).delete(hName(name)); }
  getSetCookie() { var vs = hl(this).get('set-cookie'); return vs ? vs.slice() : []; }
  forEach(cb, thisArg) {
    if (typeof cb !== 'function') throw new TypeError('Headers.forEach: the callback must be a function');
    var ps = pairs(hl(this));
    for (var i = 0; i < ps.length; i++) cb.call(thisArg, ps[i][1], ps[i][0], this);
  }
  entries() { return pairs(hl(this))[Symbol.iterator](); }
  keys() { return pairs(hl(this)).map(function (p) { return p[0]; })[Symbol.iterator](); }
  values() { return pairs(hl(this)).map(function (p) { return p[1]; })[Symbol.iterator](); }
}
def(Headers.prototype, Symbol.iterator, Headers.prototype.entries);
tag(Headers, 'Headers');
// ---- Bodies: null | string | Uint8Array, shared by Request and Response ----
var BS = new WeakMap();
function extractBody(b, headers, who) {
  if (b == null) return null;
  var ct = function (t) { if (!headers.has('content-type')) headers.set('content-type', t); };
  if (typeof b === 'string') { ct('text/plain;charset=UTF-8'); return b; }
  if (b instanceof ArrayBuffer) return new Uint8Array(b.slice(0));
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  var kind = typeof b === 'object' ? OTS.call(b) : '';
  if (kind === '[object URLSearchParams]' && b instanceof G.URLSearchParams) {
    ct('application/x-www-form-urlencoded;charset=UTF-8');
    return b.toString();
  }
  if ((kind === '[object Blob]' || kind === '[object File]') && b instanceof G.Blob) {
    if (b.type) ct(b.type);
    return G.Blob[BLOB_BYTES](b).slice();
  }
  if (kind === '[object FormData]' && b instanceof G.FormData) {
    var mp = G.FormData[FORM_ENCODE](b);
    headers.set('content-type', mp.contentType);
    return mp.bytes;
  }
  throw new TypeError(who + ': unsupported body type; pass a string (e.g. JSON.stringify(obj)), URLSearchParams, FormData, a Blob or bytes');
}
function consume(o, kind) {
  var s = BS.get(o);
  if (!s) return P.reject(new TypeError('Illegal invocation'));
  if (s.used) return P.reject(new TypeError('Body has already been used'));
  if (s.body !== null) s.used = true;
  return new P(function (resolve) {
    var b = s.body;
    if (kind === 'text' || kind === 'json') {
      var t = b === null ? '' : typeof b === 'string' ? b : new G.TextDecoder().decode(b);
      if (kind === 'text') return resolve(t);
      try { return resolve(JSON.parse(t)); } catch (e) {
        throw new SyntaxError('Response body is not valid JSON (' + e.message + '); it starts with: ' + JSON.stringify(t.slice(0, 100)) + (t.length > 100 ? '...' : ''));
      }
    }
    var u = b === null ? new Uint8Array(0) : typeof b === 'string' ? new G.TextEncoder().encode(b) : b.slice();
    if (u.byteLength !== u.buffer.byteLength) u = u.slice();
    resolve(kind === 'bytes' ? u : u.buffer);
  });
}
var BodyMethods = {
  text() { return consume(this, 'text'); },
  json() { return consume(this, 'json'); },
  arrayBuffer() { return consume(this, 'arrayBuffer'); },
  bytes() { return consume(this, 'bytes'); },
  blob() {
    var type = this.headers.get('content-type') || '';
    return consume(this, 'bytes').then(function (u) { return new G.Blob([u], { type: type }); });
  },
  formData() {
    var type = this.headers.get('content-type') || '';
    return consume(this, 'bytes').then(function (u) { return G.FormData[FORM_PARSE](u, type); });
  },
};
function mixBody(C) {
  Object.keys(BodyMethods).forEach(function (k) { def(C.prototype, k, BodyMethods[k]); });
  Object.defineProperty(C.prototype, 'bodyUsed', { get: function () { var s = BS.get(this); return !!(s && s.used); }, configurable: true });
}
// ---- Response ----
var RS = new WeakMap(), NULL_BODY = [101, 103, 204, 205, 304];
function rs(o) { var s = RS.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
function makeResponse(state, body) {
  var r = Object.create(Response.prototype);
  RS.set(r, state); BS.set(r, { body: body, used: false });
  return r;
}
class Response {
  constructor(body, init) {
    var o = init == null ? {} : init, status = o.status === undefined ? 200 : Number(o.status);
    if (!(status >= 200 && status <= 599 && status % 1 === 0)) throw new RangeError('Response: status must be an integer from 200 to 599, got ' + String(o.status));
    var headers = new Headers(o.headers), b = extractBody(body, headers, 'Response');
    if (b !== null && NULL_BODY.indexOf(status) >= 0) throw new TypeError('Response: a response with status ' + status + ' cannot have a body');
    RS.set(this, { status: status, statusText: o.statusText === undefined ? '' : String(o.statusText), url: '', redirected: false, type: 'default', headers: headers });
    BS.set(this, { body: b, used: false });
  }
  get status() { return rs(this).status; }
  get ok() { var s = rs(this).status; return s >= 200 && s <= 299; }
  get statusText() { return rs(this).statusText; }
  get url() { return rs(this).url; }
  get redirected() { return rs(this).redirected; }
  get type() { return rs(this).type; }
  get headers() { return rs(this).headers; }
  clone() {
    var s = rs(this), b = BS.get(this);
    if (b.used) throw new TypeError('Response.clone: Body has already been used');
    return makeResponse(Object.assign({}, s, { headers: new Headers(s.headers) }), b.body);
  }
  static json(data, init) {
    var text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Response.json: the value cannot be converted to JSON');
    var headers = new Headers(init == null ? undefined : init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(text, Object.assign({}, init, { headers: headers }));
  }
  static error() { return makeResponse({ status: 0, statusText: '', url: '', redirected: false, type: 'error', headers: new Headers() }, null); }
  static redirect(url, status) {
    var st = status === undefined ? 302 : Number(status);
    if ([301, 302, 303, 307, 308].indexOf(st) < 0) throw new RangeError('Response.redirect: invalid redirect status ' + String(status));
    return makeResponse({ status: st, statusText: '', url: '', redirected: false, type: 'default', headers: new Headers([['location', String(url)]]) }, null);
  }
}
mixBody(Response);
tag(Response, 'Response');
// ---- Request (minimal) ----
var RQ = new WeakMap();
function rq(o) { var s = RQ.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
function initRequest(self, input, init, who) {
  var o = init == null ? {} : init, src = input != null && typeof input === 'object' && RQ.has(input) ? RQ.get(input) : null;
  var method = o.method !== undefined ? String(o.method).toUpperCase() : src ? src.method : 'GET';
  if (!TOKEN.test(method)) throw new TypeError(who + ': invalid method ' + JSON.stringify(method));
  if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') throw new TypeError(who + ': method ' + method + ' is not allowed');
  var headers = new Headers(o.headers !== undefined ? o.headers : src ? src.headers : undefined);
  var redirect = o.redirect !== undefined ? String(o.redirect) : src ? src.redirect : 'follow';
  if (redirect !== 'follow' && redirect !== 'error' && redirect !== 'manual') throw new TypeError(who + ": redirect must be 'follow', 'error' or 'manual'");
  var body = null;
  if (o.body !== undefined) body = extractBody(o.body, headers, who);
  else if (src) {
    var sb = BS.get(input);
    if (sb.used) throw new TypeError(who + ': the Request body has already been used');
    body = sb.body;
  }
  if (body !== null && (method === 'GET' || method === 'HEAD')) throw new TypeError(who + ': a ' + method + ' request cannot have a body');
  RQ.set(self, { url: src ? src.url : String(input), method: method, headers: headers, redirect: redirect, signal: o.signal !== undefined ? o.signal : src ? src.signal : null });
  BS.set(self, { body: body, used: false });
}
class Request {
  constructor(input, init?) { initRequest(this, input, init, 'Request'); }
  get url() { return rq(this).url; }
  get method() { return rq(this).method; }
  get headers() { return rq(this).headers; }
  get redirect() { return rq(this).redirect; }
  get signal() { return rq(this).signal; }
  clone() {
    if (BS.get(this).used) throw new TypeError('Request.clone: Body has already been used');
    return new Request(this);
  }
}
mixBody(Request);
tag(Request, 'Request');
// ---- fetch ----
function abortError(signal) {
  if (signal.reason !== undefined) return signal.reason;
  if (typeof G.DOMException === 'function') return new G.DOMException('This operation was aborted', 'AbortError');
  var e = new Error('This operation was aborted');
  e.name = 'AbortError';
  return e;
}
function fromReply(rep) {
  if (rep == null || typeof rep !== 'object') throw new TypeError('fetch failed: the host returned no response');
  var h = new Headers(), m = hl(h), hs = Array.isArray(rep.headers) ? rep.headers : [];
  for (var i = 0; i < hs.length; i++) rawAppend(m, String(hs[i][0]).toLowerCase(), String(hs[i][1]));
  var body = typeof rep.bodyBase64 === 'string' ? fromBase64(rep.bodyBase64) : typeof rep.bodyText === 'string' ? rep.bodyText : '';
  return makeResponse({ status: Number(rep.status) || 0, statusText: String(rep.statusText || ''), url: String(rep.url || ''), redirected: !!rep.redirected, type: 'basic', headers: h }, body);
}
var lastAbortId = 0;
// One fetch per host channel: the global one for the run's own code, and one per saved integration
// whose requests carry its name (see bindCaller in prelude.ts). Abort ids are shared, so they never collide.
function fetchWith(hostFetch: HostFetch) {
return function fetch(input, init) {
  return new P(function (resolve, reject) {
    if (typeof hostFetch !== 'function') throw new TypeError('fetch is not available in this run');
    var req = Object.create(Request.prototype);
    initRequest(req, input, init, 'fetch');
    var r = RQ.get(req), b = BS.get(req).body, signal = r.signal;
    var msg: FetchRequestMessage = { url: r.url, method: r.method, headers: pairs(HL.get(r.headers)), redirect: r.redirect };
    if (typeof b === 'string') msg.bodyText = b; else if (b !== null) msg.bodyBase64 = toBase64(b);
    if (signal != null && typeof signal === 'object') {
      if (signal.aborted) throw abortError(signal);
      if (typeof signal.addEventListener === 'function') {
        var abortId = msg.abortId = ++lastAbortId, settled = false;
        var onAbort = function () { if (settled) return; settled = true; reject(abortError(signal)); hostAbort(abortId); };
        signal.addEventListener('abort', onAbort, { once: true });
        var done = function () { settled = true; if (typeof signal.removeEventListener === 'function') signal.removeEventListener('abort', onAbort); };
        resolve = (function (res) { return function (v) { done(); res(v); }; })(resolve);
        reject = (function (rej) { return function (e) { done(); rej(e); }; })(reject);
      }
    }
    new P(function (res) { res(hostFetch(msg)); }).then(function (rep) { resolve(fromReply(rep)); }, function (e) {
      reject(e instanceof Error ? e : new TypeError('fetch failed: ' + (e != null && e.message !== undefined ? e.message : String(e))));
    });
  });
};
}
[['Headers', Headers], ['Request', Request], ['Response', Response], ['fetch', fetchWith(globalHostFetch)]].forEach(function (kv) { def(G, kv[0], kv[1]); });
def(G, '__toolsmith_fetch_with', fetchWith satisfies FetchFactory['__toolsmith_fetch_with']);
