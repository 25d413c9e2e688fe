import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../dist/config/load-config.js";
import { tracesUrl } from "../../dist/telemetry/otlp-export.js";
import { Telemetry } from "../../dist/telemetry/telemetry.js";
import { RunLog } from "../../dist/telemetry/run-log.js";

describe("telemetry config", () => {
  it("defaults to no export and service name toolsmith", () => {
    expect(parseConfig("{}").telemetry).toEqual({ serviceName: "toolsmith" });
  });

  it("refuses a bad endpoint or name, naming the key and what to write", () => {
    for (const otlpEndpoint of ["ftp://collector:4318", "collector:4318", ""]) {
      expect(() => parseConfig(JSON.stringify({ telemetry: { otlpEndpoint } }))).toThrow(`'telemetry.otlpEndpoint': an http:// or https:// URL, e.g. "http://localhost:4318"`);
    }
    expect(() => parseConfig(JSON.stringify({ telemetry: { serviceName: "" } }))).toThrow("'telemetry.serviceName': a name such as");
    expect(() => parseConfig(JSON.stringify({ telemetry: { endpoint: "http://x" } }))).toThrow("unknown key 'telemetry.endpoint'");
  });

  it("appends /v1/traces to an endpoint without a path, and keeps a full traces URL", () => {
    expect(tracesUrl("http://localhost:4318")).toBe("http://localhost:4318/v1/traces");
    expect(tracesUrl("http://localhost:4318/")).toBe("http://localhost:4318/v1/traces");
    expect(tracesUrl("https://otel.example.com/custom/traces")).toBe("https://otel.example.com/custom/traces");
  });
});

describe("a collector that is down", () => {
  it("costs the run nothing: the run is recorded and the log says the spans were not exported", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toolsmith-telemetry-"));
    try {
      // Port 9 (discard) on 127.0.0.1: nothing listens there, the connection is refused.
      const lines: string[] = [];
      const telemetry = new Telemetry({ otlpEndpoint: "http://127.0.0.1:9", serviceName: "toolsmith" }, dir, 1, (line: string) => lines.push(line));
      const report = await telemetry.traceRun({ redact: (t: string) => t }, async () => ({ report: { ok: true, result: 1, logs: [], durationMs: 1 }, modules: ["library/csv", "main.ts"] }), () => "abc123");
      expect(report.ok).toBe(true);
      await telemetry.close();
      expect(lines.join("\n")).toMatch(/telemetry: (could not export 1 spans to http:\/\/127\.0\.0\.1:9\/v1\/traces|exporting the last spans did not finish)/);
      const [recorded] = await new RunLog(join(dir, "runs"), 2).recent();
      expect(recorded).toMatchObject({ ok: true, integrations: [{ name: "csv", version: "abc123" }], trigger: { kind: "tool-call" }, name: "run_code" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
