/**
 * Blob, File and FormData as a guest script, evaluated on first use of any of
 * them (see the prelude's lazy groups). fetch (fetch.ts) sends a Blob as its bytes and a
 * FormData as a multipart/form-data body, and reads one back with Response.formData(),
 * through three hooks on the constructors (symbols from Symbol.for, not enumerable):
 *   Blob[Symbol.for('toolsmith.blob.bytes')](blob) -> Uint8Array (the blob's own bytes: do not write)
 *   FormData[Symbol.for('toolsmith.formdata.encode')](formData) -> { bytes, contentType }
 *   FormData[Symbol.for('toolsmith.formdata.parse')](bytes, contentType) -> FormData (TypeError if it cannot be read)
 */
import type { GuestGlobal } from "./guest-global.js";

var G: GuestGlobal = globalThis;
function def(o, k, v) { Object.defineProperty(o, k, { value: v, writable: true, configurable: true, enumerable: false }); }
function tag(C, n) { Object.defineProperty(C.prototype, Symbol.toStringTag, { value: n, configurable: true }); }
var BYTES = Symbol.for('toolsmith.blob.bytes'), ENCODE = Symbol.for('toolsmith.formdata.encode'), PARSE = Symbol.for('toolsmith.formdata.parse');
function utf8(s) { return new G.TextEncoder().encode(s); }
function latin1(u) {
  var parts = [];
  for (var i = 0; i < u.length; i += 8192) parts.push(String.fromCharCode.apply(null, u.subarray(i, i + 8192)));
  return parts.join('');
}
function fromLatin1(s) { var u = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return u; }
function concat(list) {
  var n = 0, i;
  for (i = 0; i < list.length; i++) n += list[i].length;
  var out = new Uint8Array(n), at = 0;
  for (i = 0; i < list.length; i++) { out.set(list[i], at); at += list[i].length; }
  return out;
}
// ---- Blob / File ----
var BL = new WeakMap();
function bl(o) { var s = BL.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
function blobType(t) { var s = t === undefined ? '' : String(t); return /[^\u0020-\u007E]/.test(s) ? '' : s.toLowerCase(); }
function partBytes(p, endings) {
  if (BL.has(p)) return BL.get(p).bytes;
  if (p instanceof ArrayBuffer) return new Uint8Array(p.slice(0));
  if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength));
  var s = String(p);
  if (endings === 'native') s = s.replace(/\r\n|\r/g, '\n');
  return utf8(s);
}
class Blob {
  constructor(parts, options) {
    var o = options == null ? {} : options, list = [];
    if (parts !== undefined) {
      if (parts === null || typeof parts !== 'object' || typeof parts[Symbol.iterator] !== 'function') throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
      for (var p of parts) list.push(partBytes(p, o.endings));
    }
    BL.set(this, { bytes: concat(list), type: blobType(o.type) });
  }
  get size() { return bl(this).bytes.length; }
  get type() { return bl(this).type; }
  slice(start, end, contentType) {
    var b = bl(this).bytes, n = b.length;
    var rel = function (v, d) { if (v === undefined) return d; v = Math.trunc(Number(v)) || 0; return v < 0 ? Math.max(n + v, 0) : Math.min(v, n); };
    var s = rel(start, 0), e = rel(end, n), out = Object.create(Blob.prototype);
    BL.set(out, { bytes: b.slice(s, Math.max(s, e)), type: blobType(contentType) });
    return out;
  }
  text() { var s = BL.get(this); return s ? Promise.resolve(new G.TextDecoder().decode(s.bytes)) : Promise.reject(new TypeError('Illegal invocation')); }
  arrayBuffer() { var s = BL.get(this); return s ? Promise.resolve(s.bytes.slice().buffer) : Promise.reject(new TypeError('Illegal invocation')); }
  bytes() { var s = BL.get(this); return s ? Promise.resolve(s.bytes.slice()) : Promise.reject(new TypeError('Illegal invocation')); }
  stream() { throw new TypeError('Blob.stream() is not available in the sandbox (no ReadableStream); use arrayBuffer(), bytes() or text()'); }
}
tag(Blob, 'Blob');
def(Blob, BYTES, function (b) { return bl(b).bytes; });
var FL = new WeakMap();
function fl(o) { var s = FL.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
class File extends Blob {
  constructor(parts, name, options) {
    if (arguments.length < 2) throw new TypeError("Failed to construct 'File': 2 arguments required, but only " + arguments.length + ' present.');
    super(parts, options);
    var o = options == null ? {} : options;
    FL.set(this, { name: String(name), lastModified: o.lastModified === undefined ? Date.now() : Number(o.lastModified) });
  }
  get name() { return fl(this).name; }
  get lastModified() { return fl(this).lastModified; }
  get webkitRelativePath() { fl(this); return ''; }
}
tag(File, 'File');
// ---- FormData: an ordered list of [name, string | File] ----
var FD = new WeakMap();
function fd(o) { var s = FD.get(o); if (!s) throw new TypeError('Illegal invocation'); return s; }
function need(args, n, what) { if (args.length < n) throw new TypeError("Failed to execute '" + what + "' on 'FormData': " + n + ' arguments required, but only ' + args.length + ' present.'); }
function entry(name, value, filename) {
  var n = String(name);
  if (!BL.has(value)) return [n, String(value)];
  if (FL.has(value) && filename === undefined) return [n, value];
  var s = BL.get(value), f = Object.create(File.prototype);
  BL.set(f, { bytes: s.bytes, type: s.type });
  FL.set(f, { name: filename !== undefined ? String(filename) : FL.has(value) ? FL.get(value).name : 'blob', lastModified: Date.now() });
  return [n, f];
}
function* fdIter(list, kind) { for (var i = 0; i < list.length; i++) yield kind === 0 ? list[i][0] : kind === 1 ? list[i][1] : [list[i][0], list[i][1]]; }
class FormData {
  constructor(form?) { if (form !== undefined) throw new TypeError("Failed to construct 'FormData': there are no HTML forms in the sandbox; create it empty and append()"); FD.set(this, []); }
  append(name, value, filename) { need(arguments, 2, 'append'); fd(this).push(entry(name, value, filename)); }
  set(name, value, filename) {
    need(arguments, 2, 'set');
    var list = fd(this), e = entry(name, value, filename), at = -1;
    for (var i = list.length - 1; i >= 0; i--) if (list[i][0] === e[0]) { if (at >= 0) list.splice(at, 1); at = i; }
    if (at >= 0) list[at] = e; else list.push(e);
  }
  get(name) { need(arguments, 1, 'get'); var n = String(name), list = fd(this); for (var i = 0; i < list.length; i++) if (list[i][0] === n) return list[i][1]; return null; }
  getAll(name) { need(arguments, 1, 'getAll'); var n = String(name); return fd(this).filter(function (e) { return e[0] === n; }).map(function (e) { return e[1]; }); }
  has(name) { need(arguments, 1, 'has'); var n = String(name); return fd(this).some(function (e) { return e[0] === n; }); }
  delete(name) { need(arguments, 1, 'delete'); var n = String(name), list = fd(this); for (var i = list.length - 1; i >= 0; i--) if (list[i][0] === n) list.splice(i, 1); }
  forEach(cb, thisArg) {
    if (typeof cb !== 'function') throw new TypeError('FormData.forEach: the callback must be a function');
    var list = fd(this);
    for (var i = 0; i < list.length; i++) cb.call(thisArg, list[i][1], list[i][0], this);
  }
  keys() { return fdIter(fd(this), 0); }
  values() { return fdIter(fd(this), 1); }
  entries() { return fdIter(fd(this), 2); }
}
def(FormData.prototype, Symbol.iterator, FormData.prototype.entries);
tag(FormData, 'FormData');
// ---- multipart/form-data (RFC 7578, as browsers write it) ----
function escapeName(s) { return s.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22'); }
def(FormData, ENCODE, function (form) {
  var list = fd(form), hex = '', parts = [];
  for (var i = 0; i < 24; i++) hex += Math.floor(Math.random() * 16).toString(16);
  var boundary = '----toolsmithFormBoundary' + hex;
  for (var j = 0; j < list.length; j++) {
    var name = escapeName(list[j][0].replace(/\r\n|\r|\n/g, '\r\n')), value = list[j][1];
    if (typeof value === 'string') {
      parts.push(utf8('--' + boundary + '\r\nContent-Disposition: form-data; name="' + name + '"\r\n\r\n' + value.replace(/\r\n|\r|\n/g, '\r\n') + '\r\n'));
    } else {
      parts.push(utf8('--' + boundary + '\r\nContent-Disposition: form-data; name="' + name + '"; filename="' + escapeName(FL.get(value).name) + '"\r\nContent-Type: ' + (BL.get(value).type || 'application/octet-stream') + '\r\n\r\n'));
      parts.push(BL.get(value).bytes, utf8('\r\n'));
    }
  }
  parts.push(utf8('--' + boundary + '--\r\n'));
  return { bytes: concat(parts), contentType: 'multipart/form-data; boundary=' + boundary };
});
function unescapeName(s) { return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%22/g, '"'); }
def(FormData, PARSE, function (bytes, contentType) {
  var ct = String(contentType || ''), form = new FormData(), list = fd(form);
  if (/^application\/x-www-form-urlencoded/i.test(ct)) {
    new G.URLSearchParams(new G.TextDecoder().decode(bytes)).forEach(function (v, k) { list.push([k, v]); });
    return form;
  }
  var m = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(ct);
  if (!m) throw new TypeError('formData(): the body is neither multipart/form-data (with a boundary) nor application/x-www-form-urlencoded (Content-Type: ' + JSON.stringify(ct) + ')');
  var text = latin1(bytes), delim = '--' + (m[1] || m[2]), at = text.indexOf(delim);
  if (at < 0) throw new TypeError('formData(): the multipart body does not contain its boundary');
  for (;;) {
    at += delim.length;
    if (text.substr(at, 2) === '--') break;
    var headEnd = text.indexOf('\r\n\r\n', at), next = text.indexOf('\r\n' + delim, headEnd + 4);
    if (headEnd < 0 || next < 0) throw new TypeError('formData(): the multipart body is cut short');
    var head = new G.TextDecoder().decode(fromLatin1(text.slice(at, headEnd))), body = text.slice(headEnd + 4, next);
    var disp = /content-disposition:\s*form-data\s*;([^\r\n]*)/i.exec(head), type = /content-type:\s*([^\r\n]*)/i.exec(head);
    if (!disp) throw new TypeError('formData(): a part has no Content-Disposition: form-data header');
    var nm = /(?:^|;)\s*name="([^"]*)"/i.exec(disp[1]), fn = /(?:^|;)\s*filename="([^"]*)"/i.exec(disp[1]);
    var name = nm ? unescapeName(nm[1]) : '';
    if (fn) list.push([name, new File([fromLatin1(body)], unescapeName(fn[1]), { type: type ? type[1].trim() : '' })]);
    else list.push([name, new G.TextDecoder().decode(fromLatin1(body))]);
    at = next + 2;
  }
  return form;
});
[['Blob', Blob], ['File', File], ['FormData', FormData]].forEach(function (kv) { def(G, kv[0], kv[1]); });
