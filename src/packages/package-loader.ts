import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import type Semver from "semver";
import type { PackagePin } from "../library/metadata.js";
import { bundlePackage } from "./bundle.js";
import { isInstallPath, nameAt, pickVersion, resolveTree, rootPath, type Lock, type LockEntry } from "./dependency-tree.js";
import { PackageCache } from "./package-cache.js";
import { PackageError } from "./package-error.js";
import { matchesIntegrity, RegistryClient, type Packument, type RegistryOptions } from "./registry-client.js";
import { entryPath, type PackageSpecifier } from "./specifier.js";
import { readTarball } from "./tarball.js";

/** esbuild and semver are loaded when a package is first imported, not by every start. */
const load = createRequire(import.meta.url);
const semverLib = (): typeof Semver => load("semver") as typeof Semver;

/**
 * How long a resolved range (and a registry document) is trusted before the registry is
 * asked again. Within it a cached import costs a map lookup: no registry round trip per run.
 */
export const PACKAGE_RESOLVE_TTL_MS = 5 * 60_000;
/** Changes when bundles are built differently, so old cache entries are not reused. */
const BUNDLE_FORMAT = 2;
const BYTES_PER_MB = 1024 * 1024;
/** Files a bundle never reads (declarations, source maps, docs): not staged (date-fns 4 ships 5,300 files, half of them declarations). */
const NOT_BUNDLED = /\.(d\.[cm]?ts|map|md|markdown)$/i;
/**
 * Bundles kept in memory (their JavaScript, counted as UTF-16): beyond it the least
 * recently used are dropped and read back from the disk cache when imported again.
 */
export const BUNDLE_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
/** Files written at once while staging a bundle (well under any open-file limit). */
const PARALLEL_WRITES = 64;

export interface PackageSettings {
  allow: string[];
  maxPackageMb: number;
  maxBundleMb: number;
}

export interface LoadedBundle {
  js: string;
  exports: string[];
  /** What the import resolved to, as a saved integration pins it. */
  pin: PackagePin;
}

interface Timed<T> {
  at: number;
  value: Promise<T>;
}

/**
 * Resolves, downloads, checks and bundles npm packages, keeping everything in a
 * content-addressed cache (see PackageCache). Concurrent imports of the same thing
 * share one registry request, one download and one build.
 */
export class PackageLoader {
  private readonly registry: RegistryClient;
  private readonly cache: PackageCache;
  private readonly packuments = new Map<string, Timed<Packument>>();
  private readonly locks = new Map<string, Timed<Lock>>();
  private readonly bundles = new Map<string, { value: Promise<{ js: string; exports: string[] }>; bytes: number }>();
  private bundleBytes = 0;
  private readonly tarballs = new Map<string, Promise<Buffer>>();
  private readonly allow: RegExp[];

  constructor(
    cacheDir: string,
    registry: RegistryOptions,
    private readonly settings: PackageSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.registry = new RegistryClient(registry);
    this.cache = new PackageCache(cacheDir);
    this.allow = settings.allow.map(namePattern);
  }

  /** The bundle for an import: resolved fresh (within the TTL), or from a saved integration's pin. */
  async load(spec: PackageSpecifier, pin?: PackagePin): Promise<LoadedBundle> {
    this.checkAllowed(spec.name);
    const lock = pin ? lockFromPin(spec.name, pin) : await this.resolveLock(spec.name, spec.range);
    // A pin comes from a library others may push to: its paths decide where files are staged.
    const badPath = Object.keys(lock).find((path) => !isInstallPath(path));
    if (badPath !== undefined) {
      throw new PackageError(`The pin of '${spec.name}' names the install path '${badPath.slice(0, 120)}', which is not of the form node_modules/<name>[/node_modules/<name>…]: refused. Save the integration again to pin its packages afresh.`);
    }
    for (const path of Object.keys(lock)) this.checkAllowed(nameAt(path), spec.name);
    const entry = entryPath(spec);
    const key = PackageCache.key(JSON.stringify({ format: BUNDLE_FORMAT, esbuild: (load("esbuild") as { version: string }).version, entry, lock: sortedLock(lock) }));
    const built = await this.memoizedBundle(key, entry, lock);
    return { ...built, pin: pinFromLock(spec.name, lock) };
  }

  /** One build per bundle however many imports wait for it; kept in memory up to BUNDLE_MEMORY_MAX_BYTES (least recently used first out). */
  private memoizedBundle(key: string, entry: string, lock: Lock): Promise<{ js: string; exports: string[] }> {
    const hit = this.bundles.get(key);
    if (hit) {
      this.bundles.delete(key);
      this.bundles.set(key, hit);
      return hit.value;
    }
    const slot = { value: this.bundle(key, entry, lock), bytes: 0 };
    this.bundles.set(key, slot);
    slot.value.then(
      (built) => {
        if (this.bundles.get(key) !== slot) return;
        slot.bytes = built.js.length * 2;
        this.bundleBytes += slot.bytes;
        for (const [oldKey, old] of this.bundles) {
          if (this.bundleBytes <= BUNDLE_MEMORY_MAX_BYTES || oldKey === key) break;
          this.bundles.delete(oldKey);
          this.bundleBytes -= old.bytes;
        }
      },
      () => {
        if (this.bundles.get(key) === slot) this.bundles.delete(key);
      },
    );
    return slot.value;
  }

  private checkAllowed(name: string, via?: string): void {
    if (this.allow.some((pattern) => pattern.test(name))) return;
    const how = via ? `'${via}' depends on '${name}', which` : `'${name}'`;
    throw new PackageError(`${how} is not allowed by packages.allow (${JSON.stringify(this.settings.allow)}). To allow it, add "${name}" (or a pattern such as "@scope/*") to packages.allow in config.json.`);
  }

  private resolveLock(name: string, range: string): Promise<Lock> {
    const id = `${name}@${range}`;
    return this.timed(this.locks, id, async () => {
      // An exact version already resolved on this machine needs no registry at all (offline).
      if (semverLib().valid(range)) {
        const known = await this.cache.readJson<Lock>("locks", PackageCache.key(`${name}@${semverLib().clean(range)}`));
        if (known) return known;
      }
      const root = pickVersion(await this.packument(name), range);
      const lockKey = PackageCache.key(`${name}@${root.version}`);
      const known = await this.cache.readJson<Lock>("locks", lockKey);
      if (known) return known;
      const { lock } = await resolveTree(root, (dep) => this.packument(dep));
      await this.cache.writeJson("locks", lockKey, lock);
      return lock;
    });
  }

  /** A registry document, fresh within the TTL; the cached copy when the registry cannot be reached (offline). */
  private packument(name: string): Promise<Packument> {
    return this.timed(this.packuments, name, async () => {
      const key = PackageCache.key(name);
      try {
        const doc = await this.registry.packument(name);
        await this.cache.writeJson("packuments", key, doc);
        return doc;
      } catch (error) {
        if (error instanceof PackageError && error.message.startsWith("Cannot reach")) {
          const cached = await this.cache.readJson<Packument>("packuments", key);
          if (cached) return cached;
        }
        throw error;
      }
    });
  }

  private timed<T>(map: Map<string, Timed<T>>, key: string, make: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && this.now() - hit.at < PACKAGE_RESOLVE_TTL_MS) return hit.value;
    // Expired entries go when new ones come (a packument of a popular package is megabytes).
    for (const [old, entry] of map) if (this.now() - entry.at >= PACKAGE_RESOLVE_TTL_MS) map.delete(old);
    const value = make();
    map.set(key, { at: this.now(), value });
    value.catch(() => {
      if (map.get(key)?.value === value) map.delete(key);
    });
    return value;
  }

  private async bundle(key: string, entry: string, lock: Lock): Promise<{ js: string; exports: string[] }> {
    const cached = await this.cache.readJson<{ js: string; exports: string[] }>("bundles", key);
    if (cached && typeof cached.js === "string") return cached;
    const maxPackageBytes = this.settings.maxPackageMb * BYTES_PER_MB;
    const tarballs = await Promise.all(Object.entries(lock).map(async ([path, pinned]) => ({ path, pinned, bytes: await this.tarball(nameAt(path), pinned) })));
    const dir = await this.cache.stagingDir();
    try {
      const files = tarballs.flatMap(({ path, pinned, bytes }) =>
        readTarball(bytes, `${nameAt(path)}@${pinned.version}`, maxPackageBytes, "packages.maxPackageMb")
          .filter((file) => !NOT_BUNDLED.test(file.path))
          .map((file) => ({ target: join(dir, path, file.path), data: file.data })),
      );
      // One mkdir per folder and the writes in parallel: yaml's 233 files took 400-700 ms one by one.
      for (const folder of new Set(files.map((f) => dirname(f.target)))) await mkdir(folder, { recursive: true });
      for (let i = 0; i < files.length; i += PARALLEL_WRITES) await Promise.all(files.slice(i, i + PARALLEL_WRITES).map((f) => writeFile(f.target, f.data)));
      const rootName = nameAt(Object.keys(lock)[0]!);
      const built = await bundlePackage(dir, entry, `${rootName}@${lock[rootPath(rootName)]!.version}`, this.settings.maxBundleMb * BYTES_PER_MB);
      await this.cache.writeJson("bundles", key, built);
      return built;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A tarball checked against its pinned integrity: from the cache, else downloaded once however many imports wait for it. */
  private tarball(name: string, pinned: LockEntry): Promise<Buffer> {
    const key = PackageCache.key(pinned.integrity);
    let pending = this.tarballs.get(key);
    if (!pending) {
      pending = (async () => {
        const cached = await this.cache.read("tarballs", key, ".tgz");
        if (cached && matchesIntegrity(cached, pinned.integrity)) return cached;
        const manifest = (await this.packument(name)).versions[pinned.version];
        if (!manifest) throw new PackageError(`The registry has no version ${pinned.version} of '${name}' (it was pinned). Check packages.registry, or save the integration again to pin a version the registry has.`);
        const bytes = await this.registry.tarball(manifest, this.settings.maxPackageMb * BYTES_PER_MB, pinned.integrity);
        await this.cache.write("tarballs", key, ".tgz", bytes);
        return bytes;
      })();
      this.tarballs.set(key, pending);
      // Kept only while in flight: the disk cache holds it afterwards, memory does not.
      void pending.then(
        () => this.tarballs.delete(key),
        () => this.tarballs.delete(key),
      );
    }
    return pending;
  }
}

function lockFromPin(name: string, pin: PackagePin): Lock {
  return { [rootPath(name)]: { version: pin.version, integrity: pin.integrity }, ...pin.dependencies };
}

function pinFromLock(name: string, lock: Lock): PackagePin {
  const root = lock[rootPath(name)]!;
  const dependencies = Object.fromEntries(Object.entries(lock).filter(([path]) => path !== rootPath(name)).sort(([a], [b]) => a.localeCompare(b)));
  return Object.keys(dependencies).length ? { version: root.version, integrity: root.integrity, dependencies } : { version: root.version, integrity: root.integrity };
}

function sortedLock(lock: Lock): Array<[string, string, string]> {
  return Object.entries(lock)
    .map(([path, e]): [string, string, string] => [path, e.version, e.integrity])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** `packages.allow` patterns: exact names, `*` for any run of characters (`@acme/*`, `*`). */
function namePattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}
