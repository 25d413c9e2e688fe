import { spawn } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEPT_SEGMENTS, RunLog } from "../../dist/telemetry/run-log.js";
import { formatTraceparent, parseTraceparent } from "../../dist/telemetry/traceparent.js";
import { RunRecordSchema } from "../../dist/telemetry/run-record.js";

const RUN_LOG = join(import.meta.dirname, "..", "..", "dist", "telemetry", "run-log.js");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolsmith-runlog-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Records each writer process appends. */
const WRITES = 300;

function spanId(writer: number, n: number): string {
  return `${writer}`.padStart(8, "0") + `${n}`.padStart(8, "0");
}

function record(writer: number, n: number, ok = true) {
  return { traceId: "a".repeat(32), spanId: spanId(writer, n), name: "run_code", trigger: { kind: "tool-call" }, startedAt: new Date(0).toISOString(), durationMs: 1, ok, integrations: n % 2 ? [{ name: "csv", version: "abc" }] : [], spans: [] };
}

describe("RunLog", () => {
  it("keeps every line whole while two processes append and rotate at once", async () => {
    const logDir = join(dir, "concurrent");
    const records = await Promise.all([1, 2].map((id) => startWriter(logDir, id, { maxSegmentBytes: 8192, keptSegments: 1000 })));
    // Both writers have started (their "ready" lines arrived): let them go together.
    for (const w of records) w.go();
    await Promise.all(records.map((w) => w.done));
    const files = readdirSync(logDir);
    expect(files.length).toBeGreaterThan(10); // rotated many times, by both processes
    const lines = files.flatMap((f) => readFileSync(join(logDir, f), "utf8").split("\n").filter(Boolean));
    // Every line is a whole record, and every record of both writers is there exactly once.
    const ids = lines.map((line) => RunRecordSchema.parse(JSON.parse(line)).spanId).sort();
    expect(ids).toEqual([1, 2].flatMap((w) => Array.from({ length: WRITES }, (_, n) => spanId(w, n))).sort());
    for (const f of files) expect(statSync(join(logDir, f)).mode & 0o077).toBe(0);
  });

  it("keeps at most the configured number of rotated segments", async () => {
    const logDir = join(dir, "bounded");
    const log = new RunLog(logDir, 1, { maxSegmentBytes: 4096, keptSegments: KEPT_SEGMENTS });
    // One write per record (appends that come while a write is in progress are batched).
    for (let n = 0; n < 200; n++) {
      log.append(record(1, n) as never);
      await log.flush();
    }
    expect(readdirSync(logDir).filter((f) => f !== "runs.jsonl").length).toBe(KEPT_SEGMENTS);
    const kept = await log.recent({ limit: 1000 });
    expect(kept[0]!.spanId).toBe(spanId(1, 199));
    expect(kept.length).toBeLessThan(200);
  });

  it("filters failed runs and runs of an integration, newest first, and skips a torn line", async () => {
    const log = new RunLog(join(dir, "filters"), 1);
    for (let n = 0; n < 10; n++) log.append(record(1, n, n !== 3 && n !== 8) as never);
    await log.flush();
    appendFileSync(join(dir, "filters", "runs.jsonl"), '{"traceId":"cut off by a cra');
    expect((await log.recent({ limit: 3 })).map((r) => Number(r.spanId.slice(8)))).toEqual([9, 8, 7]);
    expect((await log.recent({ failed: true })).map((r) => Number(r.spanId.slice(8)))).toEqual([8, 3]);
    expect((await log.recent({ integration: "csv", limit: 2 })).map((r) => Number(r.spanId.slice(8)))).toEqual([9, 7]);
    expect(await log.recent({ integration: "dates" })).toEqual([]);
  });

  it("reads nothing (and creates nothing) in a home that never ran", async () => {
    const log = new RunLog(join(dir, "never"), 1);
    expect(await log.recent()).toEqual([]);
    expect(readdirSync(dir)).not.toContain("never");
  });
});

describe("traceparent", () => {
  it("reads W3C version 00 and later versions, and ignores malformed or all-zero ids", () => {
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true });
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled).toBe(false);
    expect(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    for (const bad of ["", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`, "00-xyz-00f067aa0ba902b7-01", 42, undefined]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
    expect(formatTraceparent({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: false })).toBe("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  });
});

/**
 * A separate node process appending WRITES records to `logDir` once told to go (a line
 * on its stdin), so two writers really run at once. Killed after 50 s at most.
 */
function startWriter(logDir: string, id: number, bounds: { maxSegmentBytes: number; keptSegments: number }): Promise<{ go: () => void; done: Promise<void> }> {
  const script = `
    import { RunLog } from ${JSON.stringify(RUN_LOG)};
    const log = new RunLog(${JSON.stringify(logDir)}, ${id}, ${JSON.stringify(bounds)});
    process.stdout.write("ready\\n");
    process.stdin.once("data", async () => {
      for (let n = 0; n < ${WRITES}; n++) { await log.flush(); log.append({ traceId: "${"a".repeat(32)}", spanId: "${`${id}`.padStart(8, "0")}" + String(n).padStart(8, "0"), name: "run_code", trigger: { kind: "tool-call" }, startedAt: "${new Date(0).toISOString()}", durationMs: 1, ok: true, integrations: [], spans: [{ spanId: "b".repeat(16), name: "GET", offsetMs: 1, durationMs: 1, ok: true, attributes: { "url.path": "/x".repeat(20) } }] }); }
      await log.flush();
      process.exit(0);
    });
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
  const done = new Promise<void>((resolve, reject) => child.on("exit", (code) => (clearTimeout(timer), code === 0 ? resolve() : reject(new Error(`writer ${id} exited with ${code}`)))));
  return new Promise((resolve, reject) => {
    child.stdout.once("data", () => resolve({ go: () => child.stdin.end("go\n"), done }));
    done.catch(reject);
  });
}
