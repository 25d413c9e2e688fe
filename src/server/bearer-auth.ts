import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A check of `Authorization: Bearer <token>` against the server's token. Both tokens are
 * compared as HMAC-SHA256 digests under a key made per server, so the comparison always
 * covers 32 bytes: its time says nothing about the expected token's length or content.
 */
export function bearerCheck(token: string): (authorization: string | string[] | undefined) => boolean {
  const key = randomBytes(32);
  const digest = (value: string) => createHmac("sha256", key).update(value, "utf8").digest();
  const expected = digest(token);
  return (authorization) => {
    const match = typeof authorization === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    // Digested and compared even without a match, so a malformed header costs what a wrong token costs.
    const equal = timingSafeEqual(digest(match?.[1] ?? ""), expected);
    return equal && match !== null;
  };
}
