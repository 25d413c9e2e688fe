/**
 * Host patterns for `network.allow` and matching of fetch targets against them.
 *
 * Pattern forms:
 *   `*`                 any host, any port (`*:443`: any host, port 443)
 *   `*.example.com`     any subdomain of example.com (not example.com itself)
 *   `example.com`       that host, any port
 *   `example.com:8443`  that host, port 8443 only
 *   `example.com:*`     that host, any port (same as no port)
 *   `127.0.0.1`, `127.0.0.1:3000`, `[::1]`, `[::1]:3000`, `::1` (a bare IPv6
 *                       literal cannot carry a port; bracket it to add one)
 *
 * Host names are compared case-insensitively, ignoring a trailing dot, after
 * the same canonicalization the WHATWG URL parser applies to URL hosts
 * (punycode for international names, `2130706433` -> `127.0.0.1`).
 *
 * IP patterns match in two ways:
 *   1. the URL host is that IP literal (`http://127.0.0.1:3000/`), or
 *   2. the URL host is a name whose resolved `address` is that IP
 *      (pattern `127.0.0.1` allows `http://localhost/` once it resolved to
 *      127.0.0.1). The caller must pass the address it will actually connect to.
 * IPv4-mapped IPv6 addresses (`::ffff:7f00:1`) compare equal to their IPv4.
 *
 * `explicit` in a match result is true when the matching pattern names the
 * host or address literally, i.e. its host part has no wildcard (a port
 * wildcard does not count). Callers refuse special addresses (loopback,
 * private, metadata, ...) unless the match is explicit, so `*` and
 * `*.example.com` never open up such an address.
 */
import { isIP } from "node:net";
import { normalizeIp } from "./address-class.js";

export interface HostPattern {
  /** The pattern as written. */
  readonly source: string;
  /**
   * "any": `*`; "subdomains": `*.suffix`; "name": a host name; "ip": an IP literal.
   */
  readonly kind: "any" | "subdomains" | "name" | "ip";
  /**
   * Canonical host part: `*`, `*.example.com`, `example.com` (lower-case, no
   * trailing dot, punycode), or a normalized IP (`127.0.0.1`, `::1`; an
   * IPv4-mapped IPv6 literal is stored as its IPv4). `isIP(host)` is non-zero
   * exactly when kind is "ip".
   */
  readonly host: string;
  /** Only this port, or null for any port. */
  readonly port: number | null;
}

export interface MatchTarget {
  /** URL host (`new URL(...).hostname`); IPv6 may keep its brackets. */
  readonly hostname: string;
  /** Effective port (the scheme default when the URL has none). */
  readonly port: number;
  /** The address the connection will use, once resolved. */
  readonly address?: string;
}

export type MatchResult = { allowed: true; explicit: boolean } | { allowed: false };

const FORMS = "expected *, *.example.com, example.com, example.com:8443, example.com:*, 127.0.0.1:3000 or [::1]:3000";

function fail(pattern: string, reason: string): never {
  throw new Error(`Invalid host pattern ${JSON.stringify(pattern)}: ${reason} (${FORMS})`);
}

/** Comparison key of an IP literal: normalized, with IPv4-mapped IPv6 reduced to IPv4. */
function ipKey(ip: string): string {
  const n = normalizeIp(ip);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(n);
  if (mapped) {
    const hi = parseInt(mapped[1] ?? "0", 16);
    const lo = parseInt(mapped[2] ?? "0", 16);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
  }
  return n;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * Canonicalize a host name (no wildcard) the way URL hosts are canonicalized.
 * Returns an IP key when the name turns out to be an IPv4 address.
 */
function canonicalName(pattern: string, name: string): { kind: "name" | "ip"; host: string } {
  if (name === "" || name === ".") fail(pattern, "missing host name");
  if (!/^[\p{L}\p{N}\p{M}._-]+$/u.test(name)) fail(pattern, `host ${JSON.stringify(name)} contains invalid characters`);
  let hostname: string;
  try {
    hostname = new URL(`http://${name}/`).hostname;
  } catch {
    fail(pattern, `host ${JSON.stringify(name)} is not a valid host name`);
  }
  if (isIP(hostname) === 4) return { kind: "ip", host: ipKey(hostname) };
  if (hostname.endsWith(".")) hostname = hostname.slice(0, -1);
  const labels = hostname.split(".");
  if (hostname.length > 253 || labels.some((l) => l === "" || l.length > 63)) {
    fail(pattern, `host ${JSON.stringify(name)} is not a valid host name`);
  }
  return { kind: "name", host: hostname };
}

function parsePort(pattern: string, text: string): number | null {
  if (text === "*") return null;
  if (!/^[0-9]{1,5}$/.test(text)) fail(pattern, `port ${JSON.stringify(text)} is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) fail(pattern, `port ${text} is out of range 1-65535`);
  return port;
}

/** Parse one allow-list entry; throws an Error explaining what is wrong with an invalid one. */
export function parseHostPattern(pattern: string): HostPattern {
  if (typeof pattern !== "string" || pattern === "") fail(String(pattern), "empty pattern");
  if (/\s/.test(pattern)) fail(pattern, "contains whitespace");
  if (pattern.includes("/") || pattern.includes("@")) fail(pattern, "give a host, not a URL");

  let hostText: string;
  let port: number | null = null;

  if (pattern.startsWith("[")) {
    const close = pattern.indexOf("]");
    if (close === -1) fail(pattern, "missing closing ]");
    const inner = pattern.slice(1, close);
    if (isIP(inner) !== 6) fail(pattern, `${JSON.stringify(inner)} is not an IPv6 address`);
    const rest = pattern.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) fail(pattern, "unexpected text after ]");
      port = parsePort(pattern, rest.slice(1));
    }
    return { source: pattern, kind: "ip", host: ipKey(inner), port };
  }

  const colons = pattern.split(":").length - 1;
  if (colons > 1) {
    if (isIP(pattern) === 6) return { source: pattern, kind: "ip", host: ipKey(pattern), port: null };
    fail(pattern, "an IPv6 address must be a valid literal, written in brackets to add a port ([::1]:3000)");
  }
  if (colons === 1) {
    const at = pattern.indexOf(":");
    hostText = pattern.slice(0, at);
    port = parsePort(pattern, pattern.slice(at + 1));
  } else {
    hostText = pattern;
  }

  if (hostText === "") fail(pattern, "missing host");
  if (hostText === "*") return { source: pattern, kind: "any", host: "*", port };
  if (hostText.startsWith("*.")) {
    const suffixText = hostText.slice(2);
    if (suffixText.includes("*")) fail(pattern, "* is only allowed as the whole host or as a leading *.");
    const suffix = canonicalName(pattern, suffixText);
    if (suffix.kind === "ip") fail(pattern, "a wildcard cannot be combined with an IP address");
    return { source: pattern, kind: "subdomains", host: `*.${suffix.host}`, port };
  }
  if (hostText.includes("*")) fail(pattern, "* is only allowed as the whole host or as a leading *.");
  return { source: pattern, ...canonicalName(pattern, hostText), port };
}

/** Target host as a comparison key: an IP key for literals, else lower-case without trailing dot. */
function targetHost(hostname: string): { ip: string | null; name: string } {
  const h = stripBrackets(hostname.trim());
  if (isIP(h.split("%")[0] ?? "") !== 0) return { ip: ipKey(h), name: "" };
  let name = h.toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  return { ip: null, name };
}

/**
 * Check a fetch target against an allow-list. Every pattern is considered, so
 * an explicit entry is reported as explicit even when `*` also matches.
 */
export function matchesAllowList(patterns: readonly HostPattern[], target: MatchTarget): MatchResult {
  const host = targetHost(target.hostname);
  const address = target.address === undefined || target.address === "" ? null : ipKey(target.address);
  let wildcardMatch = false;
  for (const p of patterns) {
    if (p.port !== null && p.port !== target.port) continue;
    switch (p.kind) {
      case "any":
        wildcardMatch = true;
        break;
      case "subdomains":
        // host is "*.suffix": a target matches when it ends with ".suffix".
        if (host.ip === null && host.name.endsWith(p.host.slice(1))) wildcardMatch = true;
        break;
      case "name":
        if (host.ip === null && host.name === p.host) return { allowed: true, explicit: true };
        break;
      case "ip":
        if (host.ip === p.host || address === p.host) return { allowed: true, explicit: true };
        break;
    }
  }
  return wildcardMatch ? { allowed: true, explicit: false } : { allowed: false };
}
