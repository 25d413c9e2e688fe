import { describe, expect, it } from "vitest";
import { CallerBindings, UPSTREAM_HOST_CALL } from "../../dist/sandbox/worker/caller-bindings.js";
import { upstreamModuleSource } from "../../dist/bridge/upstream/upstream-modules.js";

/** Secrets as a counter, so the tests can name them; the worker uses 128 random bits. */
function bindings() {
  let n = 0;
  return new CallerBindings(() => `secret${++n}`);
}

describe("CallerBindings (which module's code made a host call)", () => {
  it("binds an assigned module's free fetch through a one-time token; other modules are left as they are", () => {
    const b = bindings();
    b.assign("library/pay/refund", "library/pay/refund");
    const js = "export async function refund() { return fetch('https://x'); }";
    const bound = b.source("library/pay/refund", js);
    expect(bound.split("\n")).toHaveLength(1);
    expect(bound).toMatch(/^import \{ __internal as __toolsmith_caller_caps \} from "toolsmith"; const fetch = __toolsmith_caller_caps\.bindCaller\("secret1"\)\.fetch; export async function refund/);
    expect(b.source("library/other", js)).toBe(js);
    expect(b.source("main.ts", js)).toBe(js);
  });

  it("a token is spent once; the key it gives names the caller; unknown tokens and keys name nobody", () => {
    const b = bindings();
    b.assign("library/pay/refund", "library/pay/refund");
    b.source("library/pay/refund", "export const x = 1;");
    expect(b.claim("secret2")).toBeUndefined();
    const key = b.claim("secret1");
    expect(key).toBe("secret2");
    expect(b.claim("secret1")).toBeUndefined();
    expect(b.callerOf(key!, "fetch", "{}")).toBe("library/pay/refund");
    expect(b.callerOf("secret1", "fetch", "{}")).toBeUndefined();
    b.clear();
    expect(b.callerOf(key!, "fetch", "{}")).toBeUndefined();
  });

  it("a module that declares or imports its own fetch is not bound (its calls stay the run's)", () => {
    const b = bindings();
    b.assign("library/a", "library/a");
    for (const js of ["const fetch = globalThis.fetch;", "function fetch() {}", 'import { fetch } from "library/b";', 'import { get as fetch } from "library/b";', 'import fetch from "npm:x@1";', 'import * as fetch from "library/b";']) {
      expect(b.source("library/a", js)).toBe(js);
    }
    const importsByName = 'import { get } from "library/fetch-utils";\nexport const go = () => fetch("https://x");';
    expect(b.source("library/a", importsByName)).not.toBe(importsByName);
  });

  it("only a bound importer gets its own mcp/<server> instance, and that instance calls the host under its importer's name", () => {
    const b = bindings();
    b.assign("library/a", "library/a");
    expect(b.instanceFor("library/a", "mcp/github")).toBe("mcp/github#for:library/a");
    expect(b.instanceFor("main.ts", "mcp/github")).toBe("mcp/github");
    expect(b.instanceFor("library/unbound", "mcp/github")).toBe("mcp/github");
    expect(b.instanceFor("library/a", "library/b")).toBe("library/b");
    expect(CallerBindings.codeOf("mcp/github#for:library/a")).toBe("mcp/github");
    const js = upstreamModuleSource("github", [{ name: "delete_repo", inputSchema: { type: "object" } } as never]);
    expect(js).toContain(UPSTREAM_HOST_CALL);
    const bound = b.source("mcp/github#for:library/a", js);
    expect(bound).not.toContain(UPSTREAM_HOST_CALL);
    expect(bound).toContain('bindCaller("secret1").hostCall');
    const key = b.claim("secret1")!;
    expect(b.callerOf(key, "mcp.call", JSON.stringify({ server: "github", tool: "delete_repo", args: {} }))).toBe("library/a");
    // Arguments bent to another server (or another call) are not the instance's: the run's own.
    expect(b.callerOf(key, "mcp.call", JSON.stringify({ server: "stripe", tool: "refund", args: {} }))).toBeUndefined();
    expect(b.callerOf(key, "fetch", JSON.stringify({ server: "github" }))).toBeUndefined();
    expect(b.callerOf(key, "mcp.call", "not json")).toBeUndefined();
    expect(b.source("mcp/github", js)).toBe(js);
  });
});
