import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RunRecords } from "../../dist/always-on/run-records.js";

const record = (n: number) => ({ ok: true, result: n, startedAt: new Date().toISOString(), durationMs: 1, trigger: "hook" as const, logs: [], versions: {} });

describe("RunRecords.writeSoon (records written after the reply)", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes every record handed over, keeps at most `keep` per id, and flush waits for them", async () => {
    dir = await mkdtemp(join(tmpdir(), "toolsmith-run-records-"));
    const records = new RunRecords(dir, 3);
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await records.reserve("hook", new Date(Date.UTC(2026, 0, 1, 0, 0, n))));
    ids.forEach((runId, n) => void records.writeSoon(runId, record(n)));
    await records.flush();
    const kept = await records.recent("hook", 10);
    expect(kept.map((k) => k.record.result)).toEqual([4, 3, 2]);
    expect(kept.map((k) => k.runId)).toEqual([ids[4], ids[3], ids[2]]);
  });

  it("logs a record it cannot write, with the run's outcome, instead of dropping it silently", async () => {
    dir = await mkdtemp(join(tmpdir(), "toolsmith-run-records-"));
    const lines: string[] = [];
    const records = new RunRecords(dir, 10, (line) => lines.push(line));
    const lost = await records.reserve("gone", new Date());
    const kept = await records.reserve("stays", new Date());
    // Someone removes the folder while the run is going: its record cannot be written there.
    await rm(join(dir, "runs", "gone"), { recursive: true });
    const failed = { ...record(1), ok: false, error: { name: "Error", message: "service said no" } };
    await Promise.all([records.writeSoon(lost, failed), records.writeSoon(kept, record(2))]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(lost);
    expect(lines[0]).toContain("failed: Error: service said no");
    expect(JSON.parse(await readFile(join(dir, "runs", `${kept}.json`), "utf8")).result).toBe(2);
    // The next reservation makes the folder again.
    expect(await records.reserve("gone", new Date())).toMatch(/^gone\//);
  });
});
