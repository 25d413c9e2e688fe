import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeStateFile } from "./state-files.js";
import { LIBRARY_PREFIX } from "./names.js";

/** Durations kept per integration to compute its typical (median) duration. */
const DURATION_SAMPLES = 20;
/** Usage is written to disk at most this often. */
const PERSIST_DELAY_MS = 1_000;

const FiguresSchema = z.object({
  runs: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  lastError: z.string().optional(),
  lastErrorAt: z.string().optional(),
  lastRunAt: z.string().optional(),
  durations: z.array(z.number()).default([]),
});
type StoredFigures = z.infer<typeof FiguresSchema>;

/** What search shows of an integration's use. */
export interface UsageFigures {
  runs: number;
  failures: number;
  typicalMs?: number;
  lastRunAt?: string;
  lastError?: string;
  lastErrorAt?: string;
}

export interface RunForUsage {
  /** `library/<name>` specifiers the run loaded. */
  modules: string[];
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
    for (const name of used) {
      const f = this.figures.get(name) ?? { runs: 0, failures: 0, durations: [] };
      f.runs++;
      f.lastRunAt = now;
      f.durations = [...f.durations, Math.round(run.durationMs * 100) / 100].slice(-DURATION_SAMPLES);
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
    const sorted = [...f.durations].sort((a, b) => a - b);
    const out: UsageFigures = { runs: f.runs, failures: f.failures };
    if (sorted.length) out.typicalMs = sorted[Math.floor((sorted.length - 1) / 2)]!;
    if (f.lastRunAt) out.lastRunAt = f.lastRunAt;
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
