import { isValidSpanId, isValidTraceId } from "@opentelemetry/api";

/** A W3C trace context as it travels: which trace, which span is the parent, whether it is sampled. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** Version 00 of https://www.w3.org/TR/trace-context/#traceparent-header; later versions may append fields. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Reads a `traceparent` value; anything malformed (or the all-zero ids the spec
 * forbids) is ignored, so the run starts a trace of its own.
 */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== "string" || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (!isValidTraceId(traceId!) || !isValidSpanId(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
}

export function formatTraceparent(context: TraceParent): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}
