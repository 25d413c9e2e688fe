import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AlwaysOn } from "../always-on/always-on.js";
import type { HookRequest } from "../always-on/hook-service.js";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../always-on/hook-signature.js";
import type { RecordedRun } from "../always-on/recorded-run.js";
import type { HooksSettings } from "../config/schema.js";
import { readBodyBytes } from "./read-body.js";

/** The header naming a hook's run (its outcome is workspace runs/<run id>.json). */
export const RUN_ID_HEADER = "x-toolsmith-run-id";
const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export interface HooksRouteDeps {
  alwaysOn(): Promise<AlwaysOn>;
  settings: HooksSettings;
}

/**
 * POST /hooks/<id>. Bearer auth does not apply: each hook has its own HMAC secret. In
 * this order, before anything runs: this process answers hooks (schedules.enabled), the
 * hook exists and the signature headers are well formed and within the window (401,
 * body unread), the body is within hooks.maxBodyKb (413), the signature matches the
 * body and was not used before (401). Then the export runs as run_code would.
 */
export function hooksRoute(deps: HooksRouteDeps): (req: IncomingMessage, res: ServerResponse, id: string) => Promise<void> {
  const maxBytes = deps.settings.maxBodyKb * 1024;
  return async (req, res, id) => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return answer(res, 405, { error: "method_not_allowed", message: "Hooks take POST requests only." }, true);
    }
    const alwaysOn = await deps.alwaysOn().catch(() => undefined);
    if (!alwaysOn) return answer(res, 503, { error: "unavailable", message: "The server is not ready; retry in a moment." }, true);
    if (!alwaysOn.enabled) return answer(res, 503, { error: "hooks_elsewhere", message: "This server does not run hooks (schedules.enabled is false): send hooks to the replica that does." }, true);
    const signed = await alwaysOn.hooks.signed(id, req.headers[TIMESTAMP_HEADER], req.headers[SIGNATURE_HEADER]);
    if (!signed) return unauthorized(res);
    const read = await readBodyBytes(req, maxBytes);
    if (!read.ok) {
      if (read.tooLarge) return answer(res, 413, { error: "too_large", message: `Hook bodies are limited to ${deps.settings.maxBodyKb} KiB (hooks.maxBodyKb).` }, true);
      return;
    }
    if (!(await alwaysOn.hooks.verified(signed, read.bytes))) return unauthorized(res);
    const input = hookRequest(req, read.bytes);
    if (!input) return answer(res, 400, { error: "bad_json", message: "The content type says JSON but the body is not valid JSON; nothing ran." }, false);
    const run = alwaysOn.hooks.start(signed, input);
    const asynchronous = signed.entry.reply === "async" || /\brespond-async\b/i.test(String(req.headers.prefer ?? ""));
    let timer: NodeJS.Timeout | undefined;
    const deadline = asynchronous ? Promise.resolve(undefined) : new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), deps.settings.replyTimeoutMs)));
    const first = await Promise.race([run.done, deadline]).catch(() => "failed" as const);
    clearTimeout(timer);
    if (first === "failed") return answer(res, 500, { error: "not_recorded", message: "The hook's run could not be started or recorded; check the server's log." }, false);
    if (first) return finished(res, first);
    const runId = await run.runId.catch(() => undefined);
    if (!runId) return answer(res, 500, { error: "not_recorded", message: "The hook's run could not be started or recorded; check the server's log." }, false);
    res.setHeader(RUN_ID_HEADER, runId);
    answer(res, 202, { runId, status: "running", outcome: `workspace runs/${runId}.json` }, false);
  };
}

/** What the export gets: method, headers (lower-case, repeated ones joined), and the body (JSON parsed when declared JSON). Undefined: declared JSON that is not. */
function hookRequest(req: IncomingMessage, bytes: Buffer): HookRequest | undefined {
  const text = bytes.toString("utf8");
  let body: unknown = text;
  if (JSON_CONTENT_TYPE.test(String(req.headers["content-type"] ?? ""))) {
    try {
      body = text.length ? JSON.parse(text) : null;
    } catch {
      return undefined;
    }
  }
  return { method: req.method ?? "POST", headers: flatHeaders(req.headers), body };
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

/** The export's result as the reply body (200), or its error (500); either way the run id in a header. */
function finished(res: ServerResponse, { runId, record }: RecordedRun): void {
  res.setHeader(RUN_ID_HEADER, runId);
  if (record.ok) return answer(res, 200, record.result ?? null, false);
  answer(res, 500, { error: "run_failed", runId, name: record.error?.name, message: record.error?.message }, false);
}

/** Any failed check: the same answer, so it tells nothing about which check or whether the hook exists. */
function unauthorized(res: ServerResponse): void {
  answer(res, 401, { error: "unauthorized", message: "A valid signature is required: X-Toolsmith-Timestamp (Unix seconds, within 5 minutes) and X-Toolsmith-Signature: sha256=<hex HMAC-SHA256 of '<timestamp>.<raw body>' with the hook's secret>, each signature used once." }, true);
}

function answer(res: ServerResponse, status: number, body: unknown, close: boolean): void {
  const text = JSON.stringify(body);
  // With its length given, the reply is one plain body instead of chunks and a last empty chunk.
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...(close ? { connection: "close" } : {}) });
  res.end(text);
}
