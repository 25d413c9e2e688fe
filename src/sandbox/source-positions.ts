import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

/** Where an error happened, in the code the agent wrote. */
export interface SourcePosition {
  line: number;
  column: number;
}

const FRAME = /^(\s*at\s+)(.*?)\s*\(?([^\s()]+):(\d+):(\d+)\)?\s*$/;

/** Maps QuickJS stack frames (positions in transpiled JS) back to the TypeScript sources. */
export class SourceMapper {
  private readonly maps = new Map<string, TraceMap>();

  constructor(private readonly rawMaps: ReadonlyMap<string, string>) {}

  /** Rewrites every frame of a QuickJS stack; frames of unknown files are kept as they are. */
  mapStack(stack: string): { stack: string; first?: SourcePosition & { file: string } } {
    let first: (SourcePosition & { file: string }) | undefined;
    const lines = stack
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((line) => {
        const m = FRAME.exec(line);
        if (!m) return line;
        const [, lead, fn, file, l, c] = m as unknown as [string, string, string, string, string, string];
        const pos = this.map(file, Number(l), Number(c));
        if (!pos) return line;
        first ??= { file, ...pos };
        const name = fn && fn !== "<anonymous>" && fn !== "<eval>" ? `${fn} ` : "";
        return `${lead}${name}(${file}:${pos.line}:${pos.column})`;
      });
    return { stack: collapseFrames(lines).join("\n"), first };
  }

  /** The first frame that is in `file` (e.g. the agent's `main.ts`). */
  firstIn(stack: string, file: string): SourcePosition | undefined {
    for (const line of stack.split("\n")) {
      const m = FRAME.exec(line);
      if (m && m[3] === file) {
        const pos = this.map(file, Number(m[4]), Number(m[5]));
        if (pos) return pos;
      }
    }
    return undefined;
  }

  private map(file: string, line: number, column: number): SourcePosition | undefined {
    let trace = this.maps.get(file);
    if (!trace) {
      const raw = this.rawMaps.get(file);
      if (!raw) return undefined;
      trace = new TraceMap(raw);
      this.maps.set(file, trace);
    }
    // QuickJS columns are 1-based; source maps use 0-based columns.
    const pos = originalPositionFor(trace, { line, column: Math.max(0, column - 1) });
    if (pos.line === null) {
      // Nothing maps exactly there (e.g. inside generated glue): fall back to the line start.
      const lineStart = originalPositionFor(trace, { line, column: 0 });
      if (lineStart.line === null) return undefined;
      return { line: lineStart.line, column: lineStart.column + 1 };
    }
    return { line: pos.line, column: pos.column + 1 };
  }
}

/** Most stack lines kept in an error: a runaway recursion would otherwise fill the reply. */
const MAX_STACK_LINES = 20;

/** Repeated frames in a row become one line with a count; the whole is capped. */
export function collapseFrames(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    while (j < lines.length && lines[j] === lines[i]) j++;
    out.push(j - i > 1 ? `${lines[i]} [repeated ${j - i} times]` : lines[i]!);
    i = j;
  }
  return out.length > MAX_STACK_LINES ? [...out.slice(0, MAX_STACK_LINES), `    ... ${out.length - MAX_STACK_LINES} more frames`] : out;
}
