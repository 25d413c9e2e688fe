import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

const MAX_OUTPUT = 2000;

/** Guest code and the same value built here, for each item shape. */
const SHAPES = {
  number: { code: "i", make: (i: number): unknown => i },
  string: { code: "'item ' + i", make: (i: number): unknown => `item ${i}` },
  object: { code: "({ i, s: 'row ' + i })", make: (i: number): unknown => ({ i, s: `row ${i}` }) },
  pair: { code: "[i, i * 2]", make: (i: number): unknown => [i, i * 2] },
  wide: { code: "({ i, text: 'x'.repeat(200) })", make: (i: number): unknown => ({ i, text: "x".repeat(200) }) },
} as const;

const MARKER = /^…\[\+(\d+) items\]$/;

/** The kept items of a possibly cut array and the count it says it dropped. */
function counted(list: unknown[]): { kept: unknown[]; dropped: number } {
  const last = list[list.length - 1];
  const m = typeof last === "string" ? MARKER.exec(last) : null;
  return m ? { kept: list.slice(0, -1), dropped: Number(m[1]) } : { kept: list, dropped: 0 };
}

describe("truncated results count what they drop", () => {
  const server = useServer({ limits: { maxOutputChars: MAX_OUTPUT } });

  it("kept items plus the stated remainder equal the original count; truncated only when the full JSON does not fit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(SHAPES) as Array<keyof typeof SHAPES>)), fc.integer({ min: 0, max: 3000 }), fc.boolean(), async (shape, length, nested) => {
        const { code, make } = SHAPES[shape];
        const list = `Array.from({ length: ${length} }, (_, i) => ${code})`;
        const reply = await server.env.call("run_code", { code: `export default ${nested ? `{ title: "report", rows: ${list} }` : list}` });
        expect(reply.isError, reply.text.slice(0, 300)).toBe(false);
        const full = Array.from({ length }, (_, i) => make(i));
        const fullJson = JSON.stringify(nested ? { title: "report", rows: full } : full);
        const rows = (nested ? reply.body.result.rows : reply.body.result) as unknown[];
        expect(Array.isArray(rows), JSON.stringify(reply.body.result).slice(0, 200)).toBe(true);
        const { kept, dropped } = counted(rows);
        expect(kept.length + dropped).toBe(length);
        // Kept items are items, never bare placeholders.
        expect(kept.includes("…")).toBe(false);
        expect(reply.body.truncated === true).toBe(fullJson.length > MAX_OUTPUT);
        expect(JSON.stringify(reply.body.result).length).toBeLessThanOrEqual(MAX_OUTPUT);
      }),
      { numRuns: 40, seed: 20261202 },
    );
  });

  it("the cases seen by agents: 300 and 1,000 objects, 1,000 numbers, 2,000 objects", async () => {
    for (const [length, code] of [[300, SHAPES.object.code], [1000, SHAPES.object.code], [1000, SHAPES.number.code], [2000, SHAPES.object.code]] as const) {
      const reply = await server.env.call("run_code", { code: `export default Array.from({ length: ${length} }, (_, i) => ${code})` });
      const { kept, dropped } = counted(reply.body.result);
      expect(kept.length + dropped).toBe(length);
      expect(kept.filter((k) => k === "…")).toHaveLength(0);
    }
  });
});
