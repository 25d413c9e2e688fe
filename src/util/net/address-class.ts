/**
 * Classification of IP address literals for the fetch bridge.
 *
 * The host refuses to connect to "special" addresses (loopback, private
 * networks, cloud metadata endpoints, ...) unless the allow-list names the
 * host or address explicitly. This module only answers "is this address
 * special, and what kind is it"; the policy lives in the caller.
 *
 * Input is an address as returned by `dns.lookup`, or a URL host: IPv4 in
 * dotted-decimal form, IPv6 with or without surrounding brackets, optionally
 * with a zone id (`fe80::1%eth0`, stripped). Alternative IPv4 spellings
 * (`2130706433`, `0x7f.1`, `0177.0.0.1`) are normalized to dotted form by
 * the WHATWG URL parser before they reach this code; written directly they
 * are not valid literals here and are therefore classified as "invalid"
 * (special), i.e. the classifier fails closed.
 */
import { isIP } from "node:net";

export type AddressClass = { special: false } | { special: true; kind: string };

const NOT_SPECIAL: AddressClass = { special: false };
const special = (kind: string): AddressClass => ({ special: true, kind });

/** Strip surrounding brackets and a zone id (`%eth0`). */
function bare(ip: string): string {
  let s = ip.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const pct = s.indexOf("%");
  if (pct !== -1) s = s.slice(0, pct);
  return s;
}

/** Parse dotted-decimal IPv4 into a 32-bit unsigned number, or null. */
function parseIPv4(s: string): number | null {
  if (isIP(s) !== 4) return null;
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/** Parse an IPv6 literal (no brackets, no zone) into eight 16-bit groups, or null. */
function parseIPv6(s: string): number[] | null {
  if (isIP(s) !== 6) return null;
  let text = s.toLowerCase();
  let tail: number[] = [];
  // Mixed notation: the last 32 bits written as dotted IPv4.
  if (text.includes(".")) {
    const lastColon = text.lastIndexOf(":");
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [(v4 >>> 16) & 0xffff, v4 & 0xffff];
    text = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "1:2:3:4:5:6:1.2.3.4" leaves "1:2:3:4:5:6:".
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0] ?? "");
  if (head === null) return null;
  if (halves.length === 1) {
    const groups = [...head, ...tail];
    return groups.length === 8 ? groups : null;
  }
  const rest = parseGroups(halves[1] ?? "");
  if (rest === null) return null;
  const known = head.length + rest.length + tail.length;
  if (known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
}

function formatIPv4(n: number): string {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".");
}

/** Serialize eight groups the way the WHATWG URL parser does (RFC 5952 style, no dotted tail). */
function formatIPv6(groups: readonly number[]): string {
  // Longest run of two or more zero groups; the first one wins a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(":");
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/**
 * Canonical form of an IP literal: IPv4 as dotted decimal; IPv6 lower-case and
 * compressed exactly as `new URL("http://[x]").hostname` prints it (without the
 * brackets; IPv4-mapped addresses come out in hex, e.g. `::ffff:7f00:1`).
 * Brackets and zone ids are removed. A string that is not an IP literal is
 * returned trimmed and lower-cased, otherwise unchanged.
 */
export function normalizeIp(ip: string): string {
  const s = bare(ip);
  const v4 = parseIPv4(s);
  if (v4 !== null) return formatIPv4(v4);
  const v6 = parseIPv6(s);
  if (v6 !== null) return formatIPv6(v6);
  return ip.trim().toLowerCase();
}

/** True when `n` lies in `base/prefix` (IPv4, 32-bit unsigned numbers). */
function in4(n: number, base: string, prefix: number): boolean {
  const b = parseIPv4(base);
  if (b === null) throw new Error(`bad range ${base}`);
  if (prefix === 0) return true;
  const shift = 32 - prefix;
  return Math.floor(n / 2 ** shift) === Math.floor(b / 2 ** shift);
}

const IPV4_METADATA = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200"]);

function classifyIPv4(n: number): AddressClass {
  // Exact cloud metadata endpoints first, so they are not reported as link-local/cgnat.
  if (IPV4_METADATA.has(formatIPv4(n))) return special("cloud-metadata");
  if (in4(n, "0.0.0.0", 8)) return special("unspecified");
  if (in4(n, "127.0.0.0", 8)) return special("loopback");
  if (in4(n, "10.0.0.0", 8) || in4(n, "172.16.0.0", 12) || in4(n, "192.168.0.0", 16)) return special("private");
  if (in4(n, "169.254.0.0", 16)) return special("link-local");
  if (in4(n, "100.64.0.0", 10)) return special("cgnat");
  if (in4(n, "192.0.0.0", 24)) return special("ietf-protocol");
  if (in4(n, "192.0.2.0", 24) || in4(n, "198.51.100.0", 24) || in4(n, "203.0.113.0", 24)) {
    return special("documentation");
  }
  if (in4(n, "192.88.99.0", 24)) return special("6to4-relay");
  if (in4(n, "198.18.0.0", 15)) return special("benchmark");
  if (in4(n, "224.0.0.0", 4)) return special("multicast");
  if (n === 0xffffffff) return special("broadcast");
  if (in4(n, "240.0.0.0", 4)) return special("reserved");
  return NOT_SPECIAL;
}

/** True when the first `prefix` bits of `g` equal those of `base` (both 8 groups). */
function in6(g: readonly number[], base: readonly number[], prefix: number): boolean {
  for (let i = 0; i < 8 && prefix > 0; i++, prefix -= 16) {
    const bits = Math.min(prefix, 16);
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if (((g[i] ?? 0) & mask) !== ((base[i] ?? 0) & mask)) return false;
  }
  return true;
}

function groupsOf(literal: string): number[] {
  const g = parseIPv6(literal);
  if (g === null) throw new Error(`bad range ${literal}`);
  return g;
}

const V6 = {
  metadata: groupsOf("fd00:ec2::254"),
  mapped: groupsOf("::ffff:0:0"),
  nat64: groupsOf("64:ff9b::"),
  nat64Local: groupsOf("64:ff9b:1::"),
  sixToFour: groupsOf("2002::"),
  discard: groupsOf("100::"),
  benchmark: groupsOf("2001:2::"),
  documentation: groupsOf("2001:db8::"),
  uniqueLocal: groupsOf("fc00::"),
  linkLocal: groupsOf("fe80::"),
  siteLocal: groupsOf("fec0::"),
  multicast: groupsOf("ff00::"),
};

const embedded = (hi: number | undefined, lo: number | undefined): number => (hi ?? 0) * 0x10000 + (lo ?? 0);

function classifyIPv6(g: readonly number[]): AddressClass {
  if (g.every((x, i) => x === V6.metadata[i])) return special("cloud-metadata");
  const firstSixZero = g.slice(0, 6).every((x) => x === 0);
  if (firstSixZero && g[6] === 0) {
    if (g[7] === 0) return special("unspecified");
    if (g[7] === 1) return special("loopback");
  }
  // ::a.b.c.d (IPv4-compatible, deprecated) and ::ffff:a.b.c.d (IPv4-mapped).
  if (firstSixZero || in6(g, V6.mapped, 96)) return classifyIPv4(embedded(g[6], g[7]));
  // NAT64 well-known prefix: the IPv4 address lives in the last 32 bits.
  if (in6(g, V6.nat64, 96)) return classifyIPv4(embedded(g[6], g[7]));
  // NAT64 local-use prefix (RFC 8215): translation happens inside a private network.
  if (in6(g, V6.nat64Local, 48)) return special("nat64");
  // 6to4: 2002:AABB:CCDD::/48 routes to the IPv4 address AA.BB.CC.DD.
  if (in6(g, V6.sixToFour, 16)) return classifyIPv4(embedded(g[1], g[2]));
  if (in6(g, V6.discard, 64)) return special("reserved");
  if (in6(g, V6.benchmark, 48)) return special("benchmark");
  if (in6(g, V6.documentation, 32)) return special("documentation");
  if (in6(g, V6.uniqueLocal, 7)) return special("private");
  if (in6(g, V6.linkLocal, 10)) return special("link-local");
  if (in6(g, V6.siteLocal, 10)) return special("private"); // deprecated site-local
  if (in6(g, V6.multicast, 8)) return special("multicast");
  return NOT_SPECIAL;
}

/**
 * Classify an IP literal. Anything that is not a valid IPv4/IPv6 literal is
 * reported as `{ special: true, kind: "invalid" }` so callers fail closed.
 */
export function classifyAddress(ip: string): AddressClass {
  const s = bare(ip);
  const v4 = parseIPv4(s);
  if (v4 !== null) return classifyIPv4(v4);
  const v6 = parseIPv6(s);
  if (v6 !== null) return classifyIPv6(v6);
  return special("invalid");
}
