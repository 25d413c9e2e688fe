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
/** Converts one CSV cell text: "" -> null, "true"/"false" -> boolean, numeric text -> number, else unchanged. */
export declare function inferCsvValue(text: string, nullValues?: string[]): CsvValue;
/** Parses CSV text into rows of cells (no header handling); throws with line numbers on malformed input. */
export declare function parseCsvRows(text: string, options?: CsvParseOptions): CsvValue[][];
/** Parses CSV text into an array of objects keyed by the header row (or `columns`); missing cells become null. */
export declare function parseCsv(text: string, options?: CsvParseOptions): Record<string, CsvValue>[];
/** Guesses the delimiter (",", ";", tab or "|") from the first lines of CSV text; defaults to ",". */
export declare function detectDelimiter(text: string): string;
/** Writes CSV from an array of objects (header from keys or `columns`) or an array of arrays, quoting only where needed. */
export declare function toCsv(rows: ReadonlyArray<ReadonlyArray<unknown>> | ReadonlyArray<Record<string, unknown>>, options?: CsvStringifyOptions): string;
