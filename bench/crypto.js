// toolsmith crypto benchmark: HMAC-SHA256 signatures inside a run, with the key held by
// the host (made from a secret placeholder, as a webhook or SigV4 signer would), and with
// an ordinary imported key for comparison. Each signature is timed inside the guest with
// performance.now() (the host's monotonic clock) around one awaited crypto.subtle.sign.
// Prints the medians (and p90) over every signature of every sample run; target: ≤ 0.3 ms.
// The floor line times the cheapest awaited host call the same way: what any host call costs.
//
//   npx tsc -p tsconfig.json && node bench/crypto.js
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Toolsmith } from "../dist/toolsmith.js";

const SAMPLE_RUNS = 15;
const SIGNATURES_PER_RUN = 500;
const WARMUP_SIGNATURES = 50;
const TARGET_MS = 0.3;

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const home = mkdtempSync(join(tmpdir(), "toolsmith-bench-crypto-"));
writeFileSync(join(home, "secrets.json"), JSON.stringify({ secrets: { WEBHOOK_SECRET: { value: "whsec-bench-value-0123456789", hosts: ["hooks.example.com"] } } }), { mode: 0o600 });
const toolsmith = Toolsmith.open({ home });

/**
 * Guest code: imports the key as `keyExpr` says, then times each `operation` (a signature
 * over a webhook-sized body, or for the floor an awaited progress() call, the cheapest host call).
 */
const program = (keyExpr, operation = 'crypto.subtle.sign("HMAC", key, body)') => `
import { progress, secret } from "toolsmith";
const enc = new TextEncoder();
const key = await crypto.subtle.importKey("raw", ${keyExpr}, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const body = enc.encode("1700000000." + JSON.stringify({ id: "evt_123", type: "invoice.paid", data: { amount: 4200, currency: "eur" } }));
for (let i = 0; i < ${WARMUP_SIGNATURES}; i++) await ${operation};
const times = [];
for (let i = 0; i < ${SIGNATURES_PER_RUN}; i++) {
  const t0 = performance.now();
  await ${operation};
  times.push(performance.now() - t0);
}
export default times;`;

async function measure(label, keyExpr, operation) {
  const all = [];
  const runMedians = [];
  for (let i = 0; i < SAMPLE_RUNS; i++) {
    const report = await toolsmith.run(program(keyExpr, operation), { timeoutMs: 60_000 });
    if (!report.ok) throw new Error(`${label}: the run failed: ${report.error.name}: ${report.error.message}`);
    all.push(...report.result);
    runMedians.push(percentile(report.result, 50));
  }
  const p50 = percentile(all, 50);
  const line = `${label}: median ${p50.toFixed(4)} ms per call, p90 ${percentile(all, 90).toFixed(4)} ms (runs' medians ${Math.min(...runMedians).toFixed(4)}..${Math.max(...runMedians).toFixed(4)} ms; ${SAMPLE_RUNS} runs x ${SIGNATURES_PER_RUN} calls)`;
  console.log(line);
  return p50;
}

try {
  await toolsmith.whenReady();
  const secretKey = await measure("HMAC-SHA256, key from secret(), held by the host", 'secret("WEBHOOK_SECRET")');
  await measure("HMAC-SHA256, ordinary raw key, held by the host", 'enc.encode("an ordinary key")');
  await measure("floor: an awaited progress() host call", 'enc.encode("unused")', 'progress("x")');
  console.log(`target: <= ${TARGET_MS} ms per signature with a host-held key: ${secretKey <= TARGET_MS ? "met" : "NOT met"}`);
} finally {
  await toolsmith.close();
  rmSync(home, { recursive: true, force: true });
}
