import type { RunReport } from "../sandbox/sandbox.js";
import { isCallerMisuse, type CallerMisuse } from "./caller-misuse.js";
import { emitDeclarations } from "./declarations.js";
import { LIBRARY_PREFIX } from "./names.js";
import { blame } from "./usage-stats.js";
import { diagnose, type DeclarationLookup, type TypeDiagnostic } from "./type-diagnostics.js";

/** Most diagnostics a failed run's error carries: the first few explain the failure; the rest is noise the model pays for. */
export const MAX_RUN_DIAGNOSTICS = 5;
/** Longest diagnostic message kept (TypeScript already shortens long types with "..."). */
export const MAX_DIAGNOSTIC_CHARS = 400;
/** Drafts' declarations kept by code between failed runs (a draft is usually re-tried a few times). */
const DRAFT_DECLARATIONS_KEPT = 20;

export interface RunDiagnostic {
  line: number;
  column: number;
  message: string;
  code: number;
}

/**
 * Type diagnostics for a failed run_code run: the agent's code checked against the sandbox
 * world, the library's declarations (a draft's instead of the saved one's) and the upstream
 * servers' signatures. Only failed runs pay for it; the compiler (1-3 s to load and bind its
 * libraries) is warmed once in the background after start (`warm`), so the first failure
 * pays a warm check (tens of milliseconds), not a cold one.
 */
export class RunDiagnostics {
  private readonly draftDeclarations = new Map<string, string>();

  constructor(
    private readonly misuse: CallerMisuse,
    /** `mcp/<server>` declarations, or undefined for a server that is not connected. */
    private readonly upstream: DeclarationLookup,
  ) {}

  /** Every diagnostic in `code` (sorted by position; empty when the check cannot run). */
  check(code: string, drafts: ReadonlyMap<string, string> = new Map()): TypeDiagnostic[] {
    const library = (name: string): string | undefined => {
      const draft = drafts.get(`${LIBRARY_PREFIX}${name}`);
      return draft === undefined ? this.misuse.declarationOf(name) : this.draftDeclaration(name, draft, library);
    };
    return diagnose({ code, filename: "main.ts", importable: { library, upstream: this.upstream } });
  }

  /**
   * Gives a failed report's error the (bounded) diagnostics of its code, and says whether
   * the failure is the caller's: thrown inside an integration that the code called with
   * arguments its declarations refuse (usage figures then do not count it against it).
   * A successful report is left alone, without any compiler work.
   */
  annotate(report: RunReport, code: string, drafts: ReadonlyMap<string, string>): { callerMisuse: boolean } {
    if (report.ok) return { callerMisuse: false };
    const found = this.check(code, drafts);
    if (found.length) report.error.diagnostics = boundDiagnostics(found);
    return { callerMisuse: blame(report.error.stack) !== undefined && found.some(isCallerMisuse) };
  }

  /** Loads TypeScript and binds the sandbox world and ES libraries (synchronous, 1-3 s cold). */
  warm(): void {
    diagnose({ code: 'import { sleep } from "toolsmith";\nexport default await sleep(0);\n', filename: "main.ts" });
  }

  private draftDeclaration(name: string, code: string, library: DeclarationLookup): string {
    const key = `${name}\n${code}`;
    const kept = this.draftDeclarations.get(key);
    if (kept !== undefined) return kept;
    // Set first: a draft importing itself through others resolves to an empty module, not a loop.
    this.draftDeclarations.set(key, "");
    const dts = emitDeclarations({ name, code, importable: { library, upstream: this.upstream } }).dts;
    this.draftDeclarations.set(key, dts);
    if (this.draftDeclarations.size > DRAFT_DECLARATIONS_KEPT) this.draftDeclarations.delete(this.draftDeclarations.keys().next().value!);
    return dts;
  }
}

/** What a run's error carries: the first MAX_RUN_DIAGNOSTICS, each message cut at a line or word. */
export function boundDiagnostics(found: readonly TypeDiagnostic[]): RunDiagnostic[] {
  return found.slice(0, MAX_RUN_DIAGNOSTICS).map(({ line, column, message, code }) => ({ line, column, message: boundMessage(message), code }));
}

/**
 * A message within MAX_DIAGNOSTIC_CHARS: whole lines of TypeScript's message chain (the
 * first always, it says what is wrong), else the first line cut at a space, never inside a word.
 */
function boundMessage(message: string): string {
  if (message.length <= MAX_DIAGNOSTIC_CHARS) return message;
  const lines = message.split("\n");
  let kept = lines[0]!;
  if (kept.length > MAX_DIAGNOSTIC_CHARS) {
    const cut = kept.lastIndexOf(" ", MAX_DIAGNOSTIC_CHARS - 2);
    return `${kept.slice(0, cut > 0 ? cut : MAX_DIAGNOSTIC_CHARS - 2)} …`;
  }
  for (const line of lines.slice(1)) {
    if (kept.length + 1 + line.length > MAX_DIAGNOSTIC_CHARS - 2) break;
    kept += `\n${line}`;
  }
  return `${kept}\n…`;
}
