import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "x-toolsmith-timestamp";
export const SIGNATURE_HEADER = "x-toolsmith-signature";
/** How far a request's timestamp may be from this machine's clock, either way. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;
/** Signatures remembered to refuse a replay within the window; past this many, the oldest are forgotten first. */
const MAX_REMEMBERED_SIGNATURES = 100_000;
/** Bytes of a generated hook secret (256 bits). */
const HOOK_SECRET_BYTES = 32;

/** A new signing secret: 64 hex characters. */
export function newHookSecret(): string {
  return randomBytes(HOOK_SECRET_BYTES).toString("hex");
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<raw body>`): what a sender puts in X-Toolsmith-Signature. */
export function signHookRequest(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

/** Both headers in the expected form (checked before the body is read), or why not. */
export function signatureHeaders(timestampHeader: unknown, signatureHeader: unknown, nowMs: number): { ok: true; timestamp: string; signature: string } | { ok: false; reason: string } {
  if (typeof timestampHeader !== "string" || !/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: "missing or malformed X-Toolsmith-Timestamp (Unix seconds)" };
  if (typeof signatureHeader !== "string" || !/^sha256=[0-9a-f]{64}$/i.test(signatureHeader)) return { ok: false, reason: "missing or malformed X-Toolsmith-Signature (sha256=<hex>)" };
  if (Math.abs(nowMs / 1000 - Number(timestampHeader)) > SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: "timestamp outside the 5-minute window" };
  return { ok: true, timestamp: timestampHeader, signature: signatureHeader.toLowerCase() };
}

/** Whether `signature` is the body's signature with `secret`, compared in constant time. */
export function signatureMatches(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(signHookRequest(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Signatures accepted within the window, so the same signed request sent again (a
 * replay, or a sender's retry of a delivered request) is refused rather than run twice.
 * `onAccept` lets the caller remember them beyond this process (UsedSignatures: a restart
 * inside the window must not accept a delivery again); `remember` loads them back.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly onAccept?: (key: string, expires: number) => void,
  ) {}

  /** True the first time a signature is seen within the window; false for a replay. */
  accept(hookId: string, signature: string): boolean {
    const now = this.now();
    const key = `${hookId} ${signature}`;
    const expires = this.seen.get(key);
    if (expires !== undefined && expires > now) return false;
    this.forgetExpired(now);
    // Twice the window: a timestamp may be up to the window ahead of this clock.
    const until = now + 2 * SIGNATURE_WINDOW_SECONDS * 1000;
    this.seen.set(key, until);
    this.onAccept?.(key, until);
    return true;
  }

  /** Signatures accepted earlier (by a previous process), with their expiry. */
  remember(entries: Iterable<[string, number]>): void {
    for (const [key, expires] of entries) if (!this.seen.has(key)) this.seen.set(key, expires);
  }

  /** The signatures remembered now, with their expiry. */
  entries(): Iterable<[string, number]> {
    return this.seen.entries();
  }

  private forgetExpired(now: number): void {
    for (const [key, expires] of this.seen) {
      if (expires > now && this.seen.size < MAX_REMEMBERED_SIGNATURES) break;
      this.seen.delete(key);
    }
  }
}
