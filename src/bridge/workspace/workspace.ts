import { lstat, mkdir, readdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { dirname, join, posix, relative, sep } from "node:path";
import { writeFileAtomic } from "../../util/atomic-write.js";

/** Longest path accepted, in characters. */
const MAX_PATH_CHARS = 1_024;
/** Most entries one `list` returns. */
const MAX_LIST_ENTRIES = 10_000;
/** Largest file `read` returns and `write` writes: a read's reply is held in the host until the guest takes it. */
export const MAX_WORKSPACE_FILE_BYTES = 16 * 1024 * 1024;
/** Most files and folders the workspace may hold. */
const MAX_WORKSPACE_ENTRIES = 10_000;
/** Most path components (folders and the file) below the workspace folder. */
const MAX_WORKSPACE_DEPTH = 16;
/** What each file or folder costs against the quota besides its bytes: the block a file system gives even an empty one. */
const WORKSPACE_ENTRY_BYTES = 4_096;

/**
 * Writes and removals per workspace folder, one at a time: the quota check and the
 * write it allows must not interleave with another's (bridges are rebuilt when
 * secrets change, so the lock belongs to the folder, not to an instance).
 */
const folderLocks = new Map<string, Promise<unknown>>();

function serialized<T>(root: string, work: () => Promise<T>): Promise<T> {
  const previous = folderLocks.get(root) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  folderLocks.set(root, settled);
  void settled.then(() => {
    if (folderLocks.get(root) === settled) folderLocks.delete(root);
  });
  return next;
}

export class WorkspaceError extends Error {
  override name = "WorkspaceError";
}

export interface WorkspaceEntry {
  path: string;
  type: "file" | "directory";
  size: number;
}

/**
 * Files guest code may keep between runs, under the home's `workspace/`. Every
 * path is relative to it; absolute paths, `..` that climbs out, and symbolic
 * links anywhere on the way are refused. Total size is capped by a quota.
 */
export class Workspace {
  constructor(
    readonly root: string,
    private readonly quotaBytes: number,
  ) {}

  async read(path: string): Promise<string> {
    const abs = await this.resolve(path, "read");
    try {
      const size = (await stat(abs)).size;
      if (size > MAX_WORKSPACE_FILE_BYTES) throw tooLarge(path, size, "read");
      const text = await readFile(abs, "utf8");
      // The file may have grown since it was measured.
      if (text.length > MAX_WORKSPACE_FILE_BYTES) throw tooLarge(path, Buffer.byteLength(text), "read");
      return text;
    } catch (error) {
      if (error instanceof WorkspaceError) throw error;
      throw this.fsError(error, path, "read");
    }
  }

  async write(path: string, content: string): Promise<{ path: string; bytes: number }> {
    const abs = await this.resolve(path, "write");
    const bytes = Buffer.byteLength(content, "utf8");
    if (bytes > MAX_WORKSPACE_FILE_BYTES) throw tooLarge(path, bytes, "write");
    const depth = this.clean(path).split("/").length;
    if (depth > MAX_WORKSPACE_DEPTH) {
      throw new WorkspaceError(`'${path.slice(0, 200)}' is ${depth} levels deep; the workspace allows ${MAX_WORKSPACE_DEPTH}. Use a flatter layout (e.g. 'data/2024-05-items.json').`);
    }
    return serialized(this.root, async () => {
      const current = await stat(abs).then((s) => s.size, () => undefined);
      const added = await this.missingEntries(abs);
      const used = await this.usage();
      if (used.entries + added > MAX_WORKSPACE_ENTRIES) {
        throw new WorkspaceError(`The workspace holds ${used.entries} files and folders; it allows ${MAX_WORKSPACE_ENTRIES}. Remove some with workspace.remove, or keep many records in one file.`);
      }
      const after = used.bytes - (current ?? 0) + bytes + (used.entries + added) * WORKSPACE_ENTRY_BYTES;
      if (after > this.quotaBytes) {
        throw new WorkspaceError(
          `Writing ${bytes} bytes to '${path}' would exceed the workspace quota of ${this.quotaBytes} bytes (limits.workspaceMb; ${used.bytes} bytes in ${used.entries} files and folders in use, each file or folder also counting ${WORKSPACE_ENTRY_BYTES} bytes). Remove files with workspace.remove or raise the quota.`,
        );
      }
      try {
        await writeFileAtomic(abs, content);
      } catch (error) {
        throw this.fsError(error, path, "write");
      }
      return { path: this.clean(path), bytes };
    });
  }

  async list(path = "."): Promise<WorkspaceEntry[]> {
    const abs = await this.resolve(path, "list");
    const entries: WorkspaceEntry[] = [];
    let names;
    try {
      names = await readdir(abs, { withFileTypes: true });
    } catch (error) {
      throw this.fsError(error, path, "list");
    }
    for (const entry of names.slice(0, MAX_LIST_ENTRIES)) {
      if (entry.isSymbolicLink()) continue;
      const full = join(abs, entry.name);
      const info = await stat(full).catch(() => undefined);
      if (!info) continue;
      entries.push({ path: relative(this.root, full).split(sep).join("/"), type: info.isDirectory() ? "directory" : "file", size: info.isDirectory() ? 0 : info.size });
    }
    return entries.sort((a, b) => a.path.localeCompare(b.path));
  }

  async remove(path: string): Promise<{ removed: boolean }> {
    const abs = await this.resolve(path, "remove");
    if (abs === this.root) throw new WorkspaceError("Refusing to remove the whole workspace; remove its files one by one.");
    return serialized(this.root, async () => {
      const existed = await lstat(abs).then(() => true, () => false);
      try {
        await rm(abs, { recursive: true, force: true });
      } catch (error) {
        throw this.fsError(error, path, "remove");
      }
      return { removed: existed };
    });
  }

  /** Bytes of all files in the workspace, and how many files and folders (of any kind) it holds. */
  async usage(): Promise<{ bytes: number; entries: number }> {
    let bytes = 0;
    let entries = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        entries++;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) bytes += (await stat(full).catch(() => ({ size: 0 }))).size;
      }
    };
    await walk(this.root);
    return { bytes, entries };
  }

  /** How many files and folders writing `abs` would create. */
  private async missingEntries(abs: string): Promise<number> {
    const root = await realpath(this.root);
    let missing = 0;
    for (let at = abs; at !== root && at.startsWith(root); at = dirname(at)) {
      if (await lstat(at).then(() => true, () => false)) break;
      missing++;
    }
    return missing;
  }

  private clean(path: string): string {
    return posix.normalize(path.replace(/\\/g, "/")).replace(/^\.\//, "");
  }

  /** An absolute path inside the workspace, or a WorkspaceError saying why not. */
  private async resolve(path: unknown, action: string): Promise<string> {
    if (typeof path !== "string" || path.length === 0) throw new WorkspaceError(`workspace.${action} needs a relative path such as 'data/items.json'.`);
    if (path.length > MAX_PATH_CHARS || path.includes("\0")) throw new WorkspaceError(`'${path.slice(0, 80)}' is not a usable path.`);
    const unified = path.replace(/\\/g, "/");
    if (unified.startsWith("/") || /^[A-Za-z]:/.test(unified)) {
      throw new WorkspaceError(`'${path}' is absolute; workspace paths are relative to the workspace folder (e.g. 'data/items.json').`);
    }
    const normalized = posix.normalize(unified);
    if (normalized === ".." || normalized.startsWith("../")) throw new WorkspaceError(`'${path}' leads outside the workspace.`);
    await mkdir(this.root, { recursive: true });
    const rootReal = await realpath(this.root);
    // Refuse symbolic links anywhere on the way: a link could point outside.
    let current = rootReal;
    for (const part of normalized.split("/").filter((p) => p && p !== ".")) {
      current = join(current, part);
      const info = await lstat(current).catch(() => undefined);
      if (!info) break;
      if (info.isSymbolicLink()) throw new WorkspaceError(`'${path}' goes through a symbolic link; links are not followed in the workspace.`);
    }
    const abs = join(rootReal, normalized);
    if (abs !== rootReal && !abs.startsWith(rootReal + sep)) throw new WorkspaceError(`'${path}' leads outside the workspace.`);
    return abs;
  }

  private fsError(error: unknown, path: string, action: string): WorkspaceError {
    if (error instanceof WorkspaceError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return new WorkspaceError(`No such file in the workspace: '${path}'. workspace.list() shows what is there.`);
    if (code === "EISDIR") return new WorkspaceError(`'${path}' is a directory; use workspace.list('${path}').`);
    if (code === "ENOTDIR" || code === "EEXIST") return new WorkspaceError(`A part of '${path}' is a file, not a directory.`);
    if (code === "ENOSPC") return new WorkspaceError(`The disk is full: '${path}' was not written.`);
    if (code === "EROFS" || code === "EACCES" || code === "EPERM") return new WorkspaceError(`The workspace cannot be written (${code}).`);
    return new WorkspaceError(`workspace.${action} '${path}' failed (${code ?? "error"}).`);
  }
}

function tooLarge(path: string, bytes: number, action: "read" | "write"): WorkspaceError {
  const mib = (n: number) => `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  return new WorkspaceError(
    `'${path}' is ${mib(bytes)}; workspace.${action} handles files of at most ${mib(MAX_WORKSPACE_FILE_BYTES)}. Split the data into several smaller files.`,
  );
}
