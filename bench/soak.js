// toolsmith soak check (issue #22, "Checked by"): a real HTTP server process (dist/cli.js
// serve --http) on 127.0.0.1 runs for minutes with schedules firing and webhooks arriving
// from a local client, an OTLP receiver collecting spans, and restarts in between (SIGTERM,
// and once SIGKILL). Afterwards everything is checked from the outside only: the run
// records in the workspace, the files the runs wrote, the replies, the spans received,
// and `toolsmith runs --json`. Prints what it checked; exits 1 on any violation.
//
//   npx tsc -p tsconfig.json && node bench/soak.js
//
// Environment (optional): SOAK_SECONDS (default 180), SOAK_SHORT=1 (30 s from the first server being ready, one restart by SIGKILL).
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const SHORT = process.env.SOAK_SHORT === "1";
const DURATION_MS = (SHORT ? 30 : Number(process.env.SOAK_SECONDS ?? 180)) * 1000;
const TOKEN = "soak-token-0123456789abcdef0123";
/** The catch-up schedule's period: each restart is timed so that the server is down at one of its due times, and up before the next. */
const CATCH_UP_PERIOD_S = 60;
/** How long the slow schedule's runs take: longer than its period, so its due times during a run must be skipped. */
const SLOW_RUN_MS = 2_500;
const WEBHOOK_EVERY_MS = 150;
const MAX_BODY_KB = 4;

const CODE = `import { sleep, workspace } from "toolsmith";

/** Leaves a mark in the workspace (so a run that started is visible from outside), waits, returns the mark. */
export async function work(kind: string, ms: number): Promise<string> {
  const mark = kind + "-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
  await workspace.write("soak-marks/" + mark, "started");
  if (ms > 0) await sleep(ms);
  return mark;
}

/** Echoes a webhook's body. */
export function echo(request: { body: unknown }): unknown {
  return request.body;
}
`;

const violations = [];
const violation = (line) => violations.push(line);
const log = (line) => process.stderr.write(`[soak ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();

const home = mkdtempSync(join(tmpdir(), "toolsmith-soak-"));
const spans = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    try {
      for (const rs of JSON.parse(body).resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? []) spans.push({ name: s.name, traceId: s.traceId, attributes: Object.fromEntries((s.attributes ?? []).map((kv) => [kv.key, kv.value.stringValue ?? kv.value.boolValue ?? kv.value.intValue])) });
    } catch {
      violation("the OTLP receiver got a body that is not OTLP JSON");
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;

const cli = (...args) => spawnSync(process.execPath, [CLI, ...args, "--home", home], { encoding: "utf8", env: { ...process.env, TOOLSMITH_TOKEN: TOKEN } });
const lifetimes = []; // { pid, spawnedAt, readyAt, killedAt, exitedAt, signal }
let server;
let stopping = false;
const replies = []; // { kind, status, sentAt, answeredAt, runId, body, error }

try {
  // Setup (before any server runs): config, the integration, schedules, a hook.
  // keepRuns: every firing's record is checked afterwards, so none may be pruned (the default keeps the newest 100 per id).
  writeFileSync(join(home, "config.json"), JSON.stringify({ telemetry: { otlpEndpoint: `http://127.0.0.1:${receiver.address().port}` }, hooks: { maxBodyKb: MAX_BODY_KB }, schedules: { keepRuns: 100_000 } }));
  const { Toolsmith } = await import(join(ROOT, "dist", "toolsmith.js"));
  const setup = Toolsmith.open({ home, log: () => undefined });
  await setup.whenReady();
  const saved = await setup.save({ name: "soak/work", description: "Soak check work", code: CODE });
  if (!saved.ok) throw new Error(`save failed: ${saved.error.message}`);
  // Schedules and the hook are set as an agent would (schedules.set / hooks.set); `toolsmith schedule list` shows them.
  const alwaysOn = await setup.alwaysOn();
  const schedules = { "every-second": ["* * * * * *", 0], slow: ["*/2 * * * * *", SLOW_RUN_MS], "catch-up": ["0 * * * * *", 0] };
  for (const [id, [cron, ms]] of Object.entries(schedules)) await alwaysOn.schedules.set(id, { cron, integration: "soak/work", export: "work", args: [id, ms], catchUp: true });
  const { secret } = await alwaysOn.hooks.set("echo", { integration: "soak/work", export: "echo" });
  await setup.close();
  const listedSchedules = JSON.parse(must(cli("schedule", "list", "--json")).stdout);
  if (listedSchedules.length !== 3) throw new Error(`toolsmith schedule list shows ${listedSchedules.length} schedules, expected 3`);

  await startServer();
  // The soak's duration counts from the first server being ready (setup and startup are slow on a loaded machine).
  const until = Date.now() + DURATION_MS;
  const client = webhookClient(secret);
  // Restarts: before a due time of the catch-up schedule, the server goes down (SIGTERM, or the
  // second time SIGKILL) and comes back just after it, so that due time was missed.
  const kinds = SHORT ? ["SIGKILL"] : ["SIGTERM", "SIGKILL", "SIGTERM", "SIGTERM", "SIGTERM"];
  for (const signal of kinds) {
    const boundary = nextBoundary(Date.now() + 12_000);
    if (boundary + 8_000 > until) break;
    await sleep(boundary - 3_000 - Date.now());
    await stopServer(signal);
    await sleep(Math.max(0, boundary + 300 - Date.now()));
    await startServer();
  }
  await sleep(Math.max(0, until - Date.now()));
  stopping = true;
  await client;
  await stopServer("SIGTERM");

  check(schedules);
} finally {
  stopping = true;
  if (server && server.exitCode === null) server.kill("SIGKILL");
  receiver.close();
  rmSync(home, { recursive: true, force: true });
}

if (violations.length) {
  console.log(`\nVIOLATIONS (${violations.length}):`);
  for (const v of violations.slice(0, 50)) console.log(`- ${v}`);
  process.exitCode = 1;
} else console.log("\nno violations");

function check(schedules) {
  const graceful = lifetimes.filter((l) => l.signal === "SIGTERM");
  const killed = lifetimes.filter((l) => l.signal === "SIGKILL");
  const inGraceful = (at) => graceful.some((l) => at >= l.spawnedAt && at <= l.exitedAt);
  /** Runs cut off by SIGKILL: started in the last moments of a killed process. */
  const cutOff = (at, ms) => killed.some((l) => at >= l.killedAt - ms - 3_000 && at <= l.killedAt);
  const runsDir = join(home, "workspace", "runs");
  const refusedAtShutdown = new Set();
  const marksDir = join(home, "workspace", "soak-marks");
  const marks = new Set(readdirSync(marksDir));
  const recordsOf = (id) =>
    readdirSync(join(runsDir, id))
      .filter((n) => n.endsWith(".json"))
      .sort()
      .map((n) => ({ runId: `${id}/${n.slice(0, -5)}`, text: readFileSync(join(runsDir, id, n), "utf8") }))
      .filter((r) => {
        if (r.text) return true;
        if (!cutOff(Date.parse(r.runId.slice(id.length + 1).replace(/T(\d\d)-(\d\d)-(\d\d)/, "T$1:$2:$3").replace(/-\d+$/, "")), 60_000)) violation(`${r.runId}: the record is empty (the run never finished) though no SIGKILL cut it off`);
        return false;
      })
      .map((r) => ({ runId: r.runId, ...JSON.parse(r.text) }))
      // Refused because the server was stopping: nothing ran (no trace, no listing); counted apart.
      .filter((r) => (r.error?.name === "ShuttingDownError" ? void refusedAtShutdown.add(r.runId) : true));
  const table = [];
  const recorded = new Set();
  for (const [id, [, ms]] of Object.entries(schedules)) {
    const records = recordsOf(id);
    for (const r of records) {
      if (!r.ok) violation(`${r.runId}: failed: ${r.error?.name}: ${r.error?.message}`);
      if (typeof r.result === "string") recorded.add(r.result);
    }
    // Runs of one schedule never overlap; a due time fires at most once.
    const byStart = [...records].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (let i = 1; i < byStart.length; i++) {
      const previousEnd = Date.parse(byStart[i - 1].startedAt) + byStart[i - 1].durationMs;
      if (Date.parse(byStart[i].startedAt) < previousEnd) violation(`${id}: ${byStart[i].runId} started before ${byStart[i - 1].runId} ended`);
    }
    const dues = records.filter((r) => r.dueAt).map((r) => r.dueAt);
    if (new Set(dues).size !== dues.length) violation(`${id}: a due time fired twice (${dues.length - new Set(dues).size} duplicates)`);
    const lags = records.filter((r) => r.trigger === "schedule").map((r) => Date.parse(r.startedAt) - Date.parse(r.dueAt));
    // After each restart, the due time missed while down ran once.
    let caughtUp = 0;
    if (id === "catch-up") {
      for (const l of lifetimes.slice(1)) {
        const previous = lifetimes[lifetimes.indexOf(l) - 1];
        // Down from killedAt to spawnedAt (one due time inside), up before the next due time: exactly one run due in between.
        const missed = records.filter((r) => Date.parse(r.dueAt) > previous.killedAt && Date.parse(r.dueAt) <= l.readyAt);
        if (l.readyAt - l.spawnedAt >= CATCH_UP_PERIOD_S * 1000) log(`catch-up: server ${l.pid} took longer than a period to start; its check is skipped`);
        else if (missed.length === 1) caughtUp++;
        else violation(`catch-up: the due time missed between ${new Date(previous.killedAt).toISOString()} and ${new Date(l.spawnedAt).toISOString()} ran ${missed.length} times (expected once)`);
      }
    }
    table.push(`| ${id} (${schedules[id][0]}, runs ${ms} ms) | ${records.length} | ${median(lags)} ms / ${Math.max(0, ...lags)} ms | ${id === "catch-up" ? `${caughtUp} of ${lifetimes.length - 1} restarts` : "-"} |`);
  }
  // Every run that started (left a mark) has its record, unless SIGKILL cut it off.
  let unrecorded = 0;
  for (const mark of marks) {
    const [, kind, at] = /^(.*)-(\d{13})-\w+$/.exec(mark) ?? [];
    if (recorded.has(mark)) continue;
    if (cutOff(Number(at), kind === "slow" ? SLOW_RUN_MS : 0)) unrecorded++;
    else violation(`the run that left mark ${mark} has no record`);
  }
  // Webhooks: every valid one answered 200 with its body and a recorded run; every bad one refused, nothing ran.
  const hookRecords = recordsOf("echo");
  const hookRuns = new Map(hookRecords.map((r) => [r.runId, r]));
  // Down: from 2 s before a kill (a request the server had not read yet is reset by either signal) until the next server answers.
  const down = (at) => lifetimes.some((l, i) => at >= l.killedAt - 2_000 && at <= (lifetimes[i + 1]?.readyAt ?? Infinity)) || at < lifetimes[0].readyAt;
  const count = {};
  for (const r of replies) {
    count[`${r.kind} ${r.status ?? "no answer"}`] = (count[`${r.kind} ${r.status ?? "no answer"}`] ?? 0) + 1;
    if (r.status === undefined) {
      if (!down(r.sentAt)) violation(`a ${r.kind} webhook sent at ${((r.sentAt - t0) / 1000).toFixed(1)}s while the server was up got no answer (${r.error})`);
      continue;
    }
    // A valid one: its result (200), or 202 with a run id when it took longer than hooks.replyTimeoutMs.
    const expected = { valid: [200, 202], invalid: [401], replay: [401], oversized: [413] }[r.kind];
    if (!expected.includes(r.status)) violation(`a ${r.kind} webhook sent at ${((r.sentAt - t0) / 1000).toFixed(1)}s got ${r.status} after ${r.answeredAt - r.sentAt} ms, expected ${expected.join(" or ")}${r.status === 408 ? " (Node's 10 s headers timeout: the server did not get to read the request)" : ""}`);
    if (r.kind === "valid" && (r.status === 200 || r.status === 202)) {
      const record = hookRuns.get(r.runId);
      if (!record) violation(`webhook run ${r.runId} (answered ${r.status}) has no record`);
      else if (record.result?.n !== r.body.n) violation(`webhook run ${r.runId}: the record's result is not the body sent`);
    }
  }
  for (const r of hookRecords) if (!r.ok) violation(`${r.runId}: failed: ${r.error?.name}: ${r.error?.message}`);
  const ranBad = hookRecords.filter((r) => r.ok && r.result?.kind !== "valid");
  if (ranBad.length) violation(`${ranBad.length} refused webhooks ran anyway`);
  const answeredValid = replies.filter((r) => r.kind === "valid" && (r.status === 200 || r.status === 202)).length;
  // Spans: every recorded run of a process that shut down cleanly reached the collector.
  const spanCount = (kind, id) => spans.filter((s) => s.name === kind && s.attributes["toolsmith.trigger.id"] === id).length;
  const gracefulRecords = (id) => recordsOf(id).filter((r) => inGraceful(Date.parse(r.startedAt))).length;
  for (const [kind, id] of [["schedule", "every-second"], ["schedule", "slow"], ["schedule", "catch-up"], ["hook", "echo"]]) {
    if (spanCount(kind, id) < gracefulRecords(id)) violation(`spans: ${spanCount(kind, id)} "${kind}" spans for ${id}, but ${gracefulRecords(id)} runs of it in processes that shut down cleanly`);
  }
  // `toolsmith runs` lists them (the run log keeps its last ~5 MB: all of a soak's runs).
  const listed = JSON.parse(must(cli("runs", "--json", "--limit", "1000")).stdout);
  const listedOf = (kind, id) => listed.filter((r) => r.trigger.kind === kind && r.trigger.id === id).length;
  for (const [kind, id] of [["schedule", "every-second"], ["schedule", "slow"], ["hook", "echo"]]) {
    if (listedOf(kind, id) < gracefulRecords(id)) violation(`toolsmith runs lists ${listedOf(kind, id)} runs of ${id}, but ${gracefulRecords(id)} ran in processes that shut down cleanly`);
  }

  console.log(`soak: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${lifetimes.length} server processes (${lifetimes.map((l) => l.signal).join(", ")}), load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  console.log("| schedule | records | lag p50 / max (start - due) | missed due time caught up once |");
  console.log("|---|---|---|---|");
  for (const line of table) console.log(line);
  if (refusedAtShutdown.size) console.log(`runs refused because the server was stopping (ShuttingDownError, nothing ran): ${[...refusedAtShutdown].join(", ")}`);
  console.log(`runs that left a mark: ${marks.size}; without a record: ${unrecorded} (all cut off by SIGKILL)`);
  console.log(`webhooks: ${Object.entries(count).sort().map(([k, v]) => `${k}: ${v}`).join(", ")}; hook records: ${hookRecords.length} (valid ones answered 200 or 202: ${answeredValid})`);
  console.log(`spans received: ${spans.length} (${["schedule", "hook"].map((k) => `${k}: ${spans.filter((s) => s.name === k).length}`).join(", ")}); toolsmith runs --json lists ${listed.length}`);
  console.log(`server startup (spawn to first hook answer): ${lifetimes.map((l) => `${l.readyAt - l.spawnedAt} ms`).join(", ")}`);
}

async function webhookClient(secret) {
  const sign = (timestamp, body) => `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
  let n = 0;
  let lastValid;
  while (!stopping) {
    n++;
    const kind = n % 10 === 3 ? "invalid" : n % 10 === 6 ? "oversized" : n % 10 === 9 && lastValid ? "replay" : "valid";
    const timestamp = String(Math.floor(Date.now() / 1000));
    let body = JSON.stringify({ kind, n, ...(kind === "oversized" ? { pad: "x".repeat(MAX_BODY_KB * 1024) } : {}) });
    let headers = { "content-type": "application/json", "x-toolsmith-timestamp": timestamp, "x-toolsmith-signature": kind === "invalid" ? sign(timestamp, "something else") : sign(timestamp, body) };
    if (kind === "replay") ({ body, headers } = lastValid);
    const reply = { kind, sentAt: Date.now(), body: JSON.parse(body) };
    try {
      Object.assign(reply, await post(`${base}/hooks/echo`, headers, body));
    } catch (error) {
      reply.error = error.code ?? error.message;
    }
    reply.answeredAt = Date.now();
    replies.push(reply);
    if (kind === "valid" && reply.status === 200) lastValid = { body, headers };
    await sleep(WEBHOOK_EVERY_MS);
  }
}

/** One POST on a connection of its own (a kept-alive socket the server closes as the next request goes out would read as "no answer"). */
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent: false, timeout: 60_000 }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, runId: res.headers["x-toolsmith-run-id"], answer: text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 60 s")));
    req.on("error", reject);
    req.end(body);
  });
}

async function startServer() {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [CLI, "serve", "--http", "--port", String(port), "--home", home], { env: { ...process.env, TOOLSMITH_TOKEN: TOKEN }, stdio: ["ignore", "ignore", "pipe"] });
  server = child;
  const lifetime = { pid: child.pid, spawnedAt };
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c).slice(-4000)));
  child.once("exit", (code, signal) => {
    lifetime.exitedAt = Date.now();
    if (lifetime.signal === undefined) violation(`server ${child.pid} exited by itself (code ${code}, signal ${signal}): ${stderr.slice(-500)}`);
    else if (lifetime.signal === "SIGTERM" && code !== 0) violation(`server ${child.pid} did not shut down cleanly on SIGTERM (code ${code}, signal ${signal}): ${stderr.slice(-500)}`);
  });
  lifetimes.push(lifetime);
  for (let i = 0; i < 600; i++) {
    const status = await fetch(`${base}/hooks/none`, { method: "POST", body: "{}" }).then((r) => r.status, () => 0);
    if (status === 401) {
      lifetime.readyAt = Date.now();
      log(`server ${server.pid} ready in ${lifetime.readyAt - spawnedAt} ms`);
      return;
    }
    await sleep(100);
  }
  throw new Error(`the server did not start within 60 s: ${stderr.slice(-1000)}`);
}

async function stopServer(signal) {
  const lifetime = lifetimes.at(-1);
  lifetime.signal = signal;
  lifetime.killedAt = Date.now();
  const exited = new Promise((r) => server.once("exit", r));
  server.kill(signal);
  await exited;
  log(`server ${server.pid} stopped by ${signal} in ${lifetime.exitedAt - lifetime.killedAt} ms`);
}

/** The next due time of the catch-up schedule at or after `at`. */
function nextBoundary(at) {
  const period = CATCH_UP_PERIOD_S * 1000;
  return Math.ceil(at / period) * period;
}

function must(result) {
  if (result.status !== 0) throw new Error(`a toolsmith command failed (exit ${result.status}): ${result.stderr}`);
  return result;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
}

async function freePort() {
  const probe = createServer();
  await new Promise((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}
