// Edit tokens: what an agent spends to add one function to a 250-line integration,
// by `edits` (one find/replace pair anchored on the last function) versus by re-sending
// the whole file as `code`. Counts o200k tokens (src/context/count-tokens.ts) of the
// save_integration arguments plus the result text the model reads back, each way, on a
// real server (in-process, real MCP client, temp home, real git). Prints one markdown
// table and the ratio; the target is ≤ 25%.
//
//   npm run build && node bench/edit-tokens.js
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { countTokens } from "../dist/context/count-tokens.js";
import { createServer } from "../dist/server/create-server.js";
import { Toolsmith } from "../dist/toolsmith.js";

const TARGET = 0.25;
const RESOURCES = ["project", "issue", "comment", "label", "milestone", "user", "team", "webhook", "release", "branch", "commit"];

/** A realistic integration: typed records, an error class, a request helper and list/get/create per resource. */
function integration() {
  const cap = (s) => s[0].toUpperCase() + s.slice(1);
  const lines = [
    `import { secret } from "toolsmith";`,
    ``,
    `const BASE = "https://tracker.example.com/api/v2";`,
    ``,
    `/** Thrown when the tracker answers with an error status. */`,
    `export class TrackerError extends Error {`,
    `  constructor(readonly status: number, message: string) {`,
    `    super(message);`,
    `  }`,
    `}`,
    ``,
    `async function request<T>(path: string, init: RequestInit = {}): Promise<T> {`,
    `  const response = await fetch(BASE + path, { ...init, headers: { authorization: "Bearer " + secret("TRACKER_TOKEN"), "content-type": "application/json" } });`,
    `  if (!response.ok) throw new TrackerError(response.status, await response.text());`,
    `  return (await response.json()) as T;`,
    `}`,
    ``,
  ];
  for (const r of RESOURCES) {
    const T = cap(r);
    lines.push(
      `/** A ${r} as the tracker returns it. */`,
      `export interface ${T} {`,
      `  id: number;`,
      `  name: string;`,
      `  createdAt: string;`,
      `}`,
      ``,
      `/** Lists ${r}s, newest first; \`page\` starts at 1. */`,
      `export async function list${T}s(page = 1): Promise<${T}[]> {`,
      `  return request<${T}[]>("/${r}s?page=" + page);`,
      `}`,
      ``,
      `/** One ${r} by id. */`,
      `export async function get${T}(id: number): Promise<${T}> {`,
      `  return request<${T}>("/${r}s/" + id);`,
      `}`,
      ``,
      `/** Creates a ${r} and returns it. */`,
      `export async function create${T}(name: string): Promise<${T}> {`,
      `  return request<${T}>("/${r}s", { method: "POST", body: JSON.stringify({ name }) });`,
      `}`,
      ``,
    );
  }
  return `${lines.join("\n")}\n`;
}

const ADDED = `
/** Closes an issue and returns it. */
export async function closeIssue(id: number): Promise<Issue> {
  return request<Issue>("/issues/" + id, { method: "PATCH", body: JSON.stringify({ state: "closed" }) });
}
`;

async function main() {
  const home = await mkdtemp(join(tmpdir(), "toolsmith-bench-edit-"));
  const toolsmith = Toolsmith.open({ home });
  await toolsmith.whenReady();
  const server = createServer(toolsmith);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: "bench-edit-tokens", version: "1.0.0" });
  await client.connect(clientTransport);
  const save = async (args) => {
    const result = await client.callTool({ name: "save_integration", arguments: args });
    const text = result.content?.[0]?.text ?? "";
    if (result.isError) throw new Error(`save failed: ${text}`);
    // What enters the model's context: the call's arguments and the result's text.
    return { tokens: countTokens(JSON.stringify(args)) + countTokens(text), text };
  };
  try {
    const code = integration();
    const lastFunction = `export async function createRelease(name: string): Promise<Release> {\n  return request<Release>("/releases", { method: "POST", body: JSON.stringify({ name }) });\n}\n`;
    const anchor = code.indexOf("/** A branch as");
    const description = "Tracker REST client: list, get and create projects, issues, comments, labels and more.";
    const base = { name: "tracker", description, code };
    await save(base);
    const withAdded = code.slice(0, anchor) + ADDED.slice(1) + "\n" + code.slice(anchor);
    // The whole file again, as an agent without edits must send it.
    const whole = await save({ name: "tracker", code: withAdded });
    await save(base);
    const edited = await save({ name: "tracker", edits: [{ find: lastFunction, replace: lastFunction + ADDED }] });
    const ratio = edited.tokens / whole.tokens;
    console.log(`integration: ${code.split("\n").length - 1} lines, ${countTokens(code)} tokens; added function: ${ADDED.trim().split("\n").length} lines`);
    console.log("");
    console.log("| way | tokens (arguments + result) |");
    console.log("|---|---|");
    console.log(`| re-send the file (code) | ${whole.tokens} |`);
    console.log(`| edits | ${edited.tokens} |`);
    console.log("");
    console.log(`ratio edits / re-send: ${(ratio * 100).toFixed(1)}% (target ≤ ${TARGET * 100}%: ${ratio <= TARGET ? "met" : "NOT met"})`);
  } finally {
    await client.close();
    await server.close();
    await toolsmith.close();
    await rm(home, { recursive: true, force: true });
  }
}

await main();
