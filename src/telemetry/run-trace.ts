import { randomBytes } from "node:crypto";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span, type Tracer } from "@opentelemetry/api";
import { formatTraceparent, type TraceParent } from "./traceparent.js";
import type { RunRecord, RunTrigger, SpanAttributes, SpanError, SpanRecord } from "./run-record.js";

/** Spans kept in one run's local record (a run may fetch up to network.maxRequestsPerRun times); exported spans are not limited by it. */
export const MAX_RECORDED_SPANS = 200;
/** Longest attribute or error text recorded; longer text is cut and marked. */
export const MAX_ATTRIBUTE_CHARS = 1_000;

/** One operation of a run, open until `end`. */
export interface TraceSpan {
  /** The W3C `traceparent` naming this span: sent with the request it covers. */
  readonly traceparent: string;
  set(attributes: SpanAttributes): void;
  /** Ends the span; with an error, as failed. Later calls do nothing. */
  end(error?: SpanError): void;
}

/** What the host bridge needs of a run's trace: child spans for the operations it performs. */
export interface RunSpans {
  child(name: string, attributes: SpanAttributes): TraceSpan;
}

export interface RunTraceOptions {
  name: string;
  trigger: RunTrigger;
  /** The caller's trace context (from `_meta.traceparent`), continued by this run. */
  parent?: TraceParent;
  /** Present when spans are exported (telemetry.otlpEndpoint set). */
  tracer?: Tracer;
  /** Applied to every text recorded or exported (the secret vault's redaction). */
  redact: (text: string) => string;
}

export interface RunOutcome {
  ok: boolean;
  error?: SpanError;
  integrations: Array<{ name: string; version?: string }>;
}

/**
 * The trace of one run: its own span and a child per operation. Always recorded
 * locally (the run record); mirrored into OpenTelemetry spans when a tracer is given.
 */
export class RunTrace implements RunSpans {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceparent: string;
  private readonly startedAt = Date.now();
  private readonly started = performance.now();
  private readonly span: Span | undefined;
  private readonly sampled: boolean;
  private readonly spans: SpanRecord[] = [];
  private dropped = 0;

  constructor(private readonly options: RunTraceOptions) {
    const { parent, tracer, trigger } = options;
    if (tracer) {
      const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true }) : ROOT_CONTEXT;
      const kind = trigger.kind === "tool-call" || trigger.kind === "hook" ? SpanKind.SERVER : SpanKind.INTERNAL;
      this.span = tracer.startSpan(options.name, { kind, attributes: triggerAttributes(trigger) }, parentContext);
      const context = this.span.spanContext();
      this.traceId = context.traceId;
      this.spanId = context.spanId;
      this.sampled = (context.traceFlags & TraceFlags.SAMPLED) !== 0;
    } else {
      this.traceId = parent?.traceId ?? randomHex(16);
      this.spanId = randomHex(8);
      this.sampled = parent?.sampled ?? true;
    }
    this.traceparent = formatTraceparent({ traceId: this.traceId, spanId: this.spanId, sampled: this.sampled });
  }

  child(spanName: string, attributes: SpanAttributes): TraceSpan {
    const started = performance.now();
    // Names come from guest code (a method, a tool name): redacted like every attribute.
    const name = this.clean(spanName);
    const attrs: SpanAttributes = {};
    const set = (more: SpanAttributes) => {
      for (const [key, value] of Object.entries(more)) attrs[key] = typeof value === "string" ? this.clean(value) : value;
    };
    set(attributes);
    const otel = this.span && this.options.tracer?.startSpan(name, { kind: SpanKind.CLIENT, attributes: attrs }, trace.setSpan(ROOT_CONTEXT, this.span));
    const spanId = otel ? otel.spanContext().spanId : randomHex(8);
    let ended = false;
    return {
      traceparent: formatTraceparent({ traceId: this.traceId, spanId, sampled: this.sampled }),
      set,
      end: (error) => {
        if (ended) return;
        ended = true;
        const failure = error && { name: this.clean(error.name), message: this.clean(error.message) };
        if (otel) {
          otel.setAttributes(attrs);
          if (failure) markFailed(otel, failure);
          otel.end();
        }
        if (this.spans.length >= MAX_RECORDED_SPANS) {
          this.dropped++;
          return;
        }
        this.spans.push({ spanId, name, offsetMs: round(started - this.started), durationMs: round(performance.now() - started), ok: !failure, ...(failure ? { error: failure } : {}), attributes: attrs });
      },
    };
  }

  /** Ends the run span and returns the run's record. */
  finish(outcome: RunOutcome): RunRecord {
    const durationMs = round(performance.now() - this.started);
    const error = outcome.error && { name: this.clean(outcome.error.name), message: this.clean(outcome.error.message) };
    if (this.span) {
      this.span.setAttribute("toolsmith.run.ok", outcome.ok);
      if (outcome.integrations.length) this.span.setAttribute("toolsmith.integrations", outcome.integrations.map((i) => (i.version ? `${i.name}@${i.version}` : i.name)));
      if (error) markFailed(this.span, error);
      this.span.end();
    }
    return {
      traceId: this.traceId,
      spanId: this.spanId,
      ...(this.options.parent ? { parentSpanId: this.options.parent.spanId } : {}),
      name: this.options.name,
      trigger: this.options.trigger,
      startedAt: new Date(this.startedAt).toISOString(),
      durationMs,
      ok: outcome.ok,
      ...(error ? { error } : {}),
      integrations: outcome.integrations,
      spans: this.spans,
      ...(this.dropped ? { droppedSpans: this.dropped } : {}),
    };
  }

  private clean(text: string): string {
    const redacted = this.options.redact(text);
    return capText(redacted);
  }
}

/** Random bytes fetched at once for ids: one `randomBytes` per call cost ~18 µs each on a loaded machine, four per run. */
const ID_POOL_BYTES = 4096;
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

/** A random id of `bytes` bytes as hex (never all zeros, which W3C trace context forbids). */
function randomHex(bytes: number): string {
  if (idPoolAt + bytes > idPool.length) {
    idPool = randomBytes(ID_POOL_BYTES);
    idPoolAt = 0;
  }
  const hex = idPool.toString("hex", idPoolAt, idPoolAt + bytes);
  idPoolAt += bytes;
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}

function triggerAttributes(trigger: RunTrigger): SpanAttributes {
  return trigger.id === undefined ? { "toolsmith.trigger": trigger.kind } : { "toolsmith.trigger": trigger.kind, "toolsmith.trigger.id": trigger.id };
}

function markFailed(span: Span, error: SpanError): void {
  span.setAttribute("error.type", error.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.name}: ${error.message}` });
}

/** Text up to MAX_ATTRIBUTE_CHARS, else its start (never half a surrogate pair) and its full length. */
function capText(text: string): string {
  if (text.length <= MAX_ATTRIBUTE_CHARS) return text;
  let end = MAX_ATTRIBUTE_CHARS;
  if (/[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
