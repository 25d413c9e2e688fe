/**
 * Web-platform globals QuickJS lacks (URLSearchParams, URL, TextEncoder, TextDecoder, atob, btoa),
 * as a guest script evaluated in the guest before user code.
 *
 * Host contract (`PolyfillHostFunctions` in ../host-functions.ts): before evaluation the guest global `__toolsmith_host_parseUrl(input, base?)` must exist and
 * return JSON text `{ok:true, href, protocol, username, password, host, hostname, port, pathname, search,
 * hash, origin}` (Node's WHATWG URL) or `{ok:false, message}`. The prelude captures it and deletes the global.
 * URL setters rebuild an href from the parts and re-parse it through the host, so normalisation stays Node's.
 */
import type { PolyfillHostFunctions } from "../host-functions.js";
import type { GuestGlobal } from "./guest-global.js";

var G: GuestGlobal = globalThis, hostParseUrl: PolyfillHostFunctions['__toolsmith_host_parseUrl'] = G.__toolsmith_host_parseUrl;
delete G.__toolsmith_host_parseUrl;
function def(o, k, v) { Object.defineProperty(o, k, { value: v, writable: true, configurable: true, enumerable: false }); }
function tag(C, n) { Object.defineProperty(C.prototype, Symbol.toStringTag, { value: n, configurable: true }); }
function need(args, n, what) { if (args.length < n) throw new TypeError(what + ': ' + n + ' argument(s) required, but only ' + args.length + ' present'); }
function invalidChar(msg) {
  if (typeof G.DOMException === 'function') return new G.DOMException(msg, 'InvalidCharacterError');
  var e = new Error(msg);
  def(e, 'name', 'InvalidCharacterError'); def(e, 'code', 5);
  return e;
}
var LONE = /[\uD800-\uDFFF]/, LONE_G = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
function usv(v) { var s = String(v); return LONE.test(s) ? s.replace(LONE_G, '\uFFFD') : s; }
// ---- UTF-8 ----
function utf8Into(s, out) {
  var n = s.length, cap = out.length, i = 0, w = 0, c, d, k;
  while (i < n) {
    c = s.charCodeAt(i);
    if (c < 0x80) { if (w >= cap) break; out[w++] = c; i++; continue; }
    k = 1;
    if (c >= 0xD800 && c <= 0xDFFF) {
      d = c <= 0xDBFF && i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xDC00 && d <= 0xDFFF) { c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00); k = 2; } else c = 0xFFFD;
    }
    if (c < 0x800) { if (w + 2 > cap) break; out[w++] = 0xC0 | (c >> 6); }
    else if (c < 0x10000) { if (w + 3 > cap) break; out[w++] = 0xE0 | (c >> 12); out[w++] = 0x80 | ((c >> 6) & 63); }
    else { if (w + 4 > cap) break; out[w++] = 0xF0 | (c >> 18); out[w++] = 0x80 | ((c >> 12) & 63); out[w++] = 0x80 | ((c >> 6) & 63); }
    out[w++] = 0x80 | (c & 63);
    i += k;
  }
  return { read: i, written: w };
}
function utf8Encode(s) { var buf = new Uint8Array(s.length * 3); return buf.slice(0, utf8Into(s, buf).written); }
function units(a, s, e) { // UTF-16 code units (typed array) -> string, in chunks to bound apply()
  if (e - s <= 8192) return String.fromCharCode.apply(null, a.subarray(s, e));
  var parts = [];
  for (var i = s; i < e; i += 8192) parts.push(String.fromCharCode.apply(null, a.subarray(i, Math.min(i + 8192, e))));
  return parts.join('');
}
function newDecodeState() { return { need: 0, seen: 0, cp: 0, lo: 0x80, hi: 0xBF, bom: false }; }
function utf8DecodeSlow(bytes, st, fatal, stream) { // WHATWG UTF-8 decoder (maximal-subpart replacement), state in st
  var n = bytes.length, out = new Uint16Array(n + 5), w = 0, b, bad = false;
  var nd = st.need, seen = st.seen, cp = st.cp, lo = st.lo, hi = st.hi;
  for (var i = 0; i < n; i++) {
    b = bytes[i];
    if (nd === 0) {
      if (b < 0x80) { out[w++] = b; continue; }
      if (b >= 0xC2 && b <= 0xDF) { nd = 1; cp = b & 0x1F; }
      else if (b >= 0xE0 && b <= 0xEF) { if (b === 0xE0) lo = 0xA0; else if (b === 0xED) hi = 0x9F; nd = 2; cp = b & 0xF; }
      else if (b >= 0xF0 && b <= 0xF4) { if (b === 0xF0) lo = 0x90; else if (b === 0xF4) hi = 0x8F; nd = 3; cp = b & 7; }
      else { if (fatal) { bad = true; break; } out[w++] = 0xFFFD; }
      continue;
    }
    if (b < lo || b > hi) {
      nd = seen = cp = 0; lo = 0x80; hi = 0xBF;
      if (fatal) { bad = true; break; }
      out[w++] = 0xFFFD; i--; continue;
    }
    lo = 0x80; hi = 0xBF; cp = (cp << 6) | (b & 63);
    if (++seen === nd) {
      if (cp > 0xFFFF) { cp -= 0x10000; out[w++] = 0xD800 + (cp >> 10); out[w++] = 0xDC00 + (cp & 0x3FF); }
      else out[w++] = cp;
      nd = seen = cp = 0;
    }
  }
  if (!bad && nd !== 0 && !stream) { if (fatal) bad = true; else { out[w++] = 0xFFFD; nd = seen = cp = 0; lo = 0x80; hi = 0xBF; } }
  if (bad) { Object.assign(st, newDecodeState()); throw new TypeError('The encoded data was not valid for encoding utf-8'); }
  st.need = nd; st.seen = seen; st.cp = cp; st.lo = lo; st.hi = hi;
  return units(out, 0, w);
}
function utf8Decode(bytes, st, fatal, stream, ignoreBOM) {
  var n = bytes.length, cut = n, str = null, k, b;
  if (st.need === 0) {
    if (stream) for (k = 1; k <= 3 && k <= n; k++) { // hold back a trailing incomplete sequence
      b = bytes[n - k];
      if ((b & 0xC0) !== 0x80) { if ((b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1) > k) cut = n - k; break; }
    }
    try { str = decodeURIComponent(escape(units(bytes, 0, cut))); } catch (e) { str = null; } // native fast path for valid input
  }
  if (str === null) str = utf8DecodeSlow(bytes, st, fatal, stream);
  else if (cut < n) str += utf8DecodeSlow(bytes.subarray(cut), st, fatal, stream);
  if (!st.bom && str.length > 0) { st.bom = true; if (!ignoreBOM && str.charCodeAt(0) === 0xFEFF) str = str.slice(1); }
  if (!stream) Object.assign(st, newDecodeState());
  return str;
}
// ---- TextEncoder / TextDecoder ----
class TextEncoder {
  get encoding() { return 'utf-8'; }
  encode(input) { return utf8Encode(input === undefined ? '' : String(input)); }
  encodeInto(source, dest) {
    if (!(dest instanceof Uint8Array)) throw new TypeError('The "dest" argument must be an instance of Uint8Array');
    return utf8Into(String(source), dest);
  }
}
tag(TextEncoder, 'TextEncoder');
var TD = new WeakMap(), UTF8_LABELS = ['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8'];
function tdState(o) { var s = TD.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
class TextDecoder {
  constructor(label, options) {
    var l = label === undefined ? 'utf-8' : String(label).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase();
    if (UTF8_LABELS.indexOf(l) < 0) throw new RangeError('The "' + String(label) + '" encoding is not supported');
    var o = options == null ? {} : Object(options);
    TD.set(this, { fatal: !!o.fatal, ignoreBOM: !!o.ignoreBOM, st: newDecodeState() });
  }
  get encoding() { tdState(this); return 'utf-8'; }
  get fatal() { return tdState(this).fatal; }
  get ignoreBOM() { return tdState(this).ignoreBOM; }
  decode(input, options) {
    var s = tdState(this), stream = !!(options != null && Object(options).stream), bytes;
    if (input === undefined || input === null) bytes = new Uint8Array(0);
    else if (input instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && input instanceof SharedArrayBuffer)) bytes = new Uint8Array(input);
    else if (ArrayBuffer.isView(input)) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    else throw new TypeError('The "input" argument must be an instance of ArrayBuffer, SharedArrayBuffer or ArrayBufferView');
    return utf8Decode(bytes, s.st, s.fatal, stream, s.ignoreBOM);
  }
}
tag(TextDecoder, 'TextDecoder');
// ---- atob / btoa ----
var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', B64C = new Uint8Array(64), B64REV = new Int16Array(128).fill(-1);
for (var bi = 0; bi < 64; bi++) { B64C[bi] = B64.charCodeAt(bi); B64REV[B64C[bi]] = bi; }
function btoa(data) {
  need(arguments, 1, 'btoa');
  var s = String(data), n = s.length, out = new Uint8Array(Math.ceil(n / 3) * 4), w = 0, i, a, b, c;
  for (i = 0; i + 2 < n; i += 3) {
    a = s.charCodeAt(i); b = s.charCodeAt(i + 1); c = s.charCodeAt(i + 2);
    if ((a | b | c) > 0xFF) throw invalidChar('Invalid character');
    out[w++] = B64C[a >> 2]; out[w++] = B64C[((a & 3) << 4) | (b >> 4)]; out[w++] = B64C[((b & 15) << 2) | (c >> 6)]; out[w++] = B64C[c & 63];
  }
  if (i < n) {
    a = s.charCodeAt(i); b = i + 1 < n ? s.charCodeAt(i + 1) : 0;
    if ((a | b) > 0xFF) throw invalidChar('Invalid character');
    out[w++] = B64C[a >> 2]; out[w++] = B64C[((a & 3) << 4) | (b >> 4)];
    out[w++] = i + 1 < n ? B64C[(b & 15) << 2] : 61; out[w++] = 61;
  }
  return units(out, 0, w);
}
function atob(data) {
  need(arguments, 1, 'atob');
  var s = String(data).replace(/[\t\n\f\r ]+/g, '');
  if (s.length % 4 === 0 && s.charCodeAt(s.length - 1) === 61) s = s.slice(0, s.charCodeAt(s.length - 2) === 61 ? -2 : -1);
  if (s.length % 4 === 1 || /[^A-Za-z0-9+\/]/.test(s)) throw invalidChar('The string to be decoded is not correctly encoded.');
  var n = s.length, out = new Uint8Array((n * 3) >> 2), w = 0, i, x;
  for (i = 0; i + 3 < n; i += 4) {
    x = (B64REV[s.charCodeAt(i)] << 18) | (B64REV[s.charCodeAt(i + 1)] << 12) | (B64REV[s.charCodeAt(i + 2)] << 6) | B64REV[s.charCodeAt(i + 3)];
    out[w++] = x >> 16; out[w++] = (x >> 8) & 255; out[w++] = x & 255;
  }
  if (n - i >= 2) {
    x = (B64REV[s.charCodeAt(i)] << 18) | (B64REV[s.charCodeAt(i + 1)] << 12) | (n - i === 3 ? B64REV[s.charCodeAt(i + 2)] << 6 : 0);
    out[w++] = x >> 16; if (n - i === 3) out[w++] = (x >> 8) & 255;
  }
  return units(out, 0, w);
}
// ---- URLSearchParams ----
var FORM_MAP = { '!': '%21', "'": '%27', '(': '%28', ')': '%29', '~': '%7E', '%20': '+' };
function formEncode(s) { return encodeURIComponent(usv(s)).replace(/[!'()~]|%20/g, function (m) { return FORM_MAP[m]; }); }
function hexVal(c) { return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1; }
function formDecode(s) {
  if (s.indexOf('+') >= 0) s = s.replace(/\+/g, ' ');
  if (s.indexOf('%') < 0) return usv(s);
  try { return usv(decodeURIComponent(s)); } catch (e) { /* malformed: decode byte-wise below */ }
  var b = utf8Encode(s), o = new Uint8Array(b.length), w = 0, h, l;
  for (var i = 0; i < b.length; i++) {
    if (b[i] === 37 && i + 2 < b.length && (h = hexVal(b[i + 1])) >= 0 && (l = hexVal(b[i + 2])) >= 0) { o[w++] = h * 16 + l; i += 2; }
    else o[w++] = b[i];
  }
  return utf8Decode(o.subarray(0, w), newDecodeState(), false, false, true);
}
function formParse(s) {
  var list = [], parts = s.split('&'), p, k;
  for (var i = 0; i < parts.length; i++) {
    p = parts[i]; if (!p) continue;
    k = p.indexOf('=');
    list.push(k < 0 ? [formDecode(p), ''] : [formDecode(p.slice(0, k)), formDecode(p.slice(k + 1))]);
  }
  return list;
}
function formSerialize(list) {
  var out = new Array(list.length);
  for (var i = 0; i < list.length; i++) out[i] = formEncode(list[i][0]) + '=' + formEncode(list[i][1]);
  return out.join('&');
}
var USP = new WeakMap(), URLS = new WeakMap();
function sp(o) { var s = USP.get(o); if (!s) throw new TypeError('Value of "this" must be of type URLSearchParams'); return s; }
function changed(s) { if (s.url) urlSetQuery(s.url, formSerialize(s.list)); }
function* spIter(s, kind) { for (var i = 0; i < s.list.length; i++) { var p = s.list[i]; yield kind === 0 ? p[0] : kind === 1 ? p[1] : [p[0], p[1]]; } }
class URLSearchParams {
  constructor(init) {
    var list = [];
    if ((typeof init === 'object' && init !== null) || typeof init === 'function') {
      if (init[Symbol.iterator] != null) {
        for (var pair of init) {
          if ((typeof pair !== 'object' || pair === null) && typeof pair !== 'function') throw new TypeError('Each query pair must be an iterable [name, value] tuple');
          var arr = Array.from(pair);
          if (arr.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
          list.push([usv(arr[0]), usv(arr[1])]);
        }
      } else {
        var keys = Object.keys(init);
        for (var i = 0; i < keys.length; i++) list.push([usv(keys[i]), usv(init[keys[i]])]);
      }
    } else if (init !== undefined && init !== null) {
      var s = usv(init);
      list = formParse(s.charCodeAt(0) === 63 ? s.slice(1) : s);
    }
    USP.set(this, { list: list, url: null });
  }
  get size() { return sp(this).list.length; }
  append(name, value) { need(arguments, 2, 'append'); var s = sp(this); s.list.push([usv(name), usv(value)]); changed(s); }
  delete(name, value) {
    need(arguments, 1, 'delete');
    var s = sp(this), n = usv(name), v = value === undefined ? undefined : usv(value);
    s.list = s.list.filter(function (p) { return !(p[0] === n && (v === undefined || p[1] === v)); });
    changed(s);
  }
  get(name) { need(arguments, 1, 'get'); var l = sp(this).list, n = usv(name); for (var i = 0; i < l.length; i++) if (l[i][0] === n) return l[i][1]; return null; }
  getAll(name) { need(arguments, 1, 'getAll'); var n = usv(name); return sp(this).list.filter(function (p) { return p[0] === n; }).map(function (p) { return p[1]; }); }
  has(name, value) {
    need(arguments, 1, 'has');
    var n = usv(name), v = value === undefined ? undefined : usv(value);
    return sp(this).list.some(function (p) { return p[0] === n && (v === undefined || p[1] === v); });
  }
  set(name, value) {
    need(arguments, 2, 'set');
    var s = sp(this), n = usv(name), v = usv(value), found = false;
    s.list = s.list.filter(function (p) { if (p[0] !== n) return true; if (found) return false; found = true; p[1] = v; return true; });
    if (!found) s.list.push([n, v]);
    changed(s);
  }
  sort() {
    var s = sp(this);
    s.list = s.list.map(function (p, i) { return [p, i]; }).sort(function (a, b) {
      return a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1];
    }).map(function (x) { return x[0]; });
    changed(s);
  }
  forEach(cb, thisArg) {
    if (typeof cb !== 'function') throw new TypeError('The "callback" argument must be of type function');
    var s = sp(this);
    for (var i = 0; i < s.list.length; i++) cb.call(thisArg, s.list[i][1], s.list[i][0], this);
  }
  keys() { return spIter(sp(this), 0); }
  values() { return spIter(sp(this), 1); }
  entries() { return spIter(sp(this), 2); }
  toString() { return formSerialize(sp(this).list); }
}
def(URLSearchParams.prototype, Symbol.iterator, URLSearchParams.prototype.entries);
tag(URLSearchParams, 'URLSearchParams');
// ---- URL (parsing by the host; setters rebuild the href and re-parse it) ----
var SPECIAL = { 'ftp:': 1, 'file:': 1, 'http:': 1, 'https:': 1, 'ws:': 1, 'wss:': 1 }, TABNL = /[\t\n\r]/g;
function hostParse(input, base?) {
  if (typeof hostParseUrl !== 'function') throw new TypeError('URL parsing is unavailable in this sandbox');
  return JSON.parse(hostParseUrl(input, base));
}
function invalidUrl(r) { var e = new TypeError(r.message || 'Invalid URL'); def(e, 'code', 'ERR_INVALID_URL'); return e; }
function us(o) { var s = URLS.get(o); if (!s) throw new TypeError('Value of "this" must be of type URL'); return s; }
function parts(u) { // raw pieces of the href: head (scheme + authority, or "scheme:" / "scheme:/."), path, query, hash
  var h = u.r.href, i = h.indexOf('#'), hash = i < 0 ? '' : h.slice(i), query = '';
  if (i >= 0) h = h.slice(0, i);
  if ((i = h.indexOf('?')) >= 0) { query = h.slice(i); h = h.slice(0, i); }
  var head = h.slice(0, h.length - u.r.pathname.length), pl = u.r.protocol.length;
  return { head: head, path: u.r.pathname, query: query, hash: hash, auth: head.slice(pl, pl + 2) === '//' };
}
function commit(u, href, syncQuery) { // invalid results are ignored, like the WHATWG setters do
  var r;
  try { r = hostParse(href); } catch (e) { return; }
  if (!r.ok) return;
  u.r = r;
  if (syncQuery && u.sp) USP.get(u.sp).list = formParse(r.search.slice(1));
}
function urlSetQuery(u, q) { var p = parts(u); commit(u, p.head + p.path + (q ? '?' + q : '') + p.hash, false); }
function noCreds(u) { return !u.r.hostname || u.r.protocol === 'file:'; }
function opaque(p) { return !p.auth && p.path.charAt(0) !== '/'; }
function creds(user, pass) { return user || pass ? user + (pass ? ':' + pass : '') + '@' : ''; }
var USERINFO_RE = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\u0000-\u0020"#<>?\x60{}\/:;=@\[\\\]^|\u007F-\uFFFF]/g;
function userinfoEncode(v) { return usv(v).replace(USERINFO_RE, encodeURIComponent); }
function withAuthority(u, user, pass, hostport) {
  var p = parts(u); commit(u, u.r.protocol + '//' + creds(user, pass) + hostport + p.path + p.query + p.hash, false);
}
function setHost(u, v, withPort) {
  var p = parts(u);
  if (opaque(p)) return;
  var special = !!SPECIAL[u.r.protocol], s = String(v).replace(TABNL, ''), cut = s.search(special ? /[\/?#\\]/ : /[\/?#]/);
  if (cut >= 0) s = s.slice(0, cut);
  var colon = -1, inBr = false;
  for (var i = 0; i < s.length && colon < 0; i++) { var c = s[i]; if (c === '[') inBr = true; else if (c === ']') inBr = false; else if (c === ':' && !inBr) colon = i; }
  var hn = colon < 0 ? s : s.slice(0, colon), port = u.r.port;
  if (colon >= 0) {
    if (!withPort || !hn || u.r.protocol === 'file:') return;
    var d = /^[0-9]*/.exec(s.slice(colon + 1))[0];
    if (d && +d <= 65535) port = d; // Node keeps the new host even when the port is rejected
  }
  if (!p.auth) { if (!hn && p.path.slice(0, 2) !== '//') return; port = ''; } // Node's quirks for host-less URLs
  if (hn.indexOf('@') >= 0) return;
  if (!hn && (special ? u.r.protocol !== 'file:' : u.r.username || u.r.password || u.r.port)) return;
  withAuthority(u, u.r.username, u.r.password, hn + (port && u.r.protocol !== 'file:' ? ':' + port : ''));
}
class URL {
  constructor(url, base) {
    need(arguments, 1, "Failed to construct 'URL'");
    var r = hostParse(usv(url), base === undefined ? undefined : usv(base));
    if (!r.ok) throw invalidUrl(r);
    URLS.set(this, { r: r, sp: null });
  }
  static canParse(url, base) {
    need(arguments, 1, 'URL.canParse');
    try { return !!hostParse(usv(url), base === undefined ? undefined : usv(base)).ok; } catch (e) { return false; }
  }
  get href() { return us(this).r.href; }
  set href(v) {
    var u = us(this), r = hostParse(usv(v));
    if (!r.ok) throw invalidUrl(r);
    u.r = r;
    if (u.sp) USP.get(u.sp).list = formParse(r.search.slice(1));
  }
  get origin() { return us(this).r.origin; }
  get protocol() { return us(this).r.protocol; }
  set protocol(v) {
    var u = us(this), m = /^([A-Za-z][A-Za-z0-9+.\-]*):/.exec(String(v).replace(TABNL, '') + ':');
    if (!m) return;
    var np = m[1].toLowerCase() + ':', op = u.r.protocol;
    if (!SPECIAL[np] !== !SPECIAL[op]) return;
    if (np === 'file:' && (u.r.username || u.r.password || u.r.port)) return;
    if (op === 'file:' && !u.r.hostname) return;
    commit(u, np + u.r.href.slice(op.length), false);
  }
  get username() { return us(this).r.username; }
  set username(v) { var u = us(this); if (!noCreds(u)) withAuthority(u, userinfoEncode(v), u.r.password, u.r.host); }
  get password() { return us(this).r.password; }
  set password(v) { var u = us(this); if (!noCreds(u)) withAuthority(u, u.r.username, userinfoEncode(v), u.r.host); }
  get host() { return us(this).r.host; }
  set host(v) { setHost(us(this), v, true); }
  get hostname() { return us(this).r.hostname; }
  set hostname(v) { setHost(us(this), v, false); }
  get port() { return us(this).r.port; }
  set port(v) {
    var u = us(this);
    if (noCreds(u)) return;
    var s = String(v).replace(TABNL, ''), d = s === '' ? '' : /^[0-9]*/.exec(s)[0];
    if (s !== '' && !d) return;
    withAuthority(u, u.r.username, u.r.password, u.r.hostname + (d ? ':' + d : ''));
  }
  get pathname() { return us(this).r.pathname; }
  set pathname(v) {
    var u = us(this), p = parts(u);
    if (opaque(p)) return;
    var s = usv(v).replace(/[?#]/g, function (c) { return c === '?' ? '%3F' : '%23'; }), c0 = s.charAt(0);
    if (SPECIAL[u.r.protocol] ? c0 !== '/' && c0 !== '\\' : s !== '' && c0 !== '/') s = '/' + s;
    commit(u, (p.auth ? p.head : u.r.protocol + '/.') + s + p.query + p.hash, false);
  }
  get search() { return us(this).r.search; }
  set search(v) {
    var u = us(this), p = parts(u), s = usv(v), q = s === '' ? '' : '?' + (s.charAt(0) === '?' ? s.slice(1) : s).replace(/#/g, '%23');
    commit(u, p.head + p.path + q + p.hash, true);
  }
  get searchParams() {
    var u = us(this);
    if (!u.sp) { u.sp = new URLSearchParams(u.r.search); USP.get(u.sp).url = u; }
    return u.sp;
  }
  get hash() { return us(this).r.hash; }
  set hash(v) {
    var u = us(this), p = parts(u), s = usv(v);
    commit(u, p.head + p.path + p.query + (s === '' ? '' : '#' + (s.charAt(0) === '#' ? s.slice(1) : s)), false);
  }
  toString() { return us(this).r.href; }
  toJSON() { return us(this).r.href; }
}
tag(URL, 'URL');
[['URLSearchParams', URLSearchParams], ['URL', URL], ['TextEncoder', TextEncoder], ['TextDecoder', TextDecoder], ['atob', atob], ['btoa', btoa]]
  .forEach(function (kv) { def(G, kv[0], kv[1]); });
