import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { extractSignature } from "./signature.js";

/**
 * Signatures by hash of the code, persisted in the home's `state/` so a restart
 * does not re-parse every integration. Only a cache: losing it costs time, not data.
 */
export class SignatureCache {
  private entries = new Map<string, string>();
  private dirty = false;
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, "signatures.json");
  }

  async load(): Promise<void> {
    try {
      const raw = JSON.parse(await readFile(this.file, "utf8")) as Record<string, string>;
      this.entries = new Map(Object.entries(raw).filter(([, v]) => typeof v === "string"));
    } catch {
      this.entries = new Map();
    }
  }

  async get(code: string): Promise<string> {
    const key = createHash("sha1").update(code).digest("hex");
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const signature = await extractSignature(code);
    this.entries.set(key, signature);
    this.dirty = true;
    return signature;
  }

  async persist(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.entries)));
    } catch {
      // A read-only or full state folder only costs a slower next start.
    }
  }
}
