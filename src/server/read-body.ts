import type { IncomingMessage } from "node:http";

/** Largest request body accepted (code and tests travel in it). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false };
export type BodyBytesResult = { ok: true; bytes: Buffer } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false };

/**
 * Reads a request body of at most MAX_BODY_BYTES. A larger one (declared or sent) stops
 * being kept at once, and the caller answers 413 with `Connection: close`: Node discards
 * the rest of the body while the answer goes out, so the client reads a 413 instead of a
 * reset connection. Never rejects.
 */
export async function readBody(req: IncomingMessage): Promise<BodyResult> {
  const read = await readBodyBytes(req, MAX_BODY_BYTES);
  return read.ok ? { ok: true, text: read.bytes.toString("utf8") } : read;
}

/** The body's bytes, at most `maxBytes` of them (see readBody); webhooks check signatures over the exact bytes. */
export function readBodyBytes(req: IncomingMessage, maxBytes: number): Promise<BodyBytesResult> {
  if (Number(req.headers["content-length"]) > maxBytes) return Promise.resolve({ ok: false, tooLarge: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off("data", onData);
      chunks.length = 0;
      resolve({ ok: false, tooLarge: true });
    };
    req.on("data", onData);
    req.on("end", () => resolve({ ok: true, bytes: Buffer.concat(chunks) }));
    req.on("error", () => resolve({ ok: false, tooLarge: false }));
  });
}
