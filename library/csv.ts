// CSV parsing and writing (RFC 4180). Pure TypeScript: no Node APIs, no Intl.

/** One parsed CSV cell: a string, or a number/boolean/null when `inferTypes` is on. */
export type CsvValue = string | number | boolean | null;

/** Options for parseCsv and parseCsvRows. */
export interface CsvParseOptions {
  /** Field delimiter, one character (default ","). "auto" guesses among , ; tab | from the first lines. */
  delimiter?: string;
  /** parseCsv only: the first row holds the column names (default true). */
  header?: boolean;
  /** parseCsv only: column names to use; replaces the header row's names, or names columns when header is false. */
  columns?: string[];
  /** Convert cells: numbers, true/false (any case), empty cell -> null (default false). Leading-zero values like "007" stay strings. */
  inferTypes?: boolean;
  /** With inferTypes: extra cell texts that become null, e.g. ["NA", "N/A", "null"]. */
  nullValues?: string[];
  /** Skip lines with no characters at all (default true). */
  skipEmptyLines?: boolean;
  /** Trim spaces and tabs around fields, also around quoted fields (default false). */
  trim?: boolean;
  /** Lines starting with this string are ignored, e.g. "#" (default: none). */
  comment?: string;
  /** Throw when a row has a different number of fields than the first row (default false). */
  strict?: boolean;
  /** Tolerate text after a closing quote, e.g. `"a"b` -> `ab` (default false: throw). */
  relaxQuotes?: boolean;
  /** Stop after this many data rows (header not counted); handy to preview big files. */
  maxRows?: number;
}

/** Options for toCsv. */
export interface CsvStringifyOptions {
  /** Field delimiter (default ","). */
  delimiter?: string;
  /** Objects: which keys to write and in what order (default: all keys in first-seen order). Arrays: header labels. */
  columns?: string[];
  /** Write a header row (default true for objects; for arrays of arrays only when columns are given). */
  header?: boolean;
  /** Line separator (default "\n"; use "\r\n" for strict RFC 4180). */
  newline?: string;
  /** Quote every field, not only those that need it (default false). */
  quoteAll?: boolean;
  /** Text written for null/undefined (default ""). */
  nullValue?: string;
  /** End the output with a newline (default false). */
  trailingNewline?: boolean;
}

interface RawRow {
  fields: string[];
  line: number;
}

const CANDIDATE_DELIMITERS = [",", ";", "\t", "|"];

function csvError(message: string, line: number, column?: number): Error {
  return new Error(`CSV parse error at line ${line}${column === undefined ? "" : `, column ${column}`}: ${message}`);
}

function columnAt(text: string, pos: number): number {
  let start = pos;
  while (start > 0) {
    const c = text.charCodeAt(start - 1);
    if (c === 10 || c === 13) break;
    start--;
  }
  return pos - start + 1;
}

function resolveDelimiter(text: string, delimiter: string | undefined): string {
  if (delimiter === undefined) return ",";
  if (delimiter === "auto") return detectDelimiter(text);
  if (delimiter.length !== 1) throw new Error(`CSV delimiter must be a single character, got ${JSON.stringify(delimiter)}`);
  if (delimiter === '"' || delimiter === "\n" || delimiter === "\r") throw new Error(`CSV delimiter cannot be ${JSON.stringify(delimiter)}`);
  return delimiter;
}

function countLineBreaks(segment: string): number {
  let count = 0;
  for (let p = segment.indexOf("\n"); p !== -1; p = segment.indexOf("\n", p + 1)) count++;
  for (let p = segment.indexOf("\r"); p !== -1; p = segment.indexOf("\r", p + 1)) if (segment.charCodeAt(p + 1) !== 10) count++;
  return count;
}

// Low-level tokenizer: splits text into rows of raw string fields, tracking source line numbers.
// Field ends are found with indexOf and a global regex (native scans), not char-by-char loops.
function tokenize(input: string, options: CsvParseOptions, rowLimit: number): RawRow[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const delim = resolveDelimiter(text, options.delimiter);
  const dc = delim.charCodeAt(0);
  const skipEmpty = options.skipEmptyLines !== false;
  const trim = options.trim === true;
  const relax = options.relaxQuotes === true;
  const comment = options.comment;
  const n = text.length;
  const special = new RegExp(`[${delim.replace(/[\\\]^-]/g, "\\$&")}\\r\\n]`, "g");
  const blanks = delim === "\t" ? / +/y : /[ \t]+/y;
  const newline = /\r\n|\n|\r/g;
  const fieldEnd = (from: number): number => {
    special.lastIndex = from;
    const m = special.exec(text);
    return m ? m.index : n;
  };
  const skipBlanks = (from: number): number => {
    blanks.lastIndex = from;
    return blanks.test(text) ? blanks.lastIndex : from;
  };
  const rows: RawRow[] = [];
  let i = 0;
  let line = 1;

  while (i < n && rows.length < rowLimit) {
    const rowLine = line;
    const first = text.charCodeAt(i);
    if (comment && text.startsWith(comment, i)) {
      newline.lastIndex = i;
      const m = newline.exec(text);
      if (!m) break;
      i = m.index + m[0].length;
      line++;
      continue;
    }
    if (first === 10 || first === 13) {
      i += first === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      if (!skipEmpty) rows.push({ fields: [""], line: rowLine });
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      if (trim) i = skipBlanks(i);
      if (text.charCodeAt(i) === 34) {
        // Quoted field: "" inside means one literal quote; may span lines.
        const quoteLine = line;
        const quoteStart = i;
        i++;
        let value = "";
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) {
            const quoteCol = columnAt(text, quoteStart);
            throw csvError(`unterminated quoted field (the quote opened at line ${quoteLine}, column ${quoteCol} is never closed)`, quoteLine, quoteCol);
          }
          const segment = text.slice(i, q);
          line += countLineBreaks(segment);
          if (text.charCodeAt(q + 1) === 34) {
            value += segment + '"';
            i = q + 2;
            continue;
          }
          value += segment;
          i = q + 1;
          break;
        }
        if (trim) i = skipBlanks(i);
        if (i < n) {
          const c = text.charCodeAt(i);
          if (c !== dc && c !== 10 && c !== 13) {
            if (!relax) {
              throw csvError(
                `unexpected character ${JSON.stringify(text[i])} after closing quote (a field that starts with a quote must end with one; double any quote inside it, or pass relaxQuotes: true)`,
                line,
                columnAt(text, i),
              );
            }
            const end = fieldEnd(i);
            value += text.slice(i, end);
            i = end;
          }
        }
        fields.push(value);
      } else {
        const end = fieldEnd(i);
        const raw = text.slice(i, end);
        fields.push(trim ? raw.replace(/[ \t]+$/, "") : raw);
        i = end;
      }
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === dc) {
        i++;
        if (i >= n) {
          fields.push("");
          break;
        }
        continue;
      }
      // End of record: CRLF, LF or lone CR.
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      break;
    }
    rows.push({ fields, line: rowLine });
  }
  return rows;
}

function checkWidth(rows: RawRow[], expected: number): void {
  for (const row of rows) {
    if (row.fields.length !== expected) {
      throw csvError(`row has ${row.fields.length} fields, expected ${expected} (strict mode)`, row.line);
    }
  }
}

const NUMBER_RE = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Converts one CSV cell text: "" -> null, "true"/"false" -> boolean, numeric text -> number, else unchanged. */
export function inferCsvValue(text: string, nullValues: string[] = []): CsvValue {
  if (text === "") return null;
  if (nullValues.length > 0 && nullValues.includes(text)) return null;
  let t = text;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first === 32 || first === 9 || last === 32 || last === 9) {
    t = text.trim();
    if (t === "") return text;
  }
  if (t.length === 4 || t.length === 5) {
    const lower = t.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  const c = t.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) || !NUMBER_RE.test(t)) return text;
  if (/^[-+]?0\d/.test(t)) return text; // zip codes, ids: keep leading zeros
  const num = Number(t);
  if (!Number.isFinite(num)) return text;
  if (!Number.isSafeInteger(num) && /^[-+]?\d+$/.test(t)) return text; // would lose digits
  return num;
}

/** Parses CSV text into rows of cells (no header handling); throws with line numbers on malformed input. */
export function parseCsvRows(text: string, options: CsvParseOptions = {}): CsvValue[][] {
  const limit = options.maxRows === undefined ? Infinity : Math.max(0, options.maxRows);
  const rows = tokenize(text, options, limit);
  if (options.strict && rows.length > 0) checkWidth(rows, rows[0]!.fields.length);
  if (!options.inferTypes) return rows.map((r) => r.fields);
  const nulls = options.nullValues ?? [];
  return rows.map((r) => r.fields.map((f) => inferCsvValue(f, nulls)));
}

function uniqueNames(raw: string[]): string[] {
  const seen = new Set<string>();
  return raw.map((name, index) => {
    let base = name.trim();
    if (base === "") base = `col${index + 1}`;
    let candidate = base;
    for (let k = 2; seen.has(candidate); k++) candidate = `${base}_${k}`;
    seen.add(candidate);
    return candidate;
  });
}

/** Parses CSV text into an array of objects keyed by the header row (or `columns`); missing cells become null. */
export function parseCsv(text: string, options: CsvParseOptions = {}): Record<string, CsvValue>[] {
  const hasHeader = options.header !== false;
  const limit = options.maxRows === undefined ? Infinity : Math.max(0, options.maxRows) + (hasHeader ? 1 : 0);
  const rows = tokenize(text, options, limit);
  if (rows.length === 0) return [];
  const headerRow = hasHeader ? rows.shift()! : undefined;
  const width = options.columns?.length ?? headerRow?.fields.length ?? rows[0]?.fields.length ?? 0;
  if (options.strict) checkWidth(rows, width);
  let names = uniqueNames(options.columns ?? headerRow?.fields ?? Array.from({ length: width }, (_, k) => `col${k + 1}`));
  const nulls = options.nullValues ?? [];
  const infer = options.inferTypes === true;
  const out: Record<string, CsvValue>[] = [];
  for (const row of rows) {
    if (row.fields.length > names.length) {
      // Extra cells get generated names rather than being dropped silently.
      names = uniqueNames([...names, ...row.fields.slice(names.length).map((_, k) => `col${names.length + k + 1}`)]);
    }
    const record: Record<string, CsvValue> = {};
    for (let k = 0; k < names.length; k++) {
      if (k >= row.fields.length && k >= width) continue;
      const name = names[k]!;
      const value = k >= row.fields.length ? null : infer ? inferCsvValue(row.fields[k]!, nulls) : row.fields[k]!;
      if (name === "__proto__") Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
      else record[name] = value;
    }
    out.push(record);
  }
  return out;
}

/** Guesses the delimiter (",", ";", tab or "|") from the first lines of CSV text; defaults to ",". */
export function detectDelimiter(text: string): string {
  const sample = text.slice(0, 64 * 1024).replace(/"(?:[^"]|"")*"/g, "x");
  const lines = sample.split(/\r\n|\n|\r/).filter((l) => l.length > 0).slice(0, 20);
  if (lines.length === 0) return ",";
  let best = ",";
  let bestScore = 0;
  for (const d of CANDIDATE_DELIMITERS) {
    const counts = lines.map((l) => l.split(d).length - 1);
    const first = counts[0]!;
    if (first === 0) continue;
    const consistent = counts.filter((c) => c === first).length / counts.length;
    const score = consistent * 1000 + first;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

function cellText(value: unknown, nullValue: string): string {
  if (value === null || value === undefined) return nullValue;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? nullValue : value.toISOString();
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

function needsQuotePattern(delim: string): RegExp {
  const escaped = delim.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  return new RegExp(`${escaped}|["\\r\\n]|^[ \\t]|[ \\t]$`);
}

function quoteCell(text: string, needsQuote: RegExp, quoteAll: boolean): string {
  return quoteAll || needsQuote.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes CSV from an array of objects (header from keys or `columns`) or an array of arrays, quoting only where needed. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<unknown>> | ReadonlyArray<Record<string, unknown>>, options: CsvStringifyOptions = {}): string {
  const delim = options.delimiter ?? ",";
  if (delim.length === 0 || delim === '"') throw new Error(`Invalid CSV delimiter ${JSON.stringify(delim)}`);
  const newline = options.newline ?? "\n";
  const quoteAll = options.quoteAll === true;
  const nullValue = options.nullValue ?? "";
  const needsQuote = needsQuotePattern(delim);
  const line = (cells: ReadonlyArray<unknown>): string => cells.map((c) => quoteCell(cellText(c, nullValue), needsQuote, quoteAll)).join(delim);
  const lines: string[] = [];
  const arrayRows = rows.length > 0 && Array.isArray(rows[0]);
  if (arrayRows) {
    if (options.columns && options.header !== false) lines.push(line(options.columns));
    for (const row of rows as ReadonlyArray<ReadonlyArray<unknown>>) {
      if (!Array.isArray(row)) throw new Error("toCsv: mix of arrays and objects; pass all rows as arrays or all as objects");
      lines.push(line(row));
    }
  } else {
    let columns = options.columns;
    if (!columns) {
      const seen = new Set<string>();
      for (const record of rows as ReadonlyArray<Record<string, unknown>>) {
        if (record !== null && typeof record === "object") for (const key of Object.keys(record)) seen.add(key);
      }
      columns = [...seen];
    }
    if (options.header !== false && columns.length > 0) lines.push(line(columns));
    for (const record of rows as ReadonlyArray<Record<string, unknown>>) {
      if (record === null || typeof record !== "object" || Array.isArray(record)) {
        throw new Error("toCsv: every row must be an object (or pass arrays of cells for every row)");
      }
      lines.push(line(columns.map((c) => (Object.prototype.hasOwnProperty.call(record, c) ? record[c] : undefined))));
    }
  }
  const out = lines.join(newline);
  return options.trailingNewline && out.length > 0 ? out + newline : out;
}
