import { readFileSync, statSync, writeFileSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCliSync, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

const TOKEN = "s3cr3t-token-value";
const PASSWORD = "pa55word-xyz";

let api: Fixture;
let other: Fixture;
let env: Connected;
let home: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  api = await startFixture({
    "/echo": (req, res, body) => json(res, 200, { authorization: req.headers.authorization ?? null, body, url: req.url }),
    "/auth": (req, res) => {
      if (req.headers.authorization === `Bearer ${TOKEN}`) json(res, 200, { ok: true, who: "token" });
      else if (req.headers.authorization === `Basic ${Buffer.from(`ada:${PASSWORD}`).toString("base64")}`) json(res, 200, { ok: true, who: "basic" });
      else json(res, 401, { error: "unauthorized" });
    },
  });
  other = await startFixture({ "/collect": (_req, res, body) => json(res, 200, { got: body }) });
  ({ home, cleanup } = await makeHome({ network: { allow: [`127.0.0.1:${api.port}`, `127.0.0.1:${other.port}`] } }));
  expect(runCliSync(["secret", "set", "API_TOKEN", "--host", `127.0.0.1:${api.port}`], { home, input: `${TOKEN}\n` }).code).toBe(0);
  expect(runCliSync(["secret", "set", "API_PASSWORD", "--host", `127.0.0.1:${api.port}`], { home, input: PASSWORD }).code).toBe(0);
  env = await connect(home);
});
afterAll(async () => {
  await env.close();
  await api.close();
  await other.close();
  await cleanup();
});

describe("secret CLI", () => {
  it("stores secrets with mode 0600, never echoes values, lists names and hosts only", () => {
    const file = join(home, "secrets.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const set = runCliSync(["secret", "set", "TEMP_KEY", "--host", "api.example.com", "--host", "*.example.org"], { home, input: "temp-value-123" });
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain("temp-value-123");
    const list = runCliSync(["secret", "list"], { home });
    expect(list.stdout).toContain("TEMP_KEY  api.example.com, *.example.org");
    expect(list.stdout).toContain("API_TOKEN");
    expect(list.stdout + list.stderr).not.toContain(TOKEN);
    expect(JSON.parse(readFileSync(file, "utf8")).secrets.TEMP_KEY).toEqual({ value: "temp-value-123", hosts: ["api.example.com", "*.example.org"] });
    expect(runCliSync(["secret", "remove", "TEMP_KEY"], { home }).code).toBe(0);
    expect(runCliSync(["secret", "list", "--json"], { home }).stdout).not.toContain("TEMP_KEY");
  });

  it("rejects bad usage clearly", () => {
    expect(runCliSync(["secret", "set", "lower", "--host", "x.com"], { home, input: "v" })).toMatchObject({ code: 2, stderr: expect.stringContaining("upper-case") });
    expect(runCliSync(["secret", "set", "NO_HOST"], { home, input: "v" })).toMatchObject({ code: 2, stderr: expect.stringContaining("--host") });
    expect(runCliSync(["secret", "set", "BAD_HOST", "--host", "a b"], { home, input: "v" })).toMatchObject({ code: 2, stderr: expect.stringContaining("Invalid host pattern") });
    expect(runCliSync(["secret", "set", "EMPTY", "--host", "x.com"], { home, input: "" })).toMatchObject({ code: 2, stderr: expect.stringContaining("empty") });
    expect(runCliSync(["secret", "remove", "NOPE"], { home })).toMatchObject({ code: 1, stderr: expect.stringContaining("API_TOKEN") });
    expect(runCliSync(["secret", "frob"], { home })).toMatchObject({ code: 2 });
    expect(runCliSync(["secret", "set", "FTP_KEY", "--host", "ftp://x.com"], { home, input: "v" })).toMatchObject({ code: 2, stderr: expect.stringContaining("http:// and https://") });
  });

  it("takes scheme and port in a secret's hosts, and says what a bare host means", () => {
    const set = runCliSync(["secret", "set", "SCHEMED", "--host", "https://api.example.com:8443", "--host", "http://localhost:3000"], { home, input: "schemed-value" });
    expect(set.code, set.stderr).toBe(0);
    expect(runCliSync(["secret", "list"], { home }).stdout).toContain("SCHEMED  https://api.example.com:8443, http://localhost:3000");
    expect(runCliSync(["secret", "remove", "SCHEMED"], { home }).code).toBe(0);
    const help = runCliSync(["secret", "set", "--help"], { home });
    expect(help.stdout + help.stderr).toContain("Without a scheme, a host means https only");
  });

  it("refuses to start on a broken secrets.json", async () => {
    const { home: bad, cleanup: done } = await makeHome();
    try {
      writeFileSync(join(bad, "secrets.json"), JSON.stringify({ secrets: { X: { value: "v" } } }));
      const r = runCliSync([], { home: bad });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("secrets.X.hosts");
      writeFileSync(join(bad, "secrets.json"), JSON.stringify({ secrets: {}, colour: 1 }));
      expect(runCliSync(["secret", "list"], { home: bad })).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown key 'colour': remove it or check its spelling") });
    } finally {
      await done();
    }
  });
});

describe("secrets in the sandbox", () => {
  it("gives guests a placeholder and substitutes the value for the secret's host only", async () => {
    const reply = await env.call("run_code", {
      code: `import { secret } from "toolsmith";
const token = secret("API_TOKEN");
const r = await fetch("${api.origin}/auth", { headers: { Authorization: "Bearer " + token } });
export default { placeholder: token.startsWith("tsm_secret_API_TOKEN_"), status: r.status, body: await r.json() };`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual({ placeholder: true, status: 200, body: { ok: true, who: "token" } });
  });

  it("refuses a request carrying the placeholder to any other host, and sends nothing", async () => {
    const reply = await env.call("run_code", {
      code: `import { secret } from "toolsmith";
export default await (await fetch("${other.origin}/collect", { method: "POST", body: "t=" + secret("API_TOKEN") })).json();`,
    });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("SecretRefusedError");
    expect(reply.body.error.message).toContain(`Secret 'API_TOKEN' may only be sent to 127.0.0.1:${api.port}`);
    expect(other.requests).toHaveLength(0);
  });

  it("supports Basic auth with basicAuth() and with btoa of a placeholder", async () => {
    const reply = await env.call("run_code", {
      code: `import { secret, basicAuth } from "toolsmith";
const a = await fetch("${api.origin}/auth", { headers: { Authorization: basicAuth("ada", secret("API_PASSWORD")) } });
const b = await fetch("${api.origin}/auth", { headers: { Authorization: "Basic " + btoa("ada:" + secret("API_PASSWORD")) } });
export default [(await a.json()).who, (await b.json()).who];`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual(["basic", "basic"]);
  });

  it("redacts values, raw and base64, from results, logs and errors; and stops echoed values leaving", async () => {
    const reply = await env.call("run_code", {
      code: `import { secret } from "toolsmith";
const echoed = await (await fetch("${api.origin}/echo", { headers: { Authorization: "Bearer " + secret("API_TOKEN") } })).json();
console.log("seen:", echoed.authorization);
export default { echoed: echoed.authorization };`,
    });
    expect(reply.text).not.toContain(TOKEN);
    expect(reply.body.result.echoed).toBe("Bearer [secret:API_TOKEN]");
    expect(reply.body.logs[0].text).toBe("seen: Bearer [secret:API_TOKEN]");

    const b64 = await env.call("run_code", {
      code: `import { secret } from "toolsmith";
const r = await (await fetch("${api.origin}/echo", { headers: { Authorization: "Basic " + btoa("ada:" + secret("API_PASSWORD")) } })).json();
throw new Error("failed with " + r.authorization);`,
    });
    expect(b64.text).not.toContain(Buffer.from(`ada:${PASSWORD}`).toString("base64"));
    expect(b64.body.error.message).toContain("[secret:API_PASSWORD]");
  });

  it("names the configured secrets when an unknown one is asked for", async () => {
    const reply = await env.call("run_code", { code: 'import { secret } from "toolsmith"; export default secret("MISSING")' });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.message).toContain("Unknown secret 'MISSING'");
    expect(reply.body.error.message).toContain("API_PASSWORD, API_TOKEN");
  });
});

describe("integrations declare what they touch", () => {
  const code = `import { secret } from "toolsmith";
export async function whoami(base: string): Promise<string> {
  const r = await fetch(base + "/auth", { headers: { Authorization: "Bearer " + secret("API_TOKEN") } });
  return (await r.json()).who;
}`;
  const test = () => `import { whoami } from "library/demo/whoami";
if (await whoami("${api.origin}") !== "token") throw new Error("wrong");`;

  it("fails the save when the test fetches an undeclared host, naming what to declare", async () => {
    const reply = await env.call("save_integration", { name: "demo/whoami", description: "Who am I", code, test: test(), secrets: ["API_TOKEN"] });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.message).toContain('Add "127.0.0.1" to hosts');
  });

  it("fails the save when the test uses an undeclared secret", async () => {
    const reply = await env.call("save_integration", { name: "demo/whoami", description: "Who am I", code, test: test(), hosts: [`127.0.0.1:${api.port}`] });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.message).toContain('Add "API_TOKEN" to secrets');
  });

  it("saves when both are declared, and search shows them and whether they are configured", async () => {
    const reply = await env.call("save_integration", { name: "demo/whoami", description: "Who am I", code, test: test(), hosts: [`127.0.0.1:${api.port}`], secrets: ["API_TOKEN"] });
    expect(reply.isError, reply.text).toBe(false);
    const found = (await env.call("search_library", { query: "whoami" })).body.results[0];
    expect(found).toMatchObject({ name: "demo/whoami", hosts: [`127.0.0.1:${api.port}`], secrets: ["API_TOKEN"] });
    expect(found.missingSecrets).toBeUndefined();
    await env.call("save_integration", { name: "demo/needs-key", description: "Needs a key", code: 'export const k = (): string => "x";', secrets: ["OTHER_KEY"] });
    expect((await env.call("search_library", { query: "needs key" })).body.results[0].missingSecrets).toEqual(["OTHER_KEY"]);
  });

  it("refuses code that contains a secret's value", async () => {
    const reply = await env.call("save_integration", { name: "demo/leaky", description: "Leaks", code: `export const token = (): string => "${TOKEN}";` });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("SecretInCode");
    expect(reply.body.error.message).toMatch(/^The code contains/);
    expect(reply.text).not.toContain(TOKEN);
  });

  it("says when it is the test that contains a secret's value", async () => {
    const reply = await env.call("save_integration", { name: "demo/leaky-test", description: "Leaks in its test", code: 'export const one = (): number => 1;', test: `const t = "${TOKEN}"; export default t.length;` });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.message).toMatch(/^The test contains the value of secret API_TOKEN/);
    expect(reply.text).not.toContain(TOKEN);
  });
});

describe("workspace", () => {
  it("reads and writes text and JSON, lists and removes", async () => {
    const reply = await env.call("run_code", {
      code: `import { workspace } from "toolsmith";
await workspace.write("notes/a.txt", "hello");
await workspace.writeJson("data/items.json", [1, 2, 3]);
const listed = await workspace.list();
const nested = await workspace.list("notes");
const text = await workspace.read("notes/a.txt");
const items = await workspace.readJson("data/items.json");
const removed = await workspace.remove("notes/a.txt");
export default { listed: listed.map((e) => e.path + ":" + e.type), nested: nested.map((e) => e.path + ":" + e.size), text, items, removed, after: (await workspace.list("notes")).length };`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual({ listed: ["data:directory", "notes:directory"], nested: ["notes/a.txt:5"], text: "hello", items: [1, 2, 3], removed: { removed: true }, after: 0 });
    expect(readFileSync(join(home, "workspace", "data", "items.json"), "utf8")).toContain("1");
  });

  it("keeps paths inside the workspace", async () => {
    mkdirSync(join(home, "workspace"), { recursive: true });
    symlinkSync("/etc", join(home, "workspace", "link-out"));
    for (const path of ["../secrets.json", "/etc/passwd", "a/../../config.json", "link-out/hostname", "C:\\\\x", ""]) {
      const reply = await env.call("run_code", { code: `import { workspace } from "toolsmith"; export default await workspace.read(${JSON.stringify(path)})` });
      expect(reply.isError, path).toBe(true);
      expect(reply.body.error.name, path).toBe("WorkspaceError");
    }
    const write = await env.call("run_code", { code: 'import { workspace } from "toolsmith"; export default await workspace.write("link-out/evil", "x")' });
    expect(write.body.error.message).toContain("symbolic link");
  });

  it("enforces the quota", async () => {
    const { home: small, cleanup: done } = await makeHome({ limits: { workspaceMb: 1 } });
    const tiny = await connect(small);
    try {
      const ok = await tiny.call("run_code", { code: 'import { workspace } from "toolsmith"; export default await workspace.write("a.txt", "x".repeat(600000))' });
      expect(ok.isError, ok.text).toBe(false);
      const over = await tiny.call("run_code", { code: 'import { workspace } from "toolsmith"; export default await workspace.write("b.txt", "x".repeat(600000))' });
      expect(over.body.error.message).toContain("quota");
      const replace = await tiny.call("run_code", { code: 'import { workspace } from "toolsmith"; export default await workspace.write("a.txt", "y".repeat(900000))' });
      expect(replace.isError, replace.text).toBe(false);
    } finally {
      await tiny.close();
      await done();
    }
  });
});
