import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

describe("progress notifications", () => {
  const server = useServer();

  it("carry every console line, the run's last one included, before the result", async () => {
    const seen: string[] = [];
    const result = (await server.env.client.callTool(
      { name: "run_code", arguments: { code: 'import { progress } from "toolsmith";\nconsole.log("first");\nawait progress("middle");\nconsole.log("last line");\nexport default 1' } },
      { onprogress: (p) => seen.push(String(p.message)) },
    )) as { structuredContent: { result: unknown } };
    expect(result.structuredContent.result).toBe(1);
    expect(seen).toEqual(["first", "middle", "last line"]);
  });

  it("carry a run's only console line", async () => {
    const seen: string[] = [];
    await server.env.client.callTool({ name: "run_code", arguments: { code: 'console.log("only"); export default 2' } }, { onprogress: (p) => seen.push(String(p.message)) });
    expect(seen).toEqual(["only"]);
  });
});
