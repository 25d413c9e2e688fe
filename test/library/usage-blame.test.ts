import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

const CODE = `/** Upper-cases every item; refuses an empty list. */
export function upper(list: string[]): string[] {
  if (list.length === 0) throw new Error("empty list");
  return list.map((s) => s.toUpperCase());
}`;

describe("usage figures blame the integration only for its own failures", () => {
  const server = useServer();
  const usage = async () => (await server.env.call("search_library", { query: "upper" })).body.results.find((r: { name: string }) => r.name === "checks/upper")?.usage;

  it("a call with arguments the integration's types refuse is the caller's failure, with the type error attached", async () => {
    const saved = await server.env.call("save_integration", { name: "checks/upper", description: "Upper-cases a list of strings", code: CODE, test: 'import { upper } from "library/checks/upper";\nif (upper(["a"])[0] !== "A") throw new Error("bad");' });
    expect(saved.isError, saved.text).toBe(false);
    const misuse = await server.env.call("run_code", { code: 'import { upper } from "library/checks/upper";\nexport default upper(5);' });
    expect(misuse.isError).toBe(true);
    expect(misuse.body.error.name).toBe("TypeError");
    expect(misuse.body.error.diagnostics).toEqual([expect.objectContaining({ line: 2, code: 2345, message: expect.stringContaining("not assignable to parameter of type 'string[]'") })]);
    expect(await usage()).toMatchObject({ runs: 1, failures: 0 });
  });

  it("a well-typed call that fails inside the integration counts against it", async () => {
    const own = await server.env.call("run_code", { code: 'import { upper } from "library/checks/upper";\nexport default upper([]);' });
    expect(own.body.error.message).toBe("empty list");
    expect(own.body.error.diagnostics).toBeUndefined();
    expect(await usage()).toMatchObject({ runs: 2, failures: 1, lastError: "Error: empty list" });
  });
});
