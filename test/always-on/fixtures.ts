import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** A saved integration for schedule and hook tests. */
export const COUNTER_CODE = `import { sleep, workspace } from "toolsmith";

/** Adds one. */
export function tick(n: number): number {
  return n + 1;
}

/** Always fails (a broken integration). */
export function fail(): never {
  throw new Error("service said no");
}

/** Echoes what a webhook sent. */
export function echo(request: { method: string; headers: Record<string, string>; body: unknown }) {
  return { method: request.method, body: request.body, type: request.headers["content-type"] ?? null };
}

/** Waits until the workspace has a file "release" (for 202 replies: the test decides when it ends). */
export async function slow(request: unknown): Promise<string> {
  for (let i = 0; i < 400; i++) {
    const files = await workspace.list(".");
    if (files.some((f) => f.path === "release")) return "released";
    await sleep(50);
  }
  return "gave up";
}
`;
export const COUNTER_TEST = 'import { tick } from "library/demo/counter";\nif (tick(1) !== 2) throw new Error("tick");';

/** The run records of one schedule or hook, oldest first. */
export async function records(home: string, id: string): Promise<any[]> {
  const dir = join(home, "workspace", "runs", id);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json")).sort();
  const out = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), "utf8");
    if (text) out.push({ file: name, ...JSON.parse(text) });
  }
  return out;
}

/** Waits (bounded: 20 s, polling every 50 ms) until `check` holds. */
export async function until<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


/** The record of one run (`<id>/<name>`, as a hook's X-Toolsmith-Run-Id names it), waiting for it: a hook replies before its record is written. */
export async function recordOf(home: string, runId: string): Promise<any> {
  const id = runId.slice(0, runId.indexOf("/"));
  return until(async () => (await records(home, id)).find((r) => `${id}/${r.file.replace(/\.json$/, "")}` === runId), `the record of run ${runId}`);
}
