// Approvals benchmark: does a run that needs no approval cost the same with approvals
// configured as without? Two `toolsmith serve` processes (stdio, SDK 1.x client), on two
// homes that differ only in config.json's `approvals`:
//   off: { rules: [], destructiveTools: false }   (no gate at all)
//   on:  a fetch rule for *.stripe.com (non-GET) and destructiveTools: true (the default);
//        the runs below match no rule, so every call is checked and none is asked.
// Samples alternate between the two servers; prints medians (ms) and on/off ratios.
//
//   npm run build && node bench/approvals.js
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.js");
const WARMUP = 30;
const SAMPLES = Number(process.env.BENCH_APPROVALS_SAMPLES ?? 200);

const api = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end('{"ok":true}');
});
await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${api.address().port}`;

async function start(approvals) {
  const home = mkdtempSync(join(tmpdir(), "toolsmith-bench-approvals-"));
  writeFileSync(join(home, "config.json"), JSON.stringify({ network: { allow: ["127.0.0.1", "*.stripe.com"] }, approvals }));
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { TOOLSMITH_HOME: home, PATH: process.env.PATH ?? "" }, stderr: "ignore" });
  const client = new Client({ name: "bench-approvals", version: "1.0.0" }, { capabilities: { elicitation: { form: {} } } });
  await client.connect(transport);
  return { client, home };
}

async function timeRun(client, code) {
  const t0 = performance.now();
  const result = await client.callTool({ name: "run_code", arguments: { code } }, undefined, { timeout: 120_000 });
  const ms = performance.now() - t0;
  if (result.isError) throw new Error(`run failed: ${result.content?.[0]?.text}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const off = await start({ rules: [], destructiveTools: false });
const on = await start({ rules: [{ fetch: { hosts: ["*.stripe.com"] } }], destructiveTools: true });
const cases = [
  ["compute only (export default 1 + 1)", "export default 1 + 1;"],
  ["one GET to 127.0.0.1", `export default (await fetch("${origin}/x")).status;`],
  ["one POST to 127.0.0.1 (no rule matches)", `export default (await fetch("${origin}/x", { method: "POST", body: "{}" })).status;`],
  // With approvals on, a saved integration is loaded with its own fetch (approvals.trusted, see docs/approvals.md).
  ["a saved integration imported, then one GET", `import { parseCsv } from "library/csv";\nexport default [parseCsv("a\\n1").length, (await fetch("${origin}/x")).status];`],
];
const rows = [];
try {
  for (const [label, code] of cases) {
    process.stderr.write(`${label}: warming up\n`);
    for (let i = 0; i < WARMUP; i++) {
      await timeRun(off.client, code);
      await timeRun(on.client, code);
    }
    const a = [];
    const b = [];
    for (let i = 0; i < SAMPLES; i++) {
      // Alternate which side goes first, so neither always runs on a just-woken machine.
      if (i % 2) {
        a.push(await timeRun(off.client, code));
        b.push(await timeRun(on.client, code));
      } else {
        b.push(await timeRun(on.client, code));
        a.push(await timeRun(off.client, code));
      }
    }
    rows.push([label, median(a), median(b)]);
  }
} finally {
  for (const side of [off, on]) {
    await side.client.close().catch(() => undefined);
    rmSync(side.home, { recursive: true, force: true });
  }
  api.close();
}
console.log(`| run_code round trip (median of ${SAMPLES}) | approvals off | approvals on, no rule matches | on/off |`);
console.log("|---|---:|---:|---:|");
for (const [label, a, b] of rows) console.log(`| ${label} | ${a.toFixed(2)} ms | ${b.toFixed(2)} ms | ${(b / a).toFixed(3)} |`);
