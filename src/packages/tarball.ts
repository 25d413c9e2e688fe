import { gunzipSync } from "node:zlib";
import { PackageError } from "./package-error.js";

const BLOCK = 512;

export interface TarFile {
  /** Relative, '/'-separated, without the tarball's top folder (`package/`), never `..` or absolute. */
  path: string;
  data: Buffer;
}

/**
 * The regular files of an npm tarball, read in memory. Links, devices and anything
 * else are skipped (never created); a path that would leave the package folder or a
 * total over `maxUnpackedBytes` refuses the whole tarball.
 */
export function readTarball(gz: Buffer, id: string, maxUnpackedBytes: number, setting: string): TarFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: maxUnpackedBytes + 64 * BLOCK });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || /larger than/i.test((error as Error).message)) throw tooLarge(id, maxUnpackedBytes, setting);
    throw new PackageError(`The tarball of ${id} is not a valid gzip file: refused.`);
  }
  const files: TarFile[] = [];
  let total = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (size < 0 || dataStart + size > tar.length) throw new PackageError(`The tarball of ${id} is truncated or malformed: refused.`);
    if (type === "L") {
      longName = cString(data);
      continue;
    }
    if (type === "x") {
      paxPath = paxRecord(data, "path") ?? paxPath;
      continue;
    }
    if (type === "g") continue;
    const prefix = cString(header.subarray(345, 500));
    const rawName = paxPath ?? longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    paxPath = longName = undefined;
    if (type !== "0" && type !== "\0" && type !== "7") continue;
    const path = packagePath(rawName, id);
    total += size;
    if (total > maxUnpackedBytes) throw tooLarge(id, maxUnpackedBytes, setting);
    files.push({ path, data: Buffer.from(data) });
  }
  return files;
}

/** `package/lib/x.js` → `lib/x.js`; refuses absolute paths and `..` (path traversal). */
function packagePath(raw: string, id: string): string {
  const parts = raw.replace(/\\/g, "/").split("/").filter((p) => p !== "" && p !== ".");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw) || parts.includes("..")) {
    throw new PackageError(`The tarball of ${id} contains the path '${raw.slice(0, 120)}', which leaves the package folder: refused.`);
  }
  // npm tarballs put everything under one top folder (usually `package/`); it is not part of the path.
  const inside = parts.slice(1).join("/");
  if (!inside) throw new PackageError(`The tarball of ${id} has a file outside its top folder ('${raw.slice(0, 120)}'): refused.`);
  return inside;
}

function tooLarge(id: string, max: number, setting: string): PackageError {
  return new PackageError(`${id} unpacks to more than ${+(max / 1024 / 1024).toFixed(2)} MB (${setting}). Use a smaller package, or raise ${setting} in config.json.`);
}

function octal(field: Buffer): number {
  // Sizes over 8 GB use a base-256 form: such a file is far beyond any cap, so it reads as too large.
  if ((field[0]! & 0x80) !== 0) return Number.MAX_SAFE_INTEGER;
  const text = cString(field).trim();
  return text ? parseInt(text, 8) : 0;
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

/** One key of a pax extended header (`<len> key=value\n` records). */
function paxRecord(data: Buffer, key: string): string | undefined {
  const text = data.toString("utf8");
  for (const record of text.split("\n")) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(record);
    if (match && match[1] === key) return match[2];
  }
  return undefined;
}
