import type { Tracer } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { TelemetrySettings } from "../config/schema.js";
import { SERVER_VERSION } from "../version.js";

/** How long finished spans wait to be sent together (the SDK's default is 5 s; runs are few and a collector wants them soon). */
const EXPORT_DELAY_MS = 1_000;
/** How long one export request may take. */
const EXPORT_TIMEOUT_MS = 10_000;
/** At most one "export failed" line per this interval, so a collector that is down does not flood the log. */
const FAILURE_LOG_INTERVAL_MS = 60_000;
/** The OTLP/HTTP path of traces, appended to an endpoint given without a path. */
const TRACES_PATH = "/v1/traces";

/** The OpenTelemetry side of tracing, present only with `telemetry.otlpEndpoint` set. */
export interface TraceExport {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * A tracer provider that sends spans to the collector over OTLP/HTTP (JSON), in batches.
 * The provider is not registered globally: toolsmith passes its tracer and contexts
 * explicitly, so nothing else in the process is instrumented by accident.
 */
export function createTraceExport(settings: TelemetrySettings, log: (line: string) => void): TraceExport | undefined {
  if (!settings.otlpEndpoint) return undefined;
  const url = tracesUrl(settings.otlpEndpoint);
  const exporter = new LoggedFailures(new OTLPTraceExporter({ url, timeoutMillis: EXPORT_TIMEOUT_MS }), url, log);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: SERVER_VERSION }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: EXPORT_DELAY_MS, exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
  });
  return {
    tracer: provider.getTracer("toolsmith", SERVER_VERSION),
    shutdown: () => provider.shutdown(),
  };
}

/** `http://host:4318` → `http://host:4318/v1/traces`; a URL with a path is used as it is. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === "/" || url.pathname === "") url.pathname = TRACES_PATH;
  return url.href;
}

/** Passes spans on, and says (at most once a minute) when the collector did not take them. */
class LoggedFailures implements SpanExporter {
  private lastLogged = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly url: string,
    private readonly log: (line: string) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS && Date.now() - this.lastLogged > FAILURE_LOG_INTERVAL_MS) {
        this.lastLogged = Date.now();
        this.log(`telemetry: could not export ${spans.length} spans to ${this.url} (${result.error?.message ?? "unknown error"}); check telemetry.otlpEndpoint and that the collector is up. Runs are still recorded locally ('toolsmith runs').`);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
