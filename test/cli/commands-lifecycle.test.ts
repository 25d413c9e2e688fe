import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHome, runCli } from "../helpers.js";

/** An upstream that starts and never answers MCP: it used to keep every CLI command alive. */
const SILENT_UPSTREAM = { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] };

describe("CLI commands with a stdio upstream that never answers", () => {
  let home: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ home, cleanup } = await makeHome({ mcpServers: { silent: SILENT_UPSTREAM } }));
    // Create and seed the library once, so each command below does only its own work.
    expect((await runCli(["log", "--max", "1"], { home })).code).toBe(0);
  }, 120_000);
  afterAll(() => cleanup());

  // Each must exit by itself: the upstream's connect timeout (30 s) is longer than this bound.
  // Commands that only read or write git (log, diff, sync) do not start upstreams at all.
  it.each([
    { args: ["log", "--max", "1"], startsUpstreams: false },
    { args: ["diff", "csv"], startsUpstreams: false },
    { args: ["sync"], startsUpstreams: false },
    { args: ["run", "-"], startsUpstreams: true, prints: "42" },
    { args: ["search", "csv"], startsUpstreams: true, prints: "csv" },
  ])("$args.0 exits by itself", async ({ args, startsUpstreams, prints }) => {
    const outcome = await runCli(args, { home, input: "export default 6 * 7", timeoutMs: 25_000 });
    expect(outcome.code, outcome.stderr).not.toBeNull();
    if (!startsUpstreams) expect(outcome.stderr).not.toMatch(/upstream 'silent'/);
    if (prints) expect(outcome.stdout).toContain(prints);
  });
});

describe("--home", () => {
  it("names the home on the command line (for clients that pass no environment)", async () => {
    const { home, cleanup } = await makeHome();
    try {
      const env = { ...process.env, TOOLSMITH_HOME: join(home, "not-this-one") };
      const outcome = await runCli(["--home", home, "log", "--max", "1"], { env });
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stdout).toMatch(/Seed library/);
      expect(outcome.stderr).toContain(join(home, "library"));
    } finally {
      await cleanup();
    }
  });

  it("refuses an empty --home with a message", async () => {
    const outcome = await runCli(["log", "--home", ""]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--home needs a folder/);
  });
});

describe("without git on PATH", () => {
  it("refuses to start, saying once what is missing and how to install it", async () => {
    const { home, cleanup } = await makeHome();
    try {
      // A PATH with node and nothing else.
      const bin = join(home, "bin");
      await mkdir(bin);
      await symlink(process.execPath, join(bin, "node"));
      const outcome = await runCli(["serve"], { home, env: { PATH: bin, HOME: home }, timeoutMs: 25_000 });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/needs git, and git is not installed or not on PATH/);
      expect(outcome.stderr).toMatch(/apt-get install git/);
      expect(outcome.stderr).not.toMatch(/\n\s+at /); // no stack
      expect(outcome.stdout).toBe(""); // nothing but MCP on stdout
    } finally {
      await cleanup();
    }
  });
});

describe("doctor", () => {
  it("reports each check and fails on an upstream that does not start", async () => {
    const { home, cleanup } = await makeHome({ mcpServers: { missing: { command: "toolsmith-no-such-command", args: [] } } });
    try {
      await writeFile(join(home, "secrets.json"), JSON.stringify({ secrets: { API_KEY: { value: "abcdefgh12345", hosts: ["api.example.com"] } } }), { mode: 0o644 });
      const outcome = await runCli(["doctor", "--json"], { home, timeoutMs: 40_000 });
      expect(outcome.code, outcome.stderr).toBe(1);
      const report = JSON.parse(outcome.stdout) as { checks: Array<{ item: string; status: string; detail: string }> };
      const byItem = Object.fromEntries(report.checks.map((c) => [c.item, c]));
      expect(byItem.git?.status).toBe("ok");
      expect(byItem["config.json"]?.status).toBe("ok");
      expect(byItem["secrets.json"]).toMatchObject({ status: "warn", detail: expect.stringMatching(/chmod 600/) });
      expect(byItem["upstream 'missing'"]).toMatchObject({ status: "fail", detail: expect.stringMatching(/not found/) });
      expect(outcome.stdout).not.toContain("abcdefgh12345");
    } finally {
      await cleanup();
    }
  });

  it("names a broken config.json", async () => {
    const { home, cleanup } = await makeHome();
    try {
      await writeFile(join(home, "config.json"), '{ "limits": { "timeoutMs": "soon" } }');
      const outcome = await runCli(["doctor"], { home, timeoutMs: 40_000 });
      expect(outcome.code).toBe(1);
      expect(outcome.stdout).toMatch(/FAIL\s+config\.json: .*timeoutMs/s);
    } finally {
      await cleanup();
    }
  });
});

describe("doctor on schedules.json and hooks.json", () => {
  it("names each entry that is not used and what is wrong with it, and warns on a readable hooks.json", async () => {
    const { home, cleanup } = await makeHome();
    try {
      const schedules = {
        schedules: {
          weekly: { cron: "0 9 * * MON", tz: "Europe/Berlin", integration: "demo/report", export: "weekly" },
          broken: { cron: "every monday", integration: "demo/report", export: "weekly" },
          "Bad Id": { cron: "0 9 * * *", integration: "demo/report", export: "weekly" },
          lost: { cron: "0 9 * * *", tz: "Mars/Olympus", integration: "demo/report", export: "weekly" },
        },
      };
      await writeFile(join(home, "schedules.json"), JSON.stringify(schedules));
      await writeFile(join(home, "hooks.json"), JSON.stringify({ hooks: { push: { integration: "demo/report", export: "onPush", secret: "s".repeat(64) } } }), { mode: 0o644 });
      const outcome = await runCli(["doctor", "--json"], { home, timeoutMs: 40_000 });
      expect(outcome.code, outcome.stderr).toBe(1);
      const byItem = Object.fromEntries((JSON.parse(outcome.stdout) as { checks: Array<{ item: string; status: string; detail: string }> }).checks.map((c) => [c.item, c]));
      const detail = byItem["schedules.json"]?.detail ?? "";
      expect(byItem["schedules.json"]?.status).toBe("fail");
      expect(detail).toMatch(/3 entries are not used/);
      expect(detail).toMatch(/schedules\.broken\.cron.*'every monday' is not a cron expression/);
      expect(detail).toMatch(/'schedules\.Bad Id': ids are/);
      expect(detail).toMatch(/'Mars\/Olympus' is not a time zone/);
      expect(detail).toContain("the other 1 work");
      expect(byItem["hooks.json"]).toMatchObject({ status: "warn", detail: expect.stringMatching(/chmod 600/) });
      expect(outcome.stdout).not.toContain("s".repeat(64));
      // A file that is not JSON at all: nothing in it is used.
      await writeFile(join(home, "schedules.json"), "{ schedules: ");
      await writeFile(join(home, "hooks.json"), JSON.stringify({ hooks: {} }), { mode: 0o600 });
      const again = await runCli(["doctor"], { home, timeoutMs: 40_000 });
      expect(again.stdout).toMatch(/FAIL\s+schedules\.json: schedules\.json is not valid JSON.*no schedule fires/);
      expect(again.stdout).toMatch(/ok\s+hooks\.json: no hooks/);
    } finally {
      await cleanup();
    }
  });
});

describe("config.json syntax errors", () => {
  it("name the line and column, not a byte offset or a snippet of the file", async () => {
    const { home, cleanup } = await makeHome();
    try {
      await writeFile(join(home, "config.json"), '{\n  "mcpServers": {\n    "x": { "url": "https://mcp.example.com", "headers": { "Authorization": "Bearer TOKEN123" } },\n  }\n}\n');
      const outcome = await runCli(["log"], { home, timeoutMs: 25_000 });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/config\.json is not valid JSON \(line 4, column 3: /);
      expect(outcome.stderr).not.toContain("TOKEN123");
    } finally {
      await cleanup();
    }
  });
});
