import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { FixtureRegistry } from "../fixtures/npm-registry.mjs";

/**
 * Popular pure-JS packages, served by the fixture registry from this repository's own
 * node_modules (exact-pinned devDependencies; zod is a dependency), so no test reaches
 * the public registry. Each makes one small real call inside the sandbox.
 */
const CASES: Array<{ pkg: string; code: string; expected: unknown }> = [
  { pkg: "yaml", code: 'import { parse, stringify } from "npm:yaml@2";\nexport default [parse("a: [1, 2]\\nb: text"), stringify({ x: 1 })];', expected: [{ a: [1, 2], b: "text" }, "x: 1\n"] },
  { pkg: "fast-xml-parser", code: 'import { XMLParser } from "npm:fast-xml-parser@5";\nexport default new XMLParser({ ignoreAttributes: false }).parse(\'<a id="7"><b>1</b><b>two</b></a>\');', expected: { a: { b: [1, "two"], "@_id": "7" } } },
  { pkg: "date-fns", code: 'import { addDays } from "npm:date-fns@4/addDays";\nimport { differenceInCalendarDays } from "npm:date-fns@4/differenceInCalendarDays";\nconst d = addDays(new Date(Date.UTC(2024, 0, 30, 12)), 3);\nexport default [d.toISOString().slice(0, 10), differenceInCalendarDays(d, new Date(Date.UTC(2024, 0, 1, 12)))];', expected: ["2024-02-02", 32] },
  { pkg: "lodash-es", code: 'import { chunk, groupBy, sortBy } from "npm:lodash-es@4";\nexport default [chunk([1, 2, 3], 2), groupBy(["one", "two", "three"], "length"), sortBy([3, 1, 2])];', expected: [[[1, 2], [3]], { 3: ["one", "two"], 5: ["three"] }, [1, 2, 3]] },
  { pkg: "zod", code: 'import { z } from "npm:zod@4";\nconst User = z.object({ name: z.string(), age: z.number().int() });\nexport default [User.safeParse({ name: "a", age: 3 }).success, User.safeParse({ name: "a", age: "x" }).success];', expected: [true, false] },
  { pkg: "papaparse", code: 'import Papa from "npm:papaparse@5";\nexport default Papa.parse("a,b\\n1,2\\n3,4", { header: true }).data;', expected: [{ a: "1", b: "2" }, { a: "3", b: "4" }] },
  { pkg: "uuid", code: 'import { v4, v5, validate, version } from "npm:uuid@11";\nconst id = v5("toolsmith", v5.URL);\nconst random = v4();\nexport default [validate(id), version(id), id, validate(random), version(random), random !== v4()];', expected: [true, 5, "bc30d350-ac22-53f4-b52d-4a8746487b57", true, 4, true] },
  { pkg: "jose", code: 'import { SignJWT, jwtVerify, decodeJwt } from "npm:jose@6";\nconst key = new TextEncoder().encode("a-secret-of-at-least-32-bytes-long!!");\nconst token = await new SignJWT({ sub: "42" }).setProtectedHeader({ alg: "HS256" }).setIssuer("me").sign(key);\nconst { payload } = await jwtVerify(token, key, { issuer: "me" });\nexport default [decodeJwt(token).sub, payload.sub, payload.iss];', expected: ["42", "42", "me"] },
  { pkg: "marked", code: 'import { marked } from "npm:marked@16";\nexport default marked.parse("# Hi\\n\\n*there*", { async: false });', expected: "<h1>Hi</h1>\n<p><em>there</em></p>\n" },
  { pkg: "htmlparser2", code: 'import { parseDocument, DomUtils } from "npm:htmlparser2@10";\nconst doc = parseDocument("<ul><li>a</li><li>b</li></ul>");\nexport default DomUtils.getElementsByTagName("li", doc).map((li) => DomUtils.textContent(li));', expected: ["a", "b"] },
];

describe("popular packages through npm:", () => {
  let registry: FixtureRegistry;
  let env: Connected;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    registry = await FixtureRegistry.start();
    const nodeModules = join(import.meta.dirname, "..", "..", "node_modules");
    for (const { pkg } of CASES) registry.publishInstalled(pkg, nodeModules);
    const home = await makeHome();
    cleanup = home.cleanup;
    env = await connect(home.home, { network: { allow: [registry.hostPattern] }, packages: { registry: registry.url } });
  });
  afterAll(async () => {
    await env?.close();
    await cleanup?.();
    await registry?.close();
  });

  it.each(CASES)("$pkg", async ({ code, expected }) => {
    const out = (await env.call("run_code", { code })).body;
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual(expected);
  });
});
