import { startFixture, type Fixture } from "../helpers/http-fixture.js";

/** A span as the receiver decoded it from OTLP/HTTP JSON, attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  endpoint: string;
  spans: ReceivedSpan[];
  /** Every request body as received (to check that no secret value went out). */
  bodies: string[];
  /** Resolves once `predicate` holds for the spans received so far; rejects after `timeoutMs`. */
  waitFor: (predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number) => Promise<ReceivedSpan[]>;
  close: () => Promise<void>;
}

/** A real OTLP/HTTP receiver on 127.0.0.1 (JSON encoding, as @opentelemetry/exporter-trace-otlp-http sends): POST /v1/traces. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const waiters = new Set<() => void>();
  const fixture: Fixture = await startFixture({
    "/v1/traces": (req, res, body) => {
      bodies.push(body);
      if (req.method !== "POST" || !String(req.headers["content-type"]).includes("application/json")) {
        res.writeHead(415).end();
        return;
      }
      spans.push(...decode(JSON.parse(body)));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
      for (const wake of waiters) wake();
    },
  });
  const waitFor = (predicate: (s: ReceivedSpan[]) => boolean, timeoutMs = 20_000) =>
    new Promise<ReceivedSpan[]>((resolve, reject) => {
      const check = () => {
        if (!predicate(spans)) return;
        done();
        resolve(spans);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`OTLP receiver: expected spans did not arrive within ${timeoutMs} ms; got ${spans.map((s) => s.name).join(", ") || "none"}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { endpoint: fixture.origin, spans, bodies, waitFor, close: fixture.close };
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

function value(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

function decode(request: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? "", name: s.name, kind: s.kind, status: s.status ?? {}, attributes: attributes(s.attributes), resource });
      }
    }
  }
  return out;
}
