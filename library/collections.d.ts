/** How to read a value from an item: a property path like "user.address.city" / "tags[0]", or a function. */
export type Accessor<T> = string | ((item: T, index: number) => unknown);
/** One sort key: an accessor (a string starting with "-" sorts descending), or { key, order }. */
export type SortKey<T> = Accessor<T> | {
    key: Accessor<T>;
    order?: "asc" | "desc";
};
/** Statistics of numeric values. */
export interface NumericStats {
    count: number;
    sum: number;
    min: number;
    max: number;
    mean: number;
    median: number;
    /** Sample standard deviation (n − 1); 0 for a single value. */
    stdev: number;
    p25: number;
    p75: number;
    p90: number;
}
/** Per-field statistics produced by summarize. */
export interface FieldSummary {
    /** Values that are present and not null. */
    count: number;
    /** Records where the field is absent, null or undefined. */
    missing: number;
    /** Number of distinct present values. */
    distinct: number;
    /** typeof of the present values ("array" and "date" are reported separately). */
    types: string[];
    /** Smallest value: numeric if the field has numbers, else lexicographic over strings (works for ISO dates). */
    min?: number | string;
    /** Largest value, same rules as min. */
    max?: number | string;
    /** Mean of the numeric values. */
    mean?: number;
    /** Most frequent values with counts (only when some value repeats); long strings are shortened. */
    top?: {
        value: unknown;
        count: number;
    }[];
}
/** Result of summarize: the record count and a FieldSummary per field (fields in first-seen order). */
export interface DataSummary {
    rows: number;
    fields: Record<string, FieldSummary>;
}
/** Splits a path like `a.b[0].c`, `a["x.y"]` or `items[-1]` into segments (numbers for [n] indexes). */
export declare function toPath(path: string): (string | number)[];
/** Reads a nested value by path ("a.b[0].c" or ["a", "b", 0, "c"]); negative indexes count from the end; returns defaultValue if missing. */
export declare function get(obj: unknown, path: string | ReadonlyArray<string | number>, defaultValue?: unknown): unknown;
/** Groups items into { [key]: items[] } by a path or function; keys are stringified (Dates as ISO, objects as JSON). */
export declare function groupBy<T>(items: readonly T[], key: Accessor<T>): Record<string, T[]>;
/** Counts items per key: { [key]: count }; without a key counts the items themselves. */
export declare function countBy<T>(items: readonly T[], key?: Accessor<T>): Record<string, number>;
/** Maps each value of an object, keeping keys: mapValues(groupBy(xs, "team"), g => g.length). */
export declare function mapValues<V, R>(obj: Record<string, V>, fn: (value: V, key: string) => R): Record<string, R>;
/** Compares two values for sorting: numbers numerically, strings by code point, dates by time; null/undefined/NaN sort last. */
export declare function compareValues(a: unknown, b: unknown): number;
/** Stable multi-key sort returning a new array: sortBy(rows, ["-score", "name"]) or [{ key: "date", order: "desc" }]; missing values last. */
export declare function sortBy<T>(items: readonly T[], keys: SortKey<T> | ReadonlyArray<SortKey<T>>): T[];
/** Keeps the first item for each distinct key (objects/arrays as keys compare by JSON); no key = the item itself. */
export declare function uniqBy<T>(items: readonly T[], key?: Accessor<T>): T[];
/** Removes duplicate values (same as uniqBy without a key). */
export declare function uniq<T>(items: readonly T[]): T[];
/** Splits items into arrays of at most `size` items. */
export declare function chunk<T>(items: readonly T[], size: number): T[][];
/** Splits items into [matching, notMatching] by a predicate (or a path whose value is truthy). */
export declare function partition<T>(items: readonly T[], predicate: Accessor<T>): [T[], T[]];
/** Builds { [key]: item } for lookups by id; later items win on duplicate keys. */
export declare function indexBy<T>(items: readonly T[], key: Accessor<T>): Record<string, T>;
/** The finite numbers among items (or their key values); numeric strings count, everything else is skipped. */
export declare function numbers<T>(items: readonly T[], key?: Accessor<T>): number[];
/** Sum of numeric values (0 when none); non-numeric values are ignored. */
export declare function sum<T>(items: readonly T[], key?: Accessor<T>): number;
/** Arithmetic mean of numeric values, or null when there are none. */
export declare function mean<T>(items: readonly T[], key?: Accessor<T>): number | null;
/** p-th percentile (0..100) with linear interpolation (like Excel PERCENTILE.INC / numpy default), or null when no numbers. */
export declare function percentile<T>(items: readonly T[], p: number, key?: Accessor<T>): number | null;
/** Median of numeric values (average of the middle two for even counts), or null when there are none. */
export declare function median<T>(items: readonly T[], key?: Accessor<T>): number | null;
/** count/sum/min/max/mean/median/stdev/p25/p75/p90 of numeric values in one pass over a sorted copy, or null when there are none. */
export declare function stats<T>(items: readonly T[], key?: Accessor<T>): NumericStats | null;
/** Item with the smallest key value (first one on ties; missing values ignored), or undefined if none. */
export declare function minBy<T>(items: readonly T[], key: Accessor<T>): T | undefined;
/** Item with the largest key value (first one on ties; missing values ignored), or undefined if none. */
export declare function maxBy<T>(items: readonly T[], key: Accessor<T>): T | undefined;
/** The n items with the largest key values (order "asc" for smallest), stable, missing values last. */
export declare function topN<T>(items: readonly T[], n: number, key: Accessor<T>, order?: "asc" | "desc"): T[];
/** New object with only the given keys; keys may be paths ("owner.login", "items[0].id") and keep their nesting. */
export declare function pick<T extends object>(obj: T, keys: readonly string[]): Partial<T>;
/** Copy of obj without the given keys; keys may be paths ("meta.internal") — only the containers on the path are copied. */
export declare function omit<T extends object>(obj: T, keys: readonly string[]): Partial<T>;
/** Flattens nested objects to one level: { a: { b: 1 }, c: [2] } -> { "a.b": 1, "c[0]": 2 } (good before toCsv); maxDepth limits how many levels are flattened. */
export declare function flattenObject(obj: object, options?: {
    separator?: string;
    maxDepth?: number;
    flattenArrays?: boolean;
}): Record<string, unknown>;
/** Per-field stats of records (count, missing, distinct, types, min, max, mean, top values): a compact picture of a big dataset to return instead of the rows. */
export declare function summarize(records: readonly unknown[], options?: {
    topValues?: number;
    maxStringLength?: number;
}): DataSummary;
