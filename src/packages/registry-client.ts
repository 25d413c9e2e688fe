import { createHash } from "node:crypto";
import { FetchError, hostFetch } from "../bridge/network/http-fetch.js";
import { NetworkRefusedError, type NetworkPolicy } from "../bridge/network/network-policy.js";
import { PackageError } from "./package-error.js";

/** A packument (abbreviated form) is one JSON document listing every version: large for popular packages. */
export const MAX_PACKUMENT_BYTES = 64 * 1024 * 1024;
/** npm's abbreviated metadata when the registry has it (much smaller), the full document otherwise. */
const PACKUMENT_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

export interface VersionManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dist: { tarball: string; integrity?: string; shasum?: string };
}

export interface Packument {
  name: string;
  "dist-tags": Record<string, string>;
  versions: Record<string, VersionManifest>;
}

export interface RegistryOptions {
  /** Base URL ending in '/'. */
  registry: string;
  policy: NetworkPolicy;
  timeoutMs: number;
  maxRedirects: number;
}

/** Reads packuments and tarballs from an npm registry, through the same network policy as guest fetch. */
export class RegistryClient {
  private readonly signal = new AbortController().signal;

  constructor(readonly options: RegistryOptions) {}

  packumentUrl(name: string): string {
    // Scoped names keep their '@' and escape the '/': `@scope%2fname`.
    return `${this.options.registry}${name.replace("/", "%2f")}`;
  }

  async packument(name: string): Promise<Packument> {
    const url = this.packumentUrl(name);
    const reply = await this.get(url, MAX_PACKUMENT_BYTES, [["accept", PACKUMENT_ACCEPT]], "packages.registry");
    if (reply.status === 404) throw new PackageError(`There is no package named '${name}' in the registry ${this.options.registry} (packages.registry). Check the name.`);
    if (reply.status !== 200) throw new PackageError(`The registry ${this.options.registry} answered ${reply.status} for '${name}'. Check packages.registry in config.json, or try again later.`);
    try {
      const doc = JSON.parse(reply.body.toString("utf8")) as Packument;
      if (typeof doc.versions !== "object" || doc.versions === null) throw new Error("no versions");
      doc["dist-tags"] ??= {};
      return doc;
    } catch {
      throw new PackageError(`The registry ${this.options.registry} sent something that is not package metadata for '${name}'. Check packages.registry in config.json.`);
    }
  }

  /** The tarball's bytes, refused when larger than `maxBytes` or when they do not match `integrity`. */
  async tarball(manifest: VersionManifest, maxBytes: number, expected: string): Promise<Buffer> {
    const id = `${manifest.name}@${manifest.version}`;
    const reply = await this.get(manifest.dist.tarball, maxBytes, [], "packages.maxPackageMb", id);
    if (reply.status !== 200) throw new PackageError(`The registry answered ${reply.status} for the tarball of ${id}. Try again later, or check packages.registry in config.json.`);
    if (!matchesIntegrity(reply.body, expected)) {
      throw new PackageError(
        `The tarball of ${id} does not match its integrity ${expected.slice(0, 24)}…: refused (it may have been tampered with or the registry is misconfigured). Nothing of it was used.`,
      );
    }
    return reply.body;
  }

  private async get(url: string, maxBytes: number, headers: Array<[string, string]>, setting: string, what?: string): Promise<{ status: number; body: Buffer }> {
    try {
      const reply = await hostFetch(
        { url, method: "GET", headers },
        { policy: this.options.policy, signal: this.signal, timeoutMs: this.options.timeoutMs, maxResponseBytes: maxBytes, maxRedirects: this.options.maxRedirects },
      );
      const body = reply.bodyBase64 !== undefined ? Buffer.from(reply.bodyBase64, "base64") : Buffer.from(reply.bodyText ?? "", "utf8");
      return { status: reply.status, body };
    } catch (error) {
      if (error instanceof NetworkRefusedError) {
        throw new PackageError(`The package registry is refused by the network policy: ${error.message} (The registry is ${this.options.registry}, set by packages.registry.)`);
      }
      if (error instanceof FetchError && /is larger than/.test(error.message)) {
        throw new PackageError(`${what ?? url} is larger than ${+(maxBytes / 1024 / 1024).toFixed(2)} MB (${setting}). Use a smaller package, or raise ${setting} in config.json.`);
      }
      throw new PackageError(`Cannot reach the package registry ${this.options.registry} (packages.registry): ${(error as Error).message}`);
    }
  }
}

/** The integrity to check a version's tarball against: its SRI, else its sha1 shasum as SRI. */
export function expectedIntegrity(manifest: VersionManifest): string {
  if (manifest.dist.integrity) return manifest.dist.integrity;
  if (manifest.dist.shasum) return `sha1-${Buffer.from(manifest.dist.shasum, "hex").toString("base64")}`;
  throw new PackageError(`${manifest.name}@${manifest.version} has no integrity in the registry's metadata, so it cannot be checked: refused.`);
}

const STRENGTH = ["sha1", "sha256", "sha384", "sha512"];

/** Whether `bytes` match the strongest hash an SRI string lists (as npm checks). */
export function matchesIntegrity(bytes: Buffer, sri: string): boolean {
  const hashes = sri
    .trim()
    .split(/\s+/)
    .map((entry) => /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)/.exec(entry))
    .filter((m): m is RegExpExecArray => m !== null);
  if (!hashes.length) return false;
  const best = Math.max(...hashes.map((m) => STRENGTH.indexOf(m[1]!)));
  return hashes.filter((m) => STRENGTH.indexOf(m[1]!) === best).some((m) => createHash(m[1]!).update(bytes).digest("base64") === m[2]);
}

/** The sha512 SRI of bytes (what pins record). */
export function sha512Integrity(bytes: Buffer): string {
  return `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}
