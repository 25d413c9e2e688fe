/** Longest body or arguments preview put in a question; a person reads it, so it stays short. */
export const PREVIEW_MAX_CHARS = 2_000;

/**
 * Text shown to a person: this run's secret placeholders as `[secret:NAME]`, and any raw
 * secret value (`redact`) the same way. Values are never shown.
 */
export function showSecrets(text: string, nonce: string, redact: (text: string) => string): string {
  const placeholder = new RegExp(`tsm_secret_([A-Z][A-Z0-9_]{0,63})_${nonce}`, "g");
  return redact(text.replace(placeholder, (_match, name: string) => `[secret:${name}]`));
}

/**
 * A preview cut at a boundary (space, comma, brace, bracket, quote) before `max`
 * characters, never inside a word or number, saying how much was left out.
 */
export function cutPreview(text: string, max = PREVIEW_MAX_CHARS): string {
  if (text.length <= max) return text;
  let at = max;
  while (at > max / 2 && !/[\s,;:{}[\]"'&=]/.test(text[at]!)) at--;
  if (at <= max / 2) at = max;
  return `${text.slice(0, at)}… (${text.length - at} more characters not shown)`;
}

/** A fetch body as a person should see it. */
export function bodyPreview(body: Buffer | undefined, nonce: string, redact: (text: string) => string): string | undefined {
  if (!body || body.length === 0) return undefined;
  const text = body.toString("utf8");
  // Binary (not valid UTF-8 round trip): only its size.
  if (!Buffer.from(text, "utf8").equals(body)) return `[${body.length} bytes of binary data]`;
  return cutPreview(showSecrets(text, nonce, redact));
}

/** A tool call's arguments as a person should see them. */
export function argumentsPreview(args: unknown, nonce: string, redact: (text: string) => string): string | undefined {
  if (args === undefined) return undefined;
  return cutPreview(showSecrets(JSON.stringify(args, null, 1) ?? "", nonce, redact));
}
