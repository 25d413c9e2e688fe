import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { classifyAddress, normalizeIp } from "../../util/net/address-class.js";
import { matchesAllowList, parseHostPattern, type HostPattern } from "../../util/net/host-patterns.js";

export class NetworkRefusedError extends Error {
  override name = "NetworkRefusedError";
}

export interface CheckedTarget {
  hostname: string;
  port: number;
  /** The address the connection must go to: the one that was checked. */
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * `network.allow` applied to a URL: the decision is made on the resolved
 * address, and the caller connects to exactly that address (no second lookup).
 */
export class NetworkPolicy {
  private readonly patterns: HostPattern[];

  constructor(
    readonly allow: string[],
    private readonly resolve: Resolver = systemResolver,
  ) {
    this.patterns = allow.map((p) => parseHostPattern(p));
  }

  /** Throws an Error naming the bad pattern; used to validate config at start. */
  static validate(allow: string[]): void {
    for (const pattern of allow) parseHostPattern(pattern);
  }

  /** Whether `hostname:port` matches any of `patterns` (used for secrets' and integrations' host lists). */
  static hostListMatches(patterns: string[], target: { hostname: string; port: number }): boolean {
    const parsed = patterns.flatMap((p) => {
      try {
        return [parseHostPattern(p)];
      } catch {
        return [];
      }
    });
    return matchesAllowList(parsed, target).allowed;
  }

  async check(url: URL): Promise<CheckedTarget> {
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new NetworkRefusedError(`Refused ${url.protocol}// URL: fetch supports http: and https: only.`);
    }
    if (url.username || url.password) {
      throw new NetworkRefusedError(`Refused ${url.origin}: credentials in the URL are not sent. Use an Authorization header (with secret()) instead.`);
    }
    const hostname = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    const hostDisplay = url.port ? `${hostname}:${url.port}` : hostname;
    const byName = matchesAllowList(this.patterns, { hostname, port });
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(hostname)) addresses = [{ address: normalizeIp(hostname), family: isIP(hostname) }];
    else {
      if (!byName.allowed && !this.patterns.some((p) => isIP(p.host))) throw this.notAllowed(hostDisplay, hostname, port);
      try {
        addresses = await this.resolve(hostname);
      } catch (error) {
        throw new NetworkRefusedError(`Cannot resolve ${hostname}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
      }
      if (addresses.length === 0) throw new NetworkRefusedError(`Cannot resolve ${hostname}: no addresses.`);
    }
    // Every address the name resolves to must pass: otherwise a name could mix a public and a private address.
    for (const { address } of addresses) {
      const verdict = matchesAllowList(this.patterns, { hostname, port, address: normalizeIp(address) });
      if (!verdict.allowed) throw this.notAllowed(hostDisplay, hostname, port);
      const cls = classifyAddress(address);
      if (cls.special && !verdict.explicit) {
        throw new NetworkRefusedError(
          `Refused ${hostDisplay}: it resolves to ${address}, a ${cls.kind} address, which '*' never allows. ` +
            `If this is intended, add "${hostname}:${port}"${normalizeIp(address) === hostname ? "" : ` (or "${address}:${port}")`} to network.allow in config.json.`,
        );
      }
    }
    const chosen = addresses[0]!;
    return { hostname, port, address: normalizeIp(chosen.address), family: chosen.family === 6 ? 6 : 4 };
  }

  private notAllowed(display: string, hostname: string, port: number): NetworkRefusedError {
    return new NetworkRefusedError(
      `Refused ${display}: it is not in network.allow (${JSON.stringify(this.allow)}). To allow it, add "${hostname}" or "${hostname}:${port}" to network.allow in config.json.`,
    );
  }
}
