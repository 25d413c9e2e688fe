import { randomBytes } from "node:crypto";
import { byteForms, textForms } from "./secret-forms.js";
import { entryFor, secretHostsAllow, type SecretTarget } from "./secret-hosts.js";
import type { SecretsFile } from "./secrets-file.js";

export type { SecretTarget } from "./secret-hosts.js";

/** Values shorter than this are not redacted: replacing every "a" in a result would destroy it. */
const MIN_REDACTED_CHARS = 4;

export class SecretRefusedError extends Error {
  override name = "SecretRefusedError";
}

/**
 * The secrets of a home, kept on the main thread. Guests only ever see
 * placeholders (`tsm_secret_<NAME>_<run nonce>`); the vault substitutes values
 * into requests bound for a secret's hosts and redacts values wherever they
 * would reach the model.
 */
export class SecretVault {
  /** Each secret's spellings (see secret-forms.ts), as text and as bytes. */
  private readonly redactions: Array<{ name: string; needles: string[]; byteNeedles: Buffer[] }>;

  constructor(private readonly file: SecretsFile) {
    this.redactions = Object.entries(file.secrets)
      .filter(([, s]) => s.value.length >= MIN_REDACTED_CHARS)
      .map(([name, s]) => ({ name, needles: textForms(s.value), byteNeedles: byteForms(s.value) }))
      // Longer needles first, so a secret containing another is redacted whole.
      .sort((a, b) => b.byteNeedles[0]!.length - a.byteNeedles[0]!.length);
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

  /**
   * This run's placeholders in `text`, each with its secret's value, for key material
   * (see bridge/crypto): the value goes into a key on the host, not into a request, so
   * no host binding applies here. Throws `SecretRefusedError` for an unknown secret.
   */
  placeholdersIn(text: string, nonce: string): Array<{ placeholder: string; name: string; value: string; index: number }> {
    if (!text.includes(`_${nonce}`)) return [];
    const pattern = new RegExp(`tsm_secret_([A-Z][A-Z0-9_]{0,63})_${nonce}`, "g");
    return [...text.matchAll(pattern)].map((match) => {
      const name = match[1]!;
      const entry = this.file.secrets[name];
      if (!entry) throw new SecretRefusedError(`Unknown secret '${name}'.`);
      return { placeholder: match[0], name, value: entry.value, index: match.index };
    });
  }

  /** Refuses a request that carries a secret's value, in any spelling, to a host it is not bound to. */
  checkRawValues(text: string, target: SecretTarget): void {
    for (const { name, needles } of this.redactions) {
      if (needles.some((n) => text.includes(n))) this.assertAllowed(name, target);
    }
  }

  /** Names of the secrets that may be sent to `target`. */
  boundTo(target: SecretTarget): string[] {
    return this.names().filter((name) => secretHostsAllow(this.file.secrets[name]!.hosts, target));
  }

  /** `text` as it may be recorded (a trace): this run's placeholders as `[secret:NAME]`, and any secret value redacted. */
  named(text: string, nonce: string): string {
    return this.redact(text.replace(new RegExp(`tsm_secret_([A-Z][A-Z0-9_]{0,63})_${nonce}`, "g"), "[secret:$1]"));
  }

  /** Replaces every secret value, in every spelling (see secret-forms.ts), with `[secret:NAME]`. */
  redact(text: string): string {
    let out = text;
    for (const { name, needles } of this.redactions) {
      for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(`[secret:${name}]`);
    }
    return out;
  }

  /** A binary body with every secret value, in every spelling and as UTF-16, replaced by `[secret:NAME]`. */
  redactBytes(bytes: Buffer): Buffer {
    let out = bytes;
    for (const { name, byteNeedles } of this.redactions) {
      const marker = Buffer.from(`[secret:${name}]`, "utf8");
      for (const needle of byteNeedles) {
        let at = out.indexOf(needle);
        if (at < 0) continue;
        const parts: Buffer[] = [];
        let from = 0;
        for (; at >= 0; at = out.indexOf(needle, from)) {
          parts.push(out.subarray(from, at), marker);
          from = at + needle.length;
        }
        parts.push(out.subarray(from));
        out = Buffer.concat(parts);
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
    if (!secretHostsAllow(hosts, target)) {
      const shown = `${target.scheme}://${target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname}:${target.port}`;
      throw new SecretRefusedError(
        `Secret '${name}' may only be sent to ${hosts.join(", ")}; this request goes to ${shown}. Nothing was sent. ` +
          `A host without a scheme means https only, and without a port, port 443 (loopback hosts also take http on any port). ` +
          `If this destination is intended, run: toolsmith secret set ${name} ${[...hosts, entryFor(target)].map((h) => `--host ${h}`).join(" ")}`,
      );
    }
  }
}
