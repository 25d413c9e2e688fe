import { describe, expect, it } from "vitest";
import { ApprovalRules } from "../../dist/bridge/approvals/approval-rules.js";
import { cutPreview, showSecrets } from "../../dist/bridge/approvals/approval-preview.js";
import { parseConfig } from "../../dist/config/load-config.js";

const rulesOf = (approvals: unknown) => new ApprovalRules(parseConfig(JSON.stringify({ approvals })).approvals);
const target = (hostname: string, port = 443) => ({ hostname, port });

describe("approval rules (config.json approvals)", () => {
  it("trusts only a saved integration's own calls whose name approvals.trusted lists: never main or a draft", () => {
    const rules = rulesOf({ rules: [{ fetch: { hosts: ["*"] } }], trusted: ["stripe/*", "billing/refund"] });
    expect(rules.trustsCaller("library/stripe/refunds")).toBe(true);
    expect(rules.trustsCaller("library/billing/refund")).toBe(true);
    expect(rules.trustsCaller("library/billing/refund2")).toBe(false);
    expect(rules.trustsCaller("library/github/issues")).toBe(false);
    expect(rules.trustsCaller("draft:library/stripe/refunds")).toBe(false);
    expect(rules.trustsCaller("main")).toBe(false);
    expect(rules.trustsCaller("stripe/refunds")).toBe(false);
    expect(rulesOf({ rules: [{ fetch: { hosts: ["*"] } }] }).trustsCaller("library/stripe/refunds")).toBe(false);
  });

  it("a fetch rule without methods covers every method but GET, HEAD and OPTIONS, on its hosts only", () => {
    const rules = rulesOf({ rules: [{ fetch: { hosts: ["*.stripe.com"] } }] });
    expect(rules.forFetch("POST", target("api.stripe.com"))).toEqual({ setting: "approvals.rules[0]", describe: "any method but GET, HEAD, OPTIONS to *.stripe.com" });
    expect(rules.forFetch("delete", target("api.stripe.com"))?.setting).toBe("approvals.rules[0]");
    for (const method of ["GET", "HEAD", "OPTIONS"]) expect(rules.forFetch(method, target("api.stripe.com"))).toBeUndefined();
    expect(rules.forFetch("POST", target("stripe.com"))).toBeUndefined();
    expect(rules.forFetch("POST", target("api.github.com"))).toBeUndefined();
  });

  it("methods are matched case-insensitively; '*' covers them all; the first matching rule is named", () => {
    const rules = rulesOf({ rules: [{ fetch: { hosts: ["api.github.com"], methods: ["delete"] } }, { fetch: { hosts: ["*"], methods: ["*"] } }] });
    expect(rules.forFetch("DELETE", target("api.github.com"))?.setting).toBe("approvals.rules[0]");
    expect(rules.forFetch("GET", target("api.github.com"))?.setting).toBe("approvals.rules[1]");
    expect(rules.forFetch("GET", target("example.org"))?.describe).toBe("any method to *");
  });

  it("tool patterns match <server>/<tool>; destructiveHint tools need approval unless destructiveTools is false", () => {
    const rules = rulesOf({ rules: [{ tools: ["github/delete_*"] }] });
    expect(rules.forTool("github", "delete_repo", false)).toEqual({ setting: "approvals.rules[0]", describe: "upstream tool github/delete_*" });
    expect(rules.forTool("github", "get_repo", false)).toBeUndefined();
    expect(rules.forTool("gitlab", "delete_repo", false)).toBeUndefined();
    expect(rules.forTool("memory", "delete_entities", true)?.setting).toBe("approvals.destructiveTools");
    expect(rulesOf({ destructiveTools: false }).forTool("memory", "delete_entities", true)).toBeUndefined();
    expect(rulesOf({ destructiveTools: false }).active).toBe(false);
    expect(rulesOf({}).active).toBe(true);
  });

  it("bad approvals settings are refused with a message that says what to write", () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ rules: [{}] }, /a rule needs "fetch".*or "tools"/],
      [{ rules: [{ fetch: { hosts: [] } }] }, /at least one host pattern/],
      [{ rules: [{ fetch: { hosts: ["https://api.stripe.com/"] } }] }, /Invalid host pattern/],
      [{ rules: [{ fetch: { hosts: ["x.com"], methods: ["PO ST"] } }] }, /an HTTP method such as "POST"/],
      [{ rules: [{ tools: ["delete_repo"] }] }, /"<server>\/<tool>"/],
      [{ timeoutSeconds: 0 }, /approvals\.timeoutSeconds/],
      [{ trusted: ["Stripe Refund"] }, /integration name or pattern/],
      [{ rule: [] }, /rule/],
    ];
    for (const [approvals, message] of bad) expect(() => parseConfig(JSON.stringify({ approvals }))).toThrow(message);
  });
});

describe("what a person is shown", () => {
  it("secret placeholders and values appear as [secret:NAME]", () => {
    const redact = (text: string) => text.split("sk_live_123").join("[secret:STRIPE_KEY]");
    expect(showSecrets("key=tsm_secret_STRIPE_KEY_abc123&echo=sk_live_123&other=tsm_secret_X_zzz", "abc123", redact)).toBe(
      "key=[secret:STRIPE_KEY]&echo=[secret:STRIPE_KEY]&other=tsm_secret_X_zzz",
    );
  });

  it("a long preview is cut at a boundary and says how much is not shown", () => {
    const text = `{"items":[${Array.from({ length: 400 }, (_, i) => `"item-${i}"`).join(",")}]}`;
    const cut = cutPreview(text, 100);
    expect(cut.length).toBeLessThan(160);
    const shown = cut.slice(0, cut.indexOf("…"));
    expect(text.startsWith(shown)).toBe(true);
    expect(text[shown.length]).toMatch(/[\s,;:{}[\]"'&=]/);
    expect(cut).toContain(`(${text.length - shown.length} more characters not shown)`);
    expect(cutPreview("short", 100)).toBe("short");
  });
});
