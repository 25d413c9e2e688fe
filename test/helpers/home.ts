import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface MadeHome {
  home: string;
  cleanup: () => Promise<void>;
}

/** A fresh toolsmith home in a temp folder, optionally with a config.json. */
export async function makeHome(config?: unknown): Promise<MadeHome> {
  const home = await mkdtemp(join(tmpdir(), "toolsmith-test-"));
  if (config !== undefined) await writeFile(join(home, "config.json"), JSON.stringify(config));
  return { home, cleanup: () => rm(home, { recursive: true, force: true }) };
}
