import { describe, expect, it } from "vitest";
import { parseConfig } from "../../dist/config/load-config.js";
import { tracesUrl } from "../../dist/telemetry/otlp-export.js";

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
