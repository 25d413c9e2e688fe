import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { createServer } from "../../dist/server/create-server.js";
import { Toolsmith } from "../../dist/toolsmith.js";
import { connect, connectStdio, makeHome, runCli, spawnNode } from "../helpers.js";
import { SearchIndex } from "../../dist/library/search-index.js";
import { integrationResult } from "../../dist/library/search-results.js";
import { warmIndex } from "../../dist/search/search-snapshot.js";
import { snapshotHeadHint } from "../../dist/search/start-prefetch.js";

let home: string;
let cleanup: () => Promise<void>;
const snapshotFile = () => join(home, "state", "search-snapshot.json");
/** The snapshot's header line and its record lines. */
function readSnapshotFile(): { header: any; records: any[] } {
  const [header, ...lines] = readFileSync(snapshotFile(), "utf8").split("\n");
  expect(lines.pop()).toBe("");
  return { header: JSON.parse(header!), records: lines.map((l) => JSON.parse(l)) };
}
const git = (...args: string[]) => execFileSync("git", ["-C", join(home, "library"), "-c", "user.name=t", "-c", "user.email=t@t", ...args], { encoding: "utf8" });

/** Starts toolsmith on the home and searches at once (before the library has loaded), through a real MCP client. */
async function searchRightAfterStart(query: string): Promise<any> {
  const toolsmith = Toolsmith.open({ home, upstreams: false });
  const server = createServer(toolsmith);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: "search-start-test", version: "1.0.0" });
  await client.connect(clientTransport);
  try {
    const result = (await client.callTool({ name: "search_library", arguments: { query, limit: 20 } })) as any;
    expect(result.isError, JSON.stringify(result)).not.toBe(true);
    return result.structuredContent;
  } finally {
    await client.close();
    await toolsmith.close();
  }
}
const names = (body: any) => body.results.filter((r: { kind: string }) => r.kind === "integration").map((r: { name: string }) => r.name).sort();

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  const env = await connect(home);
  for (const name of ["snap/one", "snap/two"]) {
    const fn = name === "snap/one" ? "one" : "two";
    const saved = await env.call("save_integration", { name, description: `snapshot fixture ${fn}`, code: `/** Returns ${fn}. */\nexport const ${fn} = (): string => "${fn}";`, test: `import { ${fn} } from "library/${name}";\nif (${fn}() !== "${fn}") throw new Error("${fn}");` });
    expect(saved.isError, saved.text).toBe(false);
  }
  await env.close();
}, 120_000);
afterAll(async () => cleanup?.());

describe("the search index is saved in state/ and a restart answers from it", () => {
  it("closing saves the index with the library commit it reflects, and each record with its declarations' facts", () => {
    const { header, records } = readSnapshotFile();
    expect(header.head).toBe(git("rev-parse", "HEAD").trim());
    expect(records.map((r: { name: string }) => r.name)).toEqual(header.index.ids);
    expect(records.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(["snap/one", "snap/two"]));
    // The saves loaded the compiler: every record with declarations carries what search reads of them.
    const one = records.find((r) => r.name === "snap/one");
    expect(one.facts.exports).toEqual([expect.objectContaining({ name: "one", kind: "function", line: "one(): string" })]);
    expect(header.withFacts).toBe("1".repeat(records.length));
  });

  it("the start's early read finds the commit in a snapshot as writeSnapshot writes it, and only for this toolsmith's format and version", () => {
    const bytes = readFileSync(snapshotFile());
    expect(snapshotHeadHint(bytes)).toBe(readSnapshotFile().header.head);
    const header = readSnapshotFile().header;
    const other = (changes: object) => Buffer.from(`${JSON.stringify({ ...header, ...changes })}\n`);
    expect(snapshotHeadHint(other({}))).toBe(header.head);
    expect(snapshotHeadHint(other({ toolsmith: "0.0.0-other" }))).toBeUndefined();
    expect(snapshotHeadHint(other({ format: header.format + 1 }))).toBeUndefined();
    expect(snapshotHeadHint(Buffer.from('{"format":2,"toolsmith":'))).toBeUndefined();
  });

  it("a snapshot saved without facts (the compiler was not loaded then) gets them from the next start that has the compiler", async () => {
    const { header, records } = readSnapshotFile();
    const stripped = records.map(({ facts: _facts, ...record }) => JSON.stringify(record));
    writeFileSync(snapshotFile(), `${JSON.stringify({ ...header, withFacts: "0".repeat(records.length) })}\n${stripped.join("\n")}\n`);
    // This process has TypeScript loaded (the saves above): the start saves the snapshot again with the facts.
    const toolsmith = Toolsmith.open({ home, upstreams: false });
    await toolsmith.whenReady();
    await toolsmith.close();
    const again = readSnapshotFile();
    expect(again.header.withFacts).toBe("1".repeat(records.length));
    expect(again.records.find((r) => r.name === "snap/one").facts.exports[0].name).toBe("one");
  });

  it("a process without the compiler saves the facts its search read (by the facts thread) into the snapshot", async () => {
    const { header, records } = readSnapshotFile();
    const stripped = records.map(({ facts: _facts, ...record }) => JSON.stringify(record));
    writeFileSync(snapshotFile(), `${JSON.stringify({ ...header, withFacts: "0".repeat(records.length) })}\n${stripped.join("\n")}\n`);
    // A CLI command never loads the compiler on its main thread: the search starts the thread for its hits' facts.
    const searched = await runCli(["search", "snapshot fixture one", "--json", "--limit", "1"], { home });
    expect(searched.code, searched.stderr).toBe(0);
    expect(JSON.parse(searched.stdout).results[0]).toMatchObject({ name: "snap/one", outline: ["function one(): string"] });
    const again = readSnapshotFile();
    const at = again.records.findIndex((r) => r.name === "snap/one");
    expect(again.header.withFacts[at]).toBe("1");
    expect(again.records[at].facts.exports[0].name).toBe("one");
    // What no search showed still has none (a later start with the compiler adds them).
    expect(again.header.withFacts).toContain("0");
  });

  it("a process that started the facts thread for a pull and never searched exits by itself once closed", async () => {
    // A commit since the snapshot (a pull): a fresh process, which has no compiler, starts the
    // facts thread at once for what came in. That thread must never be what keeps it alive.
    git("commit", "-q", "--allow-empty", "-m", "pulled: nothing to index");
    const script = `import { Toolsmith } from ${JSON.stringify(join(import.meta.dirname, "..", "..", "dist", "toolsmith.js"))};
const toolsmith = Toolsmith.open({ home: ${JSON.stringify(home)}, upstreams: false });
await toolsmith.whenReady();
await toolsmith.close();
process.stdout.write("closed\\n");`;
    // A file, not `node -e`: worker threads inherit the process's execArgv, an -e script included.
    const file = join(home, "open-and-close.mjs");
    writeFileSync(file, script);
    const child = await spawnNode([file], { timeoutMs: 45_000 });
    expect(child.stdout).toBe("closed\n");
    expect(child.code, `killed at its timeout: something kept the process alive after close\n${child.stderr}`).toBe(0);
  });

  it("a restart with nothing changed answers the first search as before", async () => {
    const body = await searchRightAfterStart("snapshot fixture");
    expect(names(body)).toEqual(["snap/one", "snap/two"]);
    const one = body.results.find((r: { name: string }) => r.name === "snap/one");
    expect(one.outline).toEqual(["function one(): string"]);
    expect(one.import).toBe('import { one } from "library/snap/one";');
  });

  it("commits that came in since (a pull: one added with its declarations, one removed) are applied from the git diff", async () => {
    const lib = join(home, "library");
    mkdirSync(join(lib, "snap"), { recursive: true });
    writeFileSync(join(lib, "snap/three.ts"), 'export const three = (): number => 3;\n');
    writeFileSync(join(lib, "snap/three.d.ts"), "/** Three, from the committed declarations. */\nexport declare const three: () => number;\n");
    writeFileSync(join(lib, "snap/three.meta.json"), JSON.stringify({ description: "snapshot fixture three", tags: [], hosts: [], secrets: [], verified: true }));
    git("add", "snap/three.ts", "snap/three.d.ts", "snap/three.meta.json");
    git("rm", "-q", "snap/two.ts", "snap/two.test.ts", "snap/two.meta.json");
    git("commit", "-qm", "pulled: three in, two out");
    const body = await searchRightAfterStart("snapshot fixture");
    expect(names(body)).toEqual(["snap/one", "snap/three"]);
    const three = body.results.find((r: { name: string }) => r.name === "snap/three");
    expect(three.signature).toContain("Three, from the committed declarations.");
    expect(three.outline).toEqual(["function three(): number"]);
    // The close after that start saved the new state.
    expect(readSnapshotFile().header.head).toBe(git("rev-parse", "HEAD").trim());
  });

  it("rewritten history or a damaged snapshot only costs a full load: results stay right", async () => {
    git("reset", "-q", "--hard", "HEAD~1");
    expect(names(await searchRightAfterStart("snapshot fixture"))).toEqual(["snap/one", "snap/two"]);
    writeFileSync(snapshotFile(), '{"format":2,"toolsmith":');
    expect(names(await searchRightAfterStart("snapshot fixture"))).toEqual(["snap/one", "snap/two"]);
    expect(existsSync(snapshotFile())).toBe(true);
    expect(readSnapshotFile().header.head).toBe(git("rev-parse", "HEAD").trim());
    // A record line damaged in place (the file still has one line per record): the first search answers from the loaded library.
    const text = readFileSync(snapshotFile(), "utf8");
    writeFileSync(snapshotFile(), text.replace(/\n\{"name":"snap\/one"[^\n]*/, '\n{"name":"snap/one","code":'));
    const body = await searchRightAfterStart("snapshot fixture");
    expect(names(body)).toEqual(["snap/one", "snap/two"]);
    expect(body.results.find((r: { name: string }) => r.name === "snap/one").outline).toEqual(["function one(): string"]);
  });

  it("an index brought up to a pull from the working tree answers exactly as the full load does", async () => {
    const lib = join(home, "library");
    // The pull: one added with declarations, one added without (its signature is read from the code), one changed, one removed.
    writeFileSync(join(lib, "snap/four.ts"), "/** Four things. */\nexport function four(count: number): number[] {\n  return [count];\n}\n");
    writeFileSync(join(lib, "snap/four.d.ts"), "/** Four things. */\nexport declare function four(count: number): number[];\n");
    writeFileSync(join(lib, "snap/four.test.ts"), 'import { four } from "library/snap/four";\nif (four(4)[0] !== 4) throw new Error("four");\n');
    writeFileSync(join(lib, "snap/four.meta.json"), JSON.stringify({ description: "snapshot fixture four", tags: ["pulled"], hosts: [], secrets: [], verified: true }));
    writeFileSync(join(lib, "snap/five.ts"), "export const five = (label: string): string => label;\n");
    writeFileSync(join(lib, "snap/five.meta.json"), JSON.stringify({ description: "snapshot fixture five", tags: [], hosts: [], secrets: [], verified: false }));
    writeFileSync(join(lib, "snap/one.meta.json"), JSON.stringify({ description: "snapshot fixture one, described anew", tags: ["changed"], hosts: [], secrets: [], verified: true }));
    git("add", "snap");
    git("rm", "-q", "snap/two.ts", "snap/two.test.ts", "snap/two.meta.json");
    git("commit", "-qm", "pulled: four and five in, one changed, two out");
    const query = "snapshot fixture four";
    const index = new SearchIndex<any>();
    const warm = await warmIndex(index, join(home, "state"), lib);
    expect(warm?.head).toBe(git("rev-parse", "HEAD").trim());
    const early = index.search(query, 20).hits.filter((h: any) => h.kind === "integration").map((h: any) => integrationResult(h.record, "summary", { query, declarations: warm!.declarationsFor(h.record.name) }));
    const toolsmith = Toolsmith.open({ home, upstreams: false });
    await toolsmith.whenReady();
    const full = (await toolsmith.search({ query, limit: 20 })).results.filter((r: any) => r.kind === "integration");
    await toolsmith.close();
    expect(early.map((r) => r.name)).toEqual(["snap/four", "snap/five", "snap/one"]);
    expect(full.map((r: any) => r.name)).toEqual(early.map((r) => r.name));
    // Those that came with declarations are shown exactly alike. One without (five) shows the
    // signature read from its code until the compiler has derived its declarations (the full load).
    const shown = (list: any[]) => list.filter((r) => r.name !== "snap/five").map(({ usage: _u, lastVerification: _l, missingSecrets: _m, ...rest }: any) => rest);
    expect(shown(early)).toEqual(shown(full));
  });
});

describe("a served start after a large pull (the CLI reads what moved while its code loads)", () => {
  /** Past the count from which the pulled files are read from the commit, as git cat-file streams them. */
  const PULLED = 300;
  let pullHome: string;
  let cleanupPull: () => Promise<void>;
  const gitIn = (...args: string[]) => execFileSync("git", ["-C", join(pullHome, "library"), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "gc.auto=0", ...args], { encoding: "utf8" });
  afterAll(async () => cleanupPull?.());

  it("answers its first search over stdio with the pulled integrations, as the loaded library answers it", async () => {
    ({ home: pullHome, cleanup: cleanupPull } = await makeHome());
    // A first start saves the snapshot (starters only).
    const first = Toolsmith.open({ home: pullHome, upstreams: false });
    await first.whenReady();
    await first.close();
    const lib = join(pullHome, "library");
    mkdirSync(join(lib, "pulled"), { recursive: true });
    for (let i = 0; i < PULLED; i++) {
      const fn = `fetchParcel${i}`;
      writeFileSync(join(lib, `pulled/parcel-${i}.ts`), `export async function ${fn}(id: string): Promise<string> {\n  return id;\n}\n`);
      writeFileSync(join(lib, `pulled/parcel-${i}.d.ts`), `/** Fetches parcel ${i} by id. */\nexport declare function ${fn}(id: string): Promise<string>;\n`);
      writeFileSync(join(lib, `pulled/parcel-${i}.meta.json`), JSON.stringify({ description: `pulled parcel fixture number${i}`, tags: ["pulled"], hosts: [], secrets: [], verified: true }));
    }
    gitIn("add", "pulled");
    gitIn("rm", "-q", "csv.ts", "csv.test.ts", "csv.meta.json", "csv.d.ts");
    gitIn("commit", "-qm", "pulled: 300 parcels in, csv out");
    // Packed, as a pull brings objects.
    gitIn("gc", "-q");
    const served = await connectStdio(pullHome);
    try {
      const search = async (query: string) => ((await served.client.callTool({ name: "search_library", arguments: { query, limit: 5 } })) as any).structuredContent;
      const early = await search("pulled parcel fixture number137");
      const earlyCsv = await search("csv");
      // run_code waits for the library to load: the next searches answer from it.
      const ran = (await served.client.callTool({ name: "run_code", arguments: { code: "export default 1" } })) as any;
      expect(ran.isError, JSON.stringify(ran)).not.toBe(true);
      const loaded = await search("pulled parcel fixture number137");
      expect(early.results[0].name).toBe("pulled/parcel-137");
      expect(early.results[0].outline).toEqual(["function fetchParcel137(id: string): Promise<string>"]);
      expect(early.total).toBe(loaded.total);
      const shown = (body: any) => body.results.map(({ usage: _u, lastVerification: _l, missingSecrets: _m, ...rest }: any) => rest);
      expect(shown(early)).toEqual(shown(loaded));
      expect(earlyCsv.results.map((r: { name: string }) => r.name)).not.toContain("csv");
    } finally {
      await served.close();
    }
  });
});
