import { randomBytes } from "node:crypto";
import type { SecretsFile } from "./secrets-file.js";

/** Values shorter than this are not redacted: replacing every "a" in a result would destroy it. */
const MIN_REDACTED_CHARS = 4;
/** Base64 fragments shorter than this are too likely to occur by chance to redact. */
const MIN_BASE64_CORE_CHARS = 6;

export class SecretRefusedError extends Error {
  override name = "SecretRefusedError";
}

export interface SecretTarget {
  hostname: string;
  port: number;
}

/** Decides whether a secret may go to a host (its `--host` list, matched by the network patterns). */
export type HostMatcher = (hosts: string[], target: SecretTarget) => boolean;

/**
 * The secrets of a home, kept on the main thread. Guests only ever see
 * placeholders (`tsm_secret_<NAME>_<run nonce>`); the vault substitutes values
 * into requests bound for a secret's hosts and redacts values wherever they
 * would reach the model.
 */
export class SecretVault {
  private readonly redactions: Array<{ name: string; needles: string[] }>;

  constructor(
    private readonly file: SecretsFile,
    private readonly hostMatches: HostMatcher,
  ) {
    this.redactions = Object.entries(file.secrets)
      .filter(([, s]) => s.value.length >= MIN_REDACTED_CHARS)
      .map(([name, s]) => ({ name, needles: redactionNeedles(s.value) }))
      // Longer needles first, so a secret containing another is redacted whole.
      .sort((a, b) => Math.max(...b.needles.map((n) => n.length)) - Math.max(...a.needles.map((n) => n.length)));
  }

  names(): string[] {
    return Object.keys(this.file.secrets).sort();
  }

  hostsOf(name: string): string[] | undefined {
    return this.file.secrets[name]?.hosts;
  }

  /** A fresh nonce for one run: placeholders of one run mean nothing in another. */
  static newNonce(): string {
    return randomBytes(8).toString("hex");
  }

  /**
   * Replaces this run's placeholders in `text` with values, if every secret used
   * may go to `target`; throws `SecretRefusedError` (naming secret and hosts) if not.
   * Basic credentials (`Basic <base64>`) are decoded, substituted and re-encoded.
   */
  substitute(text: string, nonce: string, target: SecretTarget, used: Set<string>): string {
    const basic = /^(Basic\s+)([A-Za-z0-9+/=]+)$/i.exec(text.trim());
    if (basic) {
      const decoded = Buffer.from(basic[2]!, "base64").toString("utf8");
      if (decoded.includes(`_${nonce}`)) return `${basic[1]}${Buffer.from(this.substitute(decoded, nonce, target, used), "utf8").toString("base64")}`;
    }
    const pattern = new RegExp(`tsm_secret_([A-Z][A-Z0-9_]{0,63})_${nonce}`, "g");
    return text.replace(pattern, (_match, name: string) => {
      const entry = this.file.secrets[name];
      if (!entry) throw new SecretRefusedError(`Unknown secret '${name}'.`);
      this.assertAllowed(name, target);
      used.add(name);
      return entry.value;
    });
  }

  /** Refuses a request that carries a secret's raw value to a host it is not bound to. */
  checkRawValues(text: string, target: SecretTarget): void {
    for (const { name } of this.redactions) {
      const value = this.file.secrets[name]!.value;
      if (text.includes(value)) this.assertAllowed(name, target);
    }
  }

  /** Replaces every secret value (raw, base64, base64url) with `[secret:NAME]`. */
  redact(text: string): string {
    let out = text;
    for (const { name, needles } of this.redactions) {
      for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(`[secret:${name}]`);
    }
    return out;
  }

  /** A binary body with every raw secret value replaced by `[secret:NAME]`. */
  redactBytes(bytes: Buffer): Buffer {
    let out = bytes;
    for (const { name } of this.redactions) {
      const value = Buffer.from(this.file.secrets[name]!.value, "utf8");
      const marker = Buffer.from(`[secret:${name}]`, "utf8");
      let at = out.indexOf(value);
      while (at >= 0) {
        out = Buffer.concat([out.subarray(0, at), marker, out.subarray(at + value.length)]);
        at = out.indexOf(value, at + marker.length);
      }
    }
    return out;
  }

  /** Names of secrets whose value appears in `text` (used to refuse saving them into the library). */
  valuesIn(text: string): string[] {
    return this.redactions.filter(({ needles }) => needles.some((n) => text.includes(n))).map((r) => r.name);
  }

  private assertAllowed(name: string, target: SecretTarget): void {
    const hosts = this.file.secrets[name]!.hosts;
    if (!this.hostMatches(hosts, target)) {
      throw new SecretRefusedError(
        `Secret '${name}' may only be sent to ${hosts.join(", ")}; this request goes to ${target.hostname}:${target.port}. Nothing was sent. ` +
          `To allow it, run: toolsmith secret set ${name} ${[...hosts, target.hostname].map((h) => `--host ${h}`).join(" ")}`,
      );
    }
  }
}

/** The value itself and the parts of its base64 encodings that do not depend on what surrounds it. */
function redactionNeedles(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const needles = new Set<string>([value, encodeURIComponent(value)]);
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const firstGroup = offset === 0 ? 0 : 1;
    const lastGroup = Math.floor((offset + bytes.length) / 3);
    const core = encoded.slice(firstGroup * 4, lastGroup * 4);
    if (core.length >= MIN_BASE64_CORE_CHARS) {
      needles.add(core);
      needles.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...needles].sort((a, b) => b.length - a.length);
}
