import { appendFile, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerificationRecords } from "../../dist/library/verification-records.js";

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "toolsmith-verifications-"))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("lastVerification records in state/verifications.jsonl", () => {
  it("two processes' records (two instances on one folder) are both seen, the last per name wins", async () => {
    const a = new VerificationRecords(dir);
    const b = new VerificationRecords(dir);
    await Promise.all([a.refresh(), b.refresh()]);
    await Promise.all([a.record("x", { version: "v1", passed: true }), b.record("y", { version: "v7", passed: false, error: "TypeError: boom" })]);
    await a.record("x", { version: "v1", passed: false, error: "Error: later" });
    await b.refresh();
    expect(b.get("x", "v1")).toMatchObject({ passed: false, error: "Error: later" });
    await a.refresh();
    expect(a.get("y", "v7")).toMatchObject({ passed: false, error: "TypeError: boom" });
    expect((await stat(join(dir, "verifications.jsonl"))).mode & 0o777).toBe(0o600);
  });

  it("belongs to the version it ran against; a passing record carries no error; long errors are cut", async () => {
    const records = new VerificationRecords(dir);
    await records.record("z", { version: "v2", passed: true, error: "ignored" });
    expect(records.get("z", "v2")).toEqual({ passed: true, at: expect.any(String) });
    expect(records.get("z", "v3")).toBeUndefined();
    await records.record("z", { version: "v2", passed: false, error: "E".repeat(2_000) });
    expect(records.get("z", "v2")!.error).toHaveLength(500);
  });

  it("a torn or foreign line is skipped, not fatal", async () => {
    await appendFile(join(dir, "verifications.jsonl"), '{"name":"broken","pass\nnot json\n{"name":"q"}\n');
    const records = new VerificationRecords(dir);
    await records.refresh();
    expect(records.get("broken", undefined)).toBeUndefined();
    expect(records.get("x", "v1")).toMatchObject({ passed: false });
    expect((await readFile(join(dir, "verifications.jsonl"), "utf8")).split("\n").filter(Boolean).length).toBeGreaterThan(4);
  });
});
