/**
 * Response bodies are decoded on the host, never by the guest: redaction can only see
 * a secret in bytes it can read, so a compressed body handed to the guest would carry
 * an echoed value past it. The host asks for the encodings it can decode
 * (ACCEPTED_ENCODINGS) and decodes whatever the server sends, each step capped.
 */
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate, inflateRaw } from "node:zlib";

/** What the host asks servers for; a guest's own Accept-Encoding is never sent. */
export const ACCEPTED_ENCODINGS = "gzip, deflate, br";

type Decoder = (bytes: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

const gunzipAsync = promisify(gunzip) as Decoder;
const inflateAsync = promisify(inflate) as Decoder;
const inflateRawAsync = promisify(inflateRaw) as Decoder;
const brotliAsync = promisify(brotliDecompress) as Decoder;

const DECODERS: Record<string, Decoder> = {
  gzip: gunzipAsync,
  "x-gzip": gunzipAsync,
  // "deflate" is zlib-wrapped by the standard; some servers send it raw.
  deflate: (bytes, options) => inflateAsync(bytes, options).catch((error: unknown) => (isTooLarge(error) ? Promise.reject(error) : inflateRawAsync(bytes, options))),
  br: brotliAsync,
};

export class ContentDecodingError extends Error {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/**
 * The body with every content coding in `header` undone (last applied, first undone),
 * at most `maxBytes` long after each step. Throws ContentDecodingError for an
 * encoding the host cannot decode, a corrupt body, or one that inflates past the cap.
 */
export async function decodeBody(bytes: Buffer, header: string | undefined, maxBytes: number): Promise<Buffer> {
  const codings = (header ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== "identity");
  let out = bytes;
  for (const coding of codings.reverse()) {
    const decoder = DECODERS[coding];
    if (!decoder) throw new ContentDecodingError(`uses Content-Encoding '${coding}', which toolsmith cannot decode (it decodes ${ACCEPTED_ENCODINGS})`);
    if (out.length === 0) continue;
    try {
      out = await decoder(out, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      if (isTooLarge(error)) throw new ContentDecodingError("inflates past the size cap", true);
      throw new ContentDecodingError(`has a corrupt '${coding}' body`);
    }
  }
  return out;
}

function isTooLarge(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError;
}
