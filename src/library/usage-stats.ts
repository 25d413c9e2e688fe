import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeStateFile } from "./state-files.js";
import { LIBRARY_PREFIX } from "./names.js";

/** Durations kept per integration to compute its typical (median) duration. */
const DURATION_SAMPLES = 20;
/** `typicalMs` is shown once this many successful direct runs were timed: one run never sets it alone. */
const MIN_TYPICAL_SAMPLES = 3;
/** Usage is written to disk at most this often. */
const PERSIST_DELAY_MS = 1_000;

const FiguresSchema = z.object({
  runs: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  lastError: z.string().optional(),
  lastErrorAt: z.string().optional(),
  lastRunAt: z.string().optional(),
  durations: z.array(z.number()).default([]),
  indirectRuns: z.number().int().nonnegative().default(0),
});
type StoredFigures = z.infer<typeof FiguresSchema>;

/**
 * What search shows of an integration's use on this machine. A run "uses it directly"
 * when the run's own code imports `library/<name>`; a run that only reaches it through
 * another integration's import counts in `indirectRuns` and nowhere else, so an
 * integration never shows its caller's times.
 */
export interface UsageFigures {
  /** Runs whose own code imported it. */
  runs: number;
  /** Runs in which its own code threw (the error's first stack frame is in it), however it was reached; not when the caller passed arguments its declarations refuse. */
  failures: number;
  /** Median wall time of its last successful direct runs (up to 20; shown from 3 on), whole runs in ms. */
  typicalMs?: number;
  /** When a run last imported it directly. */
  lastRunAt?: string;
  /** Runs that loaded it only because another integration imports it. */
  indirectRuns?: number;
  lastError?: string;
  lastErrorAt?: string;
}

export interface RunForUsage {
  /** `library/<name>` specifiers the run loaded. */
  modules: string[];
  /** The specifiers the run's own code imports (see `directImports`); when absent, every loaded module counts as direct. */
  direct?: readonly string[];
  ok: boolean;
  error?: { name: string; message: string; stack?: string };
  durationMs: number;
  /** The run's own code called the failing integration with arguments its declarations do not accept: not the integration's failure. */
  callerMisuse?: boolean;
  /**
   * The integration the run was started for (a schedule or hook): a failure no stack
   * frame blames on an integration (a timeout, a missing export) counts against it.
   */
  owner?: string;
}

/**
 * Usage figures per integration, in the home's `state/usage.json` (not in git: they
 * describe this machine's runs). Callers record redacted reports: the figures are shown
 * by search and kept on disk. A failure counts against the integration whose code
 * threw, read from the error's first stack frame, not against the code that called it,
 * and not when that code passed arguments the integration's declarations do not accept.
 */
export class UsageStats {
  private figures = new Map<string, StoredFigures>();
  private timer: NodeJS.Timeout | undefined;
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, "usage.json");
  }

  async load(): Promise<void> {
    try {
      const raw = JSON.parse(await readFile(this.file, "utf8")) as Record<string, unknown>;
      for (const [name, value] of Object.entries(raw)) {
        const parsed = FiguresSchema.safeParse(value);
        if (parsed.success) this.figures.set(name, parsed.data);
      }
    } catch {
      this.figures = new Map();
    }
  }

  record(run: RunForUsage): void {
    const now = new Date().toISOString();
    const used = run.modules.filter((m) => m.startsWith(LIBRARY_PREFIX)).map((m) => m.slice(LIBRARY_PREFIX.length));
    const blamed = run.ok || run.callerMisuse ? undefined : (blame(run.error?.stack) ?? run.owner);
    const direct = run.direct ? new Set(run.direct) : undefined;
    for (const name of used) {
      const f = this.figures.get(name) ?? { runs: 0, failures: 0, durations: [], indirectRuns: 0 };
      if (!direct || direct.has(`${LIBRARY_PREFIX}${name}`)) {
        f.runs++;
        f.lastRunAt = now;
        // A failed run's time says when it stopped, not how long the work takes.
        if (run.ok) f.durations = [...f.durations, Math.round(run.durationMs * 100) / 100].slice(-DURATION_SAMPLES);
      } else {
        f.indirectRuns++;
      }
      if (name === blamed) {
        f.failures++;
        f.lastError = `${run.error!.name}: ${run.error!.message}`.slice(0, 500);
        f.lastErrorAt = now;
      }
      this.figures.set(name, f);
    }
    if (used.length) this.schedulePersist();
  }

  get(name: string): UsageFigures | undefined {
    const f = this.figures.get(name);
    if (!f) return undefined;
    const out: UsageFigures = { runs: f.runs, failures: f.failures };
    if (f.durations.length >= MIN_TYPICAL_SAMPLES) out.typicalMs = median(f.durations);
    if (f.lastRunAt) out.lastRunAt = f.lastRunAt;
    if (f.indirectRuns) out.indirectRuns = f.indirectRuns;
    if (f.lastError) {
      out.lastError = f.lastError;
      out.lastErrorAt = f.lastErrorAt;
    }
    return out;
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await writeStateFile(this.file, JSON.stringify(Object.fromEntries(this.figures)));
    } catch {
      // Figures are a cache of history, never needed for correctness.
    }
  }

  private schedulePersist(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), PERSIST_DELAY_MS);
    this.timer.unref();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const value = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(value * 100) / 100;
}

/** Static `library/…` specifiers in a run's own code (`import … from`, `import "…"`, `import("…")`, `export … from`). */
export function directImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](library\/[^"'\s]+)["']/g)) found.add(m[1]!);
  return [...found];
}

/** The integration named by the first stack frame, if that frame is in library code. */
export function blame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split("\n")) {
    const m = /\(?([^\s()]+):\d+:\d+\)?\s*$/.exec(line.trim());
    if (!m) continue;
    return m[1]!.startsWith(LIBRARY_PREFIX) ? m[1]!.slice(LIBRARY_PREFIX.length) : undefined;
  }
  return undefined;
}
