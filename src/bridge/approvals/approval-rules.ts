import type { ApprovalSettings } from "../../config/schema.js";
import { matchesAllowList, parseHostPattern, type HostPattern, type MatchTarget } from "../../util/net/host-patterns.js";

/** A saved integration's caller name is this followed by its name. */
const SAVED_CALLER_PREFIX = "library/";

/** Methods that read: a fetch rule without `methods` asks for every other one. */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Which rule asked for approval, as a person finds it in config.json. */
export interface MatchedRule {
  /** `approvals.rules[2]` or `approvals.destructiveTools`. */
  setting: string;
  /** The rule in words, e.g. `POST, PUT to *.stripe.com`. */
  describe: string;
}

interface CompiledFetchRule {
  index: number;
  hosts: HostPattern[];
  /** Upper-case methods; undefined: every method but GET, HEAD, OPTIONS. */
  methods: Set<string> | undefined;
  anyMethod: boolean;
}

interface CompiledToolRule {
  index: number;
  patterns: Array<{ source: string; regex: RegExp }>;
}

/**
 * `approvals` from config.json, compiled once: which fetches and upstream tool calls
 * need a person's approval, and which integrations are trusted to make them unasked.
 */
export class ApprovalRules {
  private readonly fetchRules: CompiledFetchRule[] = [];
  private readonly toolRules: CompiledToolRule[] = [];
  private readonly trustedPatterns: RegExp[];

  constructor(readonly settings: ApprovalSettings) {
    settings.rules.forEach((rule, index) => {
      if (rule.fetch) {
        const methods = rule.fetch.methods;
        this.fetchRules.push({
          index,
          hosts: rule.fetch.hosts.map(parseHostPattern),
          methods: methods ? new Set(methods) : undefined,
          anyMethod: methods?.includes("*") ?? false,
        });
      }
      if (rule.tools) this.toolRules.push({ index, patterns: rule.tools.map((source) => ({ source, regex: globToRegex(source) })) });
    });
    this.trustedPatterns = settings.trusted.map(globToRegex);
  }

  /** Whether any question can ever be asked (no rules and no destructive tools: approvals cost nothing). */
  get active(): boolean {
    return this.fetchRules.length > 0 || this.toolRules.length > 0 || this.settings.destructiveTools;
  }

  get timeoutMs(): number {
    return this.settings.timeoutSeconds * 1000;
  }

  /** The first rule that makes `method` to `target` need approval. */
  forFetch(method: string, target: MatchTarget): MatchedRule | undefined {
    const upper = method.toUpperCase();
    for (const rule of this.fetchRules) {
      const methodMatches = rule.anyMethod || (rule.methods ? rule.methods.has(upper) : !READ_METHODS.has(upper));
      if (!methodMatches || !matchesAllowList(rule.hosts, target).allowed) continue;
      const methods = rule.anyMethod ? "any method" : rule.methods ? [...rule.methods].join(", ") : "any method but GET, HEAD, OPTIONS";
      return { setting: `approvals.rules[${rule.index}]`, describe: `${methods} to ${rule.hosts.map((h) => h.source).join(", ")}` };
    }
    return undefined;
  }

  /** The first rule that makes `server/tool` need approval; `destructive` is the tool's destructiveHint. */
  forTool(server: string, tool: string, destructive: boolean): MatchedRule | undefined {
    const name = `${server}/${tool}`;
    for (const rule of this.toolRules) {
      const hit = rule.patterns.find((p) => p.regex.test(name));
      if (hit) return { setting: `approvals.rules[${rule.index}]`, describe: `upstream tool ${hit.source}` };
    }
    if (destructive && this.settings.destructiveTools) return { setting: "approvals.destructiveTools", describe: "upstream tools annotated destructiveHint: true" };
    return undefined;
  }

  /**
   * Whether a call by `caller` runs unasked: only a saved integration's own code
   * (`library/<name>`, never `main` or a `draft:` module) whose name is listed.
   */
  trustsCaller(caller: string): boolean {
    return this.trustedIntegration(caller) !== undefined;
  }

  /** The trusted saved integration `caller` names (see trustsCaller), or undefined. */
  trustedIntegration(caller: string): string | undefined {
    if (!caller.startsWith(SAVED_CALLER_PREFIX)) return undefined;
    const name = caller.slice(SAVED_CALLER_PREFIX.length);
    return this.trusts(name) ? name : undefined;
  }

  /** Whether the saved integration `name` is listed in `approvals.trusted`. */
  trusts(name: string): boolean {
    return this.trustedPatterns.some((p) => p.test(name));
  }
}

/** `*` matches any run of characters (slashes included); everything else is literal. */
export function globToRegex(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}
