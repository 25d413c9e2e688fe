import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostBridge } from "../../dist/bridge/host-bridge.js";
import { SecretVault } from "../../dist/bridge/secrets/secret-vault.js";
import { Workspace } from "../../dist/bridge/workspace/workspace.js";
import { ReplyBacklog } from "../../dist/sandbox/reply-backlog.js";
import { parseConfig } from "../../dist/config/load-config.js";
import { startFixture, type Fixture } from "../helpers/http-fixture.js";

/** The run bridge's own lifecycle, below the sandbox: what a run's end and an early abort do on the host. */
let api: Fixture;
let dir: string;
let bridge: HostBridge;
const backlog = new ReplyBacklog(new Int32Array(new SharedArrayBuffer(8)));

beforeAll(async () => {
  api = await startFixture({ "/ok": (_req, res) => res.writeHead(200).end("ok") });
  dir = await mkdtemp(join(tmpdir(), "toolsmith-bridge-"));
  const config = parseConfig(JSON.stringify({ network: { allow: [`127.0.0.1:${api.port}`] } }));
  bridge = new HostBridge(config.network, new SecretVault({ secrets: {} }), new Workspace(dir, 1024 * 1024), undefined, config.limits);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a run's bridge", () => {
  it("drops the run's keys when the run's host calls are aborted (the pool does so when the run ends)", async () => {
    const run = bridge.forRun();
    const runEnd = new AbortController();
    const call = (args: unknown) => run.onHostCall("crypto.subtle", JSON.stringify(args), runEnd.signal, backlog);
    const key = JSON.parse((await call({ op: "importKey", args: ["raw", { $bytes: "key" }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]] }))!);
    const sign = { op: "sign", args: ["HMAC", { $key: key.$key }, { $bytes: "data" }] };
    expect(JSON.parse((await call(sign))!).$bytes).toHaveLength(32);
    runEnd.abort();
    await expect(call(sign)).rejects.toMatchObject({ name: "WebCryptoError", message: expect.stringContaining("does not belong to this run") });
  });

  it("an abort that arrives before its fetch was dispatched stops it from being sent", async () => {
    const run = bridge.forRun();
    const signal = new AbortController().signal;
    expect(await run.onHostCall("fetch.abort", JSON.stringify({ abortId: 7 }), signal, backlog)).toBeUndefined();
    const before = api.requests.length;
    await expect(run.onHostCall("fetch", JSON.stringify({ url: `${api.origin}/ok`, method: "GET", headers: [], abortId: 7 }), signal, backlog)).rejects.toMatchObject({
      name: "FetchError",
      message: expect.stringContaining("was aborted by its AbortSignal before it was sent"),
    });
    expect(api.requests.length).toBe(before);
    // Another id is unaffected.
    expect(JSON.parse((await run.onHostCall("fetch", JSON.stringify({ url: `${api.origin}/ok`, method: "GET", headers: [], abortId: 8 }), signal, backlog))!).status).toBe(200);
  });
});
