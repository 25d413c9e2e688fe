import { createRequire } from "node:module";
import type Semver from "semver";
import { PackageError } from "./package-error.js";
import { expectedIntegrity, type Packument, type VersionManifest } from "./registry-client.js";

/** Loaded when a package is first resolved, not by every start. */
const semverLib = (): typeof Semver => createRequire(import.meta.url)("semver") as typeof Semver;

/** One installed package: where it sits in the tree (`node_modules/a/node_modules/b`), which version, and its tarball's integrity. */
export interface LockEntry {
  version: string;
  integrity: string;
}

/** A resolved tree, as npm's lockfile names it: install path → entry. The root is `node_modules/<root>`. */
export type Lock = Record<string, LockEntry>;

/** Most packages one import may pull in (a runaway tree is refused, not downloaded). */
export const MAX_TREE_PACKAGES = 500;

const NAME = "(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*";
/** An install path as npm's lockfile writes it: `node_modules/<name>`, nested as `…/node_modules/<name>`; nothing else (no `..`). */
const INSTALL_PATH = new RegExp(`^node_modules/${NAME}(?:/node_modules/${NAME})*$`);

export function isInstallPath(path: string): boolean {
  return INSTALL_PATH.test(path) && !path.split("/").includes("..");
}

export function rootPath(name: string): string {
  return `node_modules/${name}`;
}

/** The package name at the end of an install path. */
export function nameAt(path: string): string {
  const last = path.lastIndexOf("node_modules/");
  return path.slice(last + "node_modules/".length);
}

/** The version of `packument` a range picks: `latest` when it satisfies (as npm does), else the highest match. */
export function pickVersion(packument: Packument, range: string): VersionManifest {
  const tags = packument["dist-tags"];
  const tagged = tags[range];
  const latest = tags.latest;
  let version: string | null | undefined = tagged;
  if (!version) {
    if (semverLib().validRange(range) === null) {
      throw new PackageError(`'${range}' is neither a version range nor a tag of '${packument.name}' (tags: ${Object.keys(tags).join(", ") || "none"}). Write a semver range such as "^1.2.0" or an exact version.`);
    }
    const versions = Object.keys(packument.versions);
    version = latest && semverLib().satisfies(latest, range) ? latest : semverLib().maxSatisfying(versions, range);
  }
  const manifest = version ? packument.versions[version] : undefined;
  if (!manifest) {
    const recent = Object.keys(packument.versions).sort(semverLib().rcompare).slice(0, 5);
    throw new PackageError(`No version of '${packument.name}' matches '${range}' (latest: ${latest ?? "none"}; recent: ${recent.join(", ")}). Change the range.`);
  }
  return manifest;
}

/**
 * Resolves a package and its dependencies (and optional ones that resolve) into an
 * npm-style tree: each dependency is placed at the top when nothing is there, reused
 * when the copy a Node-style lookup would find satisfies the range, and nested under
 * its dependent otherwise. Peer dependencies are not installed.
 */
export async function resolveTree(root: VersionManifest, packument: (name: string) => Promise<Packument>): Promise<{ lock: Lock; manifests: Map<string, VersionManifest> }> {
  const lock: Lock = {};
  const manifests = new Map<string, VersionManifest>();
  const place = (path: string, manifest: VersionManifest) => {
    lock[path] = { version: manifest.version, integrity: expectedIntegrity(manifest) };
    manifests.set(path, manifest);
    if (manifests.size > MAX_TREE_PACKAGES) {
      throw new PackageError(`${root.name}@${root.version} needs more than ${MAX_TREE_PACKAGES} packages: refused. Import a smaller package.`);
    }
  };
  place(rootPath(root.name), root);
  const queue = [rootPath(root.name)];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const manifest = manifests.get(path)!;
    const optional = manifest.optionalDependencies ?? {};
    for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...optional })) {
      const nearest = nearestCopy(lock, path, dep);
      if (nearest && satisfies(nearest.entry.version, range)) continue;
      try {
        const chosen = pickVersion(await packument(dep), usableRange(dep, range, manifest));
        const target = nearest ? `${path}/node_modules/${dep}` : rootPath(dep);
        place(target, chosen);
        queue.push(target);
      } catch (error) {
        if (dep in optional) continue;
        throw error instanceof PackageError ? new PackageError(`${manifest.name}@${manifest.version} depends on ${dep}@${range}: ${error.message}`) : error;
      }
    }
  }
  return { lock, manifests };
}

/** The copy of `name` that Node's lookup from the package at `path` would find. */
function nearestCopy(lock: Lock, path: string, name: string): { path: string; entry: LockEntry } | undefined {
  let dir = path;
  for (;;) {
    const candidate = `${dir}/node_modules/${name}`;
    if (lock[candidate]) return { path: candidate, entry: lock[candidate] };
    const up = dir.lastIndexOf("/node_modules/");
    if (up === -1) break;
    dir = dir.slice(0, up);
  }
  const top = rootPath(name);
  return lock[top] ? { path: top, entry: lock[top] } : undefined;
}

function satisfies(version: string, range: string): boolean {
  return semverLib().validRange(range) !== null && semverLib().satisfies(version, range);
}

function usableRange(dep: string, range: string, dependent: VersionManifest): string {
  if (/^(npm:|file:|link:|git[+:]|https?:|github:|workspace:)/.test(range) || range.includes("/") && !range.startsWith("@")) {
    throw new PackageError(`${dependent.name}@${dependent.version} depends on ${dep} through '${range}' (an alias, a file, a URL or a git repository), which npm: imports do not support.`);
  }
  return range.trim() === "" ? "*" : range;
}
