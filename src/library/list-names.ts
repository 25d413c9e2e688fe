import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { isIntegrationName } from "./names.js";

/** Every integration name under `root` (each `.ts` that is not a `.test.ts`), sorted. */
export async function listIntegrationNames(root: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        const name = relative(root, path).slice(0, -3).split(sep).join("/");
        if (isIntegrationName(name)) names.push(name);
      }
    }
  };
  await walk(root);
  return names.sort();
}
