import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { connect, makeHome, runCliSync, useServer } from "../helpers.js";
import { json, startFixture } from "../helpers/http-fixture.js";
import { parseConfig } from "../../dist/config/load-config.js";

const ROOT = join(import.meta.dirname, "..", "..");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
/** README.md and every page under docs/, by path from the repository root. */
const PAGES = new Map<string, string>([
  ["README.md", README],
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f): [string, string] => [`docs/${f}`, readFileSync(join(ROOT, "docs", f), "utf8")]),
]);

/** The fenced block that follows `<!-- example: NAME -->` in the README or a docs page (exactly one). */
function example(name: string): string {
  const pattern = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``, "g");
  const found = [...PAGES.values()].flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1]!));
  if (found.length !== 1) throw new Error(`expected one example '${name}' in README.md and docs/, found ${found.length}`);
  return found[0]!;
}

const server = useServer();

describe("README examples run as documented", () => {
  it("the config.json example is a valid config", () => {
    const config = parseConfig(example("config"));
    expect(config.limits.timeoutMs).toBe(30000);
    expect(config.network.allow).toEqual(["*", "localhost:8080"]);
    expect(config.sandbox.wasmInlining).toBe(true);
  });

  it("run_code example returns the result its comment shows", async () => {
    const code = example("run_code");
    const expected = JSON.parse(/\/\/ → (.*)$/m.exec(code)![1]!);
    const reply = await server.env.call("run_code", { code });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual(expected);
  });

  it("save_integration example saves a verified integration", async () => {
    const args = JSON.parse(example("save_integration"));
    const reply = await server.env.call("save_integration", args);
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.verified).toBe(true);
    const used = await server.env.call("run_code", { code: `import { slugify } from "library/${args.name}"; export default slugify("A B")` });
    expect(used.body.result).toBe("a-b");
  });

  it("fetch example runs against a local stand-in for the API, with the secret substituted", async () => {
    const api = await startFixture({
      "/repos/nodejs/node/issues": (req, res) =>
        req.headers.authorization === "Bearer ghp_example_token_123"
          ? json(res, 200, [{ number: 1, title: "busy", comments: 12 }, { number: 2, title: "quiet", comments: 1 }])
          : json(res, 401, { message: "Bad credentials" }),
    });
    const made = await makeHome({ network: { allow: [`127.0.0.1:${api.port}`] } });
    try {
      const set = runCliSync(["secret", "set", "GITHUB_TOKEN", "--host", `127.0.0.1:${api.port}`], { home: made.home, input: "ghp_example_token_123" });
      expect(set.code, set.stderr).toBe(0);
      const local = await connect(made.home);
      try {
        const code = example("fetch").replace("https://api.github.com", api.origin);
        const reply = await local.call("run_code", { code });
        expect(reply.isError, reply.text).toBe(false);
        expect(reply.body.result).toEqual([{ number: 1, title: "busy" }]);
      } finally {
        await local.close();
      }
    } finally {
      await made.cleanup();
      await api.close();
    }
  });

  it("every relative link in README.md and docs/*.md points to an existing file", () => {
    const broken: string[] = [];
    for (const [page, text] of PAGES) {
      // Fenced code is not prose: a `](` there is not a link.
      const prose = text.replace(/```[\s\S]*?```/g, "");
      for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
        const file = resolve(ROOT, dirname(page), decodeURIComponent(target.split("#")[0]!));
        if (!existsSync(file)) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("the tool list figure in the README is the real one", async () => {
    const { tools } = await server.env.client.listTools();
    const { encode } = await import("gpt-tokenizer/encoding/o200k_base");
    const tokens = encode(JSON.stringify(tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })))).length;
    expect(README).toContain(`**${tokens} tokens**`);
  });
});
