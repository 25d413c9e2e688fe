import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startHttpServer, type RunningHttpServer } from "../../dist/server/http-server.js";
import { signHookRequest } from "../../dist/always-on/hook-signature.js";
import { connect, makeHome, type Connected } from "../helpers.js";
import { COUNTER_CODE, COUNTER_TEST, recordOf, records, until } from "./fixtures.js";

const TOKEN = "test-token-0123456789abcdef";
/** A reply deadline no run here reaches however loaded the machine; the deadline itself is tested by a second server on the same home. */
const CONFIG = { hooks: { maxBodyKb: 1, replyTimeoutMs: 120_000 } };

interface Sent {
  status: number;
  body: any;
  runId: string | null;
}

describe("POST /hooks/<id> on a real HTTP server (127.0.0.1)", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  let env: Connected;
  let http: RunningHttpServer;
  let base: string;
  const secrets: Record<string, string> = {};

  const send = async (id: string, body: string, options: { secret?: string; timestamp?: number; headers?: Record<string, string>; method?: string; signature?: string; base?: string } = {}): Promise<Sent> => {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = options.signature ?? signHookRequest(options.secret ?? secrets[id] ?? "x".repeat(64), timestamp, body);
    const response = await fetch(`${options.base ?? base}/hooks/${id}`, {
      method: options.method ?? "POST",
      headers: { "content-type": "application/json", "x-toolsmith-timestamp": timestamp, "x-toolsmith-signature": signature, ...options.headers },
      body: options.method === "GET" ? undefined : body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    return { status: response.status, body: parsed, runId: response.headers.get("x-toolsmith-run-id") };
  };

  beforeAll(async () => {
    ({ home, cleanup } = await makeHome());
    env = await connect(home, CONFIG);
    const saved = await env.call("save_integration", { name: "demo/counter", description: "Counter for hook tests", code: COUNTER_CODE, test: COUNTER_TEST });
    expect(saved.isError, saved.text).toBe(false);
    for (const [id, exported, reply] of [["echo", "echo", "sync"], ["slow", "slow", "sync"], ["later", "echo", "async"], ["fails", "fail", "sync"]] as const) {
      const made = await env.call("run_code", { code: `import { hooks } from "toolsmith";\nexport default await hooks.set(${JSON.stringify(id)}, { integration: "demo/counter", export: ${JSON.stringify(exported)}, reply: ${JSON.stringify(reply)} });` });
      expect(made.isError, made.text).toBe(false);
      secrets[id] = made.body.result.secret;
    }
    http = await startHttpServer({ toolsmith: env.toolsmith, token: TOKEN, port: 0 });
    base = `http://127.0.0.1:${http.port}`;
  });
  afterAll(async () => {
    await http?.close();
    await env?.close();
    await cleanup?.();
  });

  it("a valid signature runs the export with { method, headers, body } and replies with its result", async () => {
    const reply = await send("echo", JSON.stringify({ action: "opened", number: 7 }));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ method: "POST", body: { action: "opened", number: 7 }, type: "application/json" });
    expect(reply.runId).toMatch(/^echo\//);
    const record = await recordOf(home, reply.runId!);
    expect(record).toMatchObject({ ok: true, trigger: "hook", integration: "demo/counter", export: "echo", result: reply.body });
    // No bearer token was needed; a text body arrives as text.
    const text = await send("echo", "plain words", { headers: { "content-type": "text/plain" } });
    expect(text.body).toEqual({ method: "POST", body: "plain words", type: "text/plain" });
  });

  it("gives the export the body as sent: a `__proto__` key stays a plain key, quotes and line breaks stay text", async () => {
    const reply = await send("echo", '{"__proto__":{"polluted":true},"n":1,"text":"a \\"quote\\"\\n\\u2028</script>"}');
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.body)).toEqual(["__proto__", "n", "text"]);
    expect(reply.body.body.polluted).toBeUndefined();
    expect(reply.body.body.text).toBe('a "quote"\n\u2028</script>');
  });

  it("refuses bad, expired, replayed and unsigned requests with 401, and never reaches the sandbox", async () => {
    const runs = vi.spyOn(env.toolsmith, "runDetailed");
    try {
      const body = JSON.stringify({ n: 1 });
      const now = Math.floor(Date.now() / 1000);
      const valid = await send("echo", body, { timestamp: now });
      expect(valid.status).toBe(200);
      expect(runs).toHaveBeenCalledTimes(1);
      // Records are written in order, after the reply: once this one is there, so are all before it.
      await recordOf(home, valid.runId!);
      const before = (await records(home, "echo")).length;
      const refused = [
        await send("echo", body, { secret: "wrong-secret-".repeat(5) }), // another key
        await send("echo", body, { secret: secrets.later }), // another hook's key
        await send("echo", body, { timestamp: now - 6 * 60 }), // signed correctly, but 6 minutes old
        await send("echo", body, { timestamp: now + 6 * 60 }), // from the future
        await send("echo", body, { timestamp: now }), // the valid request again: a replay
        await send("echo", body, { signature: "sha256=abc" }), // malformed
        await send("echo", body, { signature: "" }), // missing
        await send("echo", `${body} `, { signature: signHookRequest(secrets.echo!, String(now), body), timestamp: now }), // body changed after signing
        await send("nobody", body), // no such hook
      ];
      for (const reply of refused) {
        expect(reply.status).toBe(401);
        expect(reply.body.error).toBe("unauthorized");
      }
      expect(runs).toHaveBeenCalledTimes(1);
      expect(await records(home, "echo")).toHaveLength(before);
      expect((await send("echo", body, { method: "GET" })).status).toBe(405);
    } finally {
      runs.mockRestore();
    }
  });

  it("refuses a delivery replayed after a restart (another process on the home) inside the window", async () => {
    const body = JSON.stringify({ delivery: "once" });
    const timestamp = Math.floor(Date.now() / 1000);
    const first = await send("echo", body, { timestamp });
    expect(first.status).toBe(200);
    // Accepted signatures reach state/ right after the reply; a clean shutdown waits for them.
    await (await env.toolsmith.alwaysOn()).hooks.flush();
    const restarted = await connect(home, CONFIG);
    const restartedHttp = await startHttpServer({ toolsmith: restarted.toolsmith, token: TOKEN, port: 0 });
    const runs = vi.spyOn(restarted.toolsmith, "runDetailed");
    try {
      const other = `http://127.0.0.1:${restartedHttp.port}`;
      const replayed = await send("echo", body, { timestamp, base: other });
      expect(replayed.status).toBe(401);
      expect(runs).not.toHaveBeenCalled();
      // A new delivery (a new timestamp or body, so a new signature) still runs there.
      const fresh = await send("echo", JSON.stringify({ delivery: "next" }), { base: other });
      expect(fresh.status).toBe(200);
    } finally {
      runs.mockRestore();
      await restartedHttp.close();
      await restarted.close();
    }
  });

  it("a body over hooks.maxBodyKb gets 413 and nothing runs", async () => {
    const runs = vi.spyOn(env.toolsmith, "runDetailed");
    try {
      const reply = await send("echo", JSON.stringify({ pad: "x".repeat(2_000) }));
      expect(reply.status).toBe(413);
      expect(reply.body.message).toContain("hooks.maxBodyKb");
      expect(runs).not.toHaveBeenCalled();
    } finally {
      runs.mockRestore();
    }
  });

  it("replies 202 with a run id for an async hook, for Prefer: respond-async, and past hooks.replyTimeoutMs", async () => {
    const queued = await send("later", JSON.stringify({ queued: true }));
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ status: "running", runId: queued.runId });
    const preferred = await send("echo", JSON.stringify({ asked: "async" }), { headers: { prefer: "respond-async" } });
    expect(preferred.status).toBe(202);
    // A second server on the same home (another process would do the same) with a short reply deadline.
    // The slow export waits for a file the test writes only after the reply: the deadline always passes first.
    const second = await connect(home, { hooks: { maxBodyKb: 1, replyTimeoutMs: 200 } });
    const secondHttp = await startHttpServer({ toolsmith: second.toolsmith, token: TOKEN, port: 0 });
    let slow: Sent;
    try {
      slow = await send("slow", "{}", { base: `http://127.0.0.1:${secondHttp.port}` });
    } finally {
      await secondHttp.close();
    }
    expect(slow.status).toBe(202);
    expect(slow.body.runId).toMatch(/^slow\//);
    await writeFile(join(home, "workspace", "release"), "go");
    const record = await until(async () => (await records(home, "slow")).find((r) => `slow/${r.file.replace(/\.json$/, "")}` === slow.body.runId), "the slow hook's record");
    expect(record).toMatchObject({ ok: true, result: "released", trigger: "hook" });
    await second.close();
    const later = await until(async () => (await records(home, "later"))[0], "the async hook's record");
    expect(later.result).toEqual({ method: "POST", body: { queued: true }, type: "application/json" });
  });

  it("an export that throws gives 500 with its error, recorded and counted", async () => {
    const reply = await send("fails", "{}");
    expect(reply.status).toBe(500);
    expect(reply.body).toMatchObject({ error: "run_failed", name: "Error", message: "service said no" });
    expect(await recordOf(home, reply.runId!)).toMatchObject({ ok: false, trigger: "hook" });
  });

  it("a body that says JSON but is not gets 400 after the signature check", async () => {
    const reply = await send("echo", "{not json");
    expect(reply.status).toBe(400);
  });
});

describe("a replica with schedules.enabled false", () => {
  it("answers hooks with 503 and fires no schedules", async () => {
    const { home, cleanup } = await makeHome();
    const env = await connect(home, { schedules: { enabled: false } }, { fireSchedules: true });
    const http = await startHttpServer({ toolsmith: env.toolsmith, token: TOKEN, port: 0 });
    try {
      await env.call("save_integration", { name: "demo/counter", description: "Counter", code: COUNTER_CODE, test: COUNTER_TEST });
      const made = await env.call("run_code", { code: 'import { hooks, schedules } from "toolsmith";\nawait schedules.set("tick", { cron: "* * * * * *", integration: "demo/counter", export: "tick", args: [1] });\nexport default await hooks.set("echo", { integration: "demo/counter", export: "echo" });' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await fetch(`http://127.0.0.1:${http.port}/hooks/echo`, { method: "POST", headers: { "x-toolsmith-timestamp": timestamp, "x-toolsmith-signature": signHookRequest(made.body.result.secret, timestamp, "{}") }, body: "{}" });
      expect(response.status).toBe(503);
      expect((await response.json()).message).toContain("schedules.enabled is false");
      // runNow still works here (it is a request, not a firing); nothing fired by itself.
      const ran = await env.call("run_code", { code: 'import { schedules } from "toolsmith";\nexport default await schedules.runNow("tick");' });
      expect(ran.body.result).toMatchObject({ ok: true, result: 2 });
      expect((await records(home, "tick")).map((r) => r.trigger)).toEqual(["manual"]);
    } finally {
      await http.close();
      await env.close();
      await cleanup();
    }
  });
});
