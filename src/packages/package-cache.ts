import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The kinds of things kept, each in its own folder of the cache. */
export type CacheKind = "tarballs" | "packuments" | "locks" | "bundles";

/**
 * The package cache in the home (`state/packages/`), content-addressed: a file's name is
 * a hash of what it holds or was made from. Files are written whole under a temporary
 * name and renamed into place, so processes sharing the home never see half a file
 * (two processes may both build the same entry; the last rename wins with equal content).
 */
export class PackageCache {
  constructor(readonly dir: string) {}

  static key(text: string): string {
    return createHash("sha256").update(text).digest("hex");
  }

  private path(kind: CacheKind, key: string, ext: string): string {
    return join(this.dir, kind, `${key}${ext}`);
  }

  async read(kind: CacheKind, key: string, ext: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(kind, key, ext));
    } catch {
      return undefined;
    }
  }

  async readJson<T>(kind: CacheKind, key: string): Promise<T | undefined> {
    const bytes = await this.read(kind, key, ".json");
    if (!bytes) return undefined;
    try {
      return JSON.parse(bytes.toString("utf8")) as T;
    } catch {
      return undefined;
    }
  }

  async write(kind: CacheKind, key: string, ext: string, data: Buffer | string): Promise<void> {
    const target = this.path(kind, key, ext);
    await mkdir(join(this.dir, kind), { recursive: true });
    const temp = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeFile(temp, data);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  writeJson(kind: CacheKind, key: string, value: unknown): Promise<void> {
    return this.write(kind, key, ".json", JSON.stringify(value));
  }

  /** A fresh folder for building one bundle (removed by the caller). */
  async stagingDir(): Promise<string> {
    const dir = join(this.dir, "staging", `${process.pid}-${randomBytes(8).toString("hex")}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }
}
