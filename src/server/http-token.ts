import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";

/** Shortest token accepted from TOOLSMITH_TOKEN: anything shorter is guessable. */
const MIN_TOKEN_CHARS = 16;
const TOKEN_FILE_MODE = 0o600;

export class TokenError extends Error {
  override name = "TokenError";
}

/**
 * The bearer token of the HTTP server: TOOLSMITH_TOKEN when set, else the one stored in
 * the home (`http-token`, mode 0600), generated on first start. `created` says whether
 * it was just generated (the only time it is shown).
 */
export async function resolveHttpToken(home: string, fromEnv: string | undefined): Promise<{ token: string; created: boolean; source: string }> {
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < MIN_TOKEN_CHARS || /\s/.test(fromEnv)) {
      throw new TokenError(`TOOLSMITH_TOKEN must be at least ${MIN_TOKEN_CHARS} characters with no spaces. Generate one with: openssl rand -base64 24`);
    }
    return { token: fromEnv, created: false, source: "TOOLSMITH_TOKEN" };
  }
  const file = join(home, "http-token");
  const stored = (await readFile(file, "utf8").catch(() => "")).trim();
  if (stored.length >= MIN_TOKEN_CHARS) return { token: stored, created: false, source: file };
  const token = newToken();
  await writeFileAtomic(file, `${token}\n`, TOKEN_FILE_MODE);
  return { token, created: true, source: file };
}

/** A new bearer token: 24 random bytes, base64url. */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}
