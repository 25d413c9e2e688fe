import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import type { Asker } from "../../dist/bridge/approvals/approval-gate.js";
import type { Toolsmith } from "../../dist/toolsmith.js";
import { makeHome } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { openHome } from "../server/approvals-clients.js";

/**
 * The property the issue sets: whatever a person (or no person) does, no request that a rule
 * covers reaches the server without an "allow" recorded in state/approvals.jsonl first.
 * Each step is one run: a guest that makes a few POSTs and, on ApprovalDeniedError, catches
 * it and retries; each question gets the next of a random list of behaviours.
 */
type Behaviour = "once" | "run" | "deny" | "timeout" | "cancel" | "client-error";

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { arbitrary: fc.constantFrom<Behaviour>("once", "run", "deny", "client-error"), weight: 8 },
  { arbitrary: fc.constant<Behaviour>("cancel"), weight: 1 },
  { arbitrary: fc.constant<Behaviour>("timeout"), weight: 1 },
);
const step = fc.record({
  answers: fc.array(behaviour, { minLength: 1, maxLength: 3 }),
  requests: fc.integer({ min: 1, max: 3 }),
  retries: fc.integer({ min: 0, max: 2 }),
  elicitation: fc.oneof({ arbitrary: fc.constant(true), weight: 6 }, { arbitrary: fc.constant(false), weight: 1 }),
});

let api: Fixture;
let made: { home: string; cleanup: () => Promise<void> };
let toolsmith: Toolsmith;
beforeAll(async () => {
  api = await startFixture({ "/orders": (_req, res) => json(res, 200, { ok: true }) });
  made = await makeHome();
  toolsmith = await openHome(made.home, {
    network: { allow: ["127.0.0.1"] },
    approvals: { rules: [{ fetch: { hosts: ["127.0.0.1"], methods: ["POST"] } }], timeoutSeconds: 1 },
  });
});
afterAll(async () => {
  await toolsmith?.close();
  await made?.cleanup();
  await api?.close();
});

async function records(): Promise<Array<{ runId: string; what: string; decision: string }>> {
  const text = await readFile(join(made.home, "state", "approvals.jsonl"), "utf8").catch(() => "");
  return text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

const ALLOWED = new Set(["allowed-once", "allowed-for-run", "allowed-by-earlier-answer"]);
let stepId = 0;

describe("approvals: no request without a recorded allow (property)", () => {
  it("holds over random sequences of allow, deny, timeout, cancel, client errors, no elicitation and guests that retry", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 3 }), async (steps) => {
        for (const s of steps) {
          const id = `s${stepId++}`;
          const cancel = new AbortController();
          let asked = 0;
          let runId: string | undefined;
          const asker: Asker = (question) => {
            runId = question.runId;
            const b = s.answers[asked++ % s.answers.length]!;
            if (b === "once" || b === "run" || b === "deny") return Promise.resolve({ answer: b });
            if (b === "client-error") return Promise.reject(new Error("the client went away"));
            if (b === "cancel") cancel.abort();
            return new Promise(() => undefined);
          };
          const code = `
            const out = [];
            for (let i = 0; i < ${s.requests}; i++) {
              for (let attempt = 0; attempt <= ${s.retries}; attempt++) {
                try {
                  out.push((await fetch("${api.origin}/orders?k=${id}-" + i + "-" + attempt, { method: "POST", body: "x" })).status);
                  break;
                } catch (e) {
                  if (e.name !== "ApprovalDeniedError") throw e;
                  out.push(e.name);
                }
              }
            }
            export default out;`;
          const report = await toolsmith.run(code, { asker: s.elicitation ? asker : undefined, signal: cancel.signal });
          const received = api.requests.filter((r) => r.url.includes(`k=${id}-`)).map((r) => `POST ${api.origin}${r.url}`);
          const log = await records();
          const mine = log.filter((r) => r.what.includes(`k=${id}-`));
          const allowed = mine.filter((r) => ALLOWED.has(r.decision)).map((r) => r.what);
          // Nothing reached the server without a recorded allow.
          for (const url of received) expect(allowed).toContain(url);
          expect(received.length).toBeLessThanOrEqual(allowed.length);
          // Every question was recorded, and a run that was not cancelled sent everything it was allowed to.
          if (!cancel.signal.aborted) {
            expect(report.ok).toBe(true);
            expect(received.sort()).toEqual([...allowed].sort());
          }
          if (runId) expect(new Set(mine.map((r) => r.runId))).toEqual(new Set([runId]));
          if (!s.elicitation) expect(mine.every((r) => r.decision === "unaskable")).toBe(true);
        }
      }),
      { numRuns: 15 },
    );
  }, 300_000);
});
