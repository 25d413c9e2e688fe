import { z } from "zod";

/** What started a run: a tool call, a schedule's firing, a webhook, `toolsmith run`, a save's test, or a test run by verify/rename/the self-check. */
export const RunTriggerSchema = z.object({
  kind: z.enum(["tool-call", "schedule", "hook", "cli", "save", "test"]),
  /** The schedule's or hook's id; the integration of a save's or test's run. */
  id: z.string().optional(),
});

const AttributeValue = z.union([z.string(), z.number(), z.boolean()]);

export const SpanErrorSchema = z.object({ name: z.string(), message: z.string() });

/** One operation inside a run: a fetch, an upstream MCP call, a workspace operation. */
export const SpanRecordSchema = z.object({
  spanId: z.string(),
  name: z.string(),
  /** Milliseconds from the run's start to this span's start. */
  offsetMs: z.number(),
  durationMs: z.number(),
  ok: z.boolean(),
  error: SpanErrorSchema.optional(),
  attributes: z.record(z.string(), AttributeValue),
});

/** One line of `state/runs/*.jsonl`: a finished run with its spans. */
export const RunRecordSchema = z.object({
  traceId: z.string(),
  /** The run span's id: the run's id. */
  spanId: z.string(),
  /** The caller's span (from an incoming traceparent), when the trace was continued. */
  parentSpanId: z.string().optional(),
  name: z.string(),
  trigger: RunTriggerSchema,
  startedAt: z.string(),
  durationMs: z.number(),
  ok: z.boolean(),
  error: SpanErrorSchema.optional(),
  /** Saved integrations the run imported, at the version it ran (the commit that last touched each). */
  integrations: z.array(z.object({ name: z.string(), version: z.string().optional() })),
  spans: z.array(SpanRecordSchema),
  /** Spans left out of this record (beyond MAX_RECORDED_SPANS); exported spans are not limited by it. */
  droppedSpans: z.number().optional(),
});

export type RunTrigger = z.infer<typeof RunTriggerSchema>;
export type SpanError = z.infer<typeof SpanErrorSchema>;
export type SpanRecord = z.infer<typeof SpanRecordSchema>;
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type SpanAttributes = Record<string, string | number | boolean>;
