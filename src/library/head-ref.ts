import { readFileSync } from "node:fs";
import { join } from "node:path";

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * HEAD's commit read straight from the files git keeps it in (`HEAD`, then the loose
 * ref or `packed-refs`): two small synchronous reads and no process, so it can run
 * before every search and import. "" for a branch with no commit yet; undefined when
 * the files say nothing certain (a reftable repository, a ref being packed): then ask
 * git. Callers treat anything but an exact match with what they know as "HEAD moved"
 * and confirm with git, so a wrong guess costs a git call, never a stale answer.
 */
export function readHeadFromFiles(gitDir: string): string | undefined {
  try {
    const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
    if (SHA.test(head)) return head;
    if (!head.startsWith("ref: refs/")) return undefined;
    const ref = head.slice("ref: ".length);
    const loose = readOptional(join(gitDir, ref))?.trim();
    if (loose !== undefined) return SHA.test(loose) ? loose : undefined;
    const packed = readOptional(join(gitDir, "packed-refs"));
    const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
    if (line) return line.slice(0, line.indexOf(" "));
    return packed === undefined && readOptional(join(gitDir, "reftable", "tables.list")) !== undefined ? undefined : "";
  } catch {
    return undefined;
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
