/**
 * Where a secret may be sent: its `--host` entries, each `host`, `host:port` or
 * `scheme://host[:port]`, with `host` in the network.allow pattern forms.
 *
 * An entry without a scheme means https only, and without a port means port 443
 * (`host:*` for any port): a value must not cross the network in clear text, nor
 * reach another service on the same machine, unless its owner said so
 * (`http://host`, `host:8443`). Loopback hosts (127.0.0.0/8, ::1, localhost) take
 * http and any port even when written bare: they are how a developer tests against a
 * local server, and their traffic never leaves the machine.
 */
import { isIP } from "node:net";
import { classifyAddress } from "../../util/net/address-class.js";
import { matchesAllowList, parseHostPattern, type HostPattern } from "../../util/net/host-patterns.js";

export type Scheme = "http" | "https";

export interface SecretTarget {
  scheme: Scheme;
  hostname: string;
  port: number;
  /** The address the request connects to, once resolved (an IP entry also matches it). */
  address?: string;
}

interface SecretHost {
  pattern: HostPattern;
  /** Schemes allowed; null: the scheme was not written (https, or any for loopback). */
  scheme: Scheme | null;
}

/** For `toolsmith secret set --help`, and the message of a refused request. */
export const SECRET_HOST_RULES = `HOST is api.example.com, api.example.com:8443, *.example.com, https://api.example.com
or http://api.example.com:8080. Without a scheme, a host means https only; without a
port, port 443 (api.example.com:* for any port). Loopback hosts (127.0.0.1, [::1],
localhost) also take plain http on any port, for local testing.`;

const SCHEME_PREFIX = /^(https?):\/\//i;
const DEFAULT_PORTS: Record<Scheme, number> = { http: 80, https: 443 };

/** Parses one `--host` entry; throws an Error saying what is wrong with an invalid one. */
export function parseSecretHost(entry: string): SecretHost {
  const prefix = SCHEME_PREFIX.exec(entry);
  const scheme = prefix ? (prefix[1]!.toLowerCase() as Scheme) : null;
  let rest = prefix ? entry.slice(prefix[0].length) : entry;
  if (prefix && rest.endsWith("/")) rest = rest.slice(0, -1);
  if (rest.includes("://")) {
    throw new Error(`Invalid host ${JSON.stringify(entry)}: only http:// and https:// can be given as a scheme`);
  }
  const parsed = parseHostPattern(rest);
  const port = parsed.port ?? (hasExplicitPort(rest) ? null : scheme ? DEFAULT_PORTS[scheme] : DEFAULT_PORTS.https);
  return { pattern: { ...parsed, port }, scheme };
}

/** Throws on the first invalid entry (for `toolsmith secret set`). */
export function validateSecretHosts(entries: string[]): void {
  for (const entry of entries) parseSecretHost(entry);
}

/** Whether a request to `target` may carry a secret bound to `entries`. Invalid entries match nothing. */
export function secretHostsAllow(entries: string[], target: SecretTarget): boolean {
  const loopback = isLoopback(target);
  for (const entry of entries) {
    let host: SecretHost;
    try {
      host = parseSecretHost(entry);
    } catch {
      continue;
    }
    const bare = host.scheme === null;
    if (bare && loopback && isLoopbackPattern(host.pattern)) {
      if (matchesAllowList([{ ...host.pattern, port: hasExplicitPort(entry) ? host.pattern.port : null }], target).allowed) return true;
      continue;
    }
    if ((host.scheme ?? "https") !== target.scheme) continue;
    if (matchesAllowList([host.pattern], target).allowed) return true;
  }
  return false;
}

/** The entry that would allow `target`, as `toolsmith secret set` takes it. */
export function entryFor(target: SecretTarget): string {
  const host = isIP(target.hostname) === 6 ? `[${target.hostname}]` : target.hostname;
  if (isLoopback(target)) return `${host}:${target.port}`;
  if (target.scheme === "https") return target.port === 443 ? host : `${host}:${target.port}`;
  return target.port === 80 ? `http://${host}` : `http://${host}:${target.port}`;
}

/** `host:port`, `host:*`, `[::1]:port`: the entry names its port. */
function hasExplicitPort(hostPart: string): boolean {
  const text = hostPart.replace(SCHEME_PREFIX, "");
  if (text.startsWith("[")) return /\]:/.test(text);
  return text.split(":").length === 2;
}

function isLoopback(target: SecretTarget): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  return host === "localhost" || (isIP(host) !== 0 && isLoopbackAddress(host));
}

function isLoopbackAddress(ip: string): boolean {
  const cls = classifyAddress(ip);
  return cls.special && cls.kind === "loopback";
}

function isLoopbackPattern(pattern: HostPattern): boolean {
  if (pattern.kind === "name") return pattern.host === "localhost";
  return pattern.kind === "ip" && isLoopbackAddress(pattern.host);
}
