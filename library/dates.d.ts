/** Anything accepted as a date: a Date, an ISO 8601 / RFC 2822 string, or epoch milliseconds. */
export type DateInput = Date | string | number;
/** A time unit name, singular or plural ("day" or "days"); "ms" also works. */
export type TimeUnit = "ms" | "millisecond" | "milliseconds" | "second" | "seconds" | "minute" | "minutes" | "hour" | "hours" | "day" | "days" | "week" | "weeks" | "month" | "months" | "quarter" | "quarters" | "year" | "years";
/** Units accepted by startOf/endOf. "isoWeek" always starts on Monday. */
export type StartUnit = "second" | "minute" | "hour" | "day" | "week" | "isoWeek" | "month" | "quarter" | "year";
/** An ISO 8601 duration split into fields; any field may be omitted, negative, or fractional (seconds). */
export interface Duration {
    years?: number;
    months?: number;
    weeks?: number;
    days?: number;
    hours?: number;
    minutes?: number;
    seconds?: number;
}
/** Options for business-day functions. */
export interface BusinessDayOptions {
    /** Dates that are not business days (time of day ignored, compared as UTC dates). */
    holidays?: DateInput[];
    /** Weekend days, 0 = Sunday ... 6 = Saturday (default [0, 6]). */
    weekend?: number[];
}
/** ISO week-numbering parts of a date. */
export interface IsoWeekInfo {
    /** ISO week-numbering year (can differ from the calendar year around New Year). */
    year: number;
    /** Week 1..53. */
    week: number;
    /** 1 = Monday ... 7 = Sunday. */
    weekday: number;
}
/** True for leap years in the proleptic Gregorian calendar. */
export declare function isLeapYear(year: number): boolean;
/** Number of days in a month; `month` is 1..12. */
export declare function daysInMonth(year: number, month: number): number;
/** Parses an ISO 8601 date/datetime (no offset = UTC), RFC 2822 string, epoch ms or Date into a Date; throws on bad input. */
export declare function parseDate(input: DateInput): Date;
/** Like parseDate but returns null instead of throwing. */
export declare function tryParseDate(input: DateInput): Date | null;
/** Full ISO 8601 UTC timestamp, e.g. "2024-03-05T10:20:30.000Z". */
export declare function toIsoString(date: DateInput): string;
/** UTC calendar date as "YYYY-MM-DD". */
export declare function toIsoDate(date: DateInput): string;
/** Parses an ISO 8601 duration like "P1Y2M3DT4H5M6.5S", "PT90M", "P2W" or "-P1D" into its fields (all present, 0 if absent). */
export declare function parseDuration(text: string): Required<Duration>;
/** Formats a Duration as ISO 8601, e.g. { days: 1, hours: 2 } -> "P1DT2H"; all-negative durations get a leading "-". */
export declare function formatDuration(duration: Duration): string;
/** Total milliseconds of a duration; years/months need `relativeTo` (their length varies) or this throws. */
export declare function durationToMilliseconds(duration: Duration | string, relativeTo?: DateInput): number;
/** Adds an ISO duration ("P1M2D") or Duration object: months/years first (clamping Jan 31 + 1 month to Feb 28/29), then fixed units. */
export declare function addDuration(date: DateInput, duration: Duration | string): Date;
/** Subtracts an ISO duration or Duration object; same as adding its negation (months/years first, then fixed units). */
export declare function subtractDuration(date: DateInput, duration: Duration | string): Date;
/** Adds `amount` of a unit, e.g. addTime(d, 3, "days"); months/quarters/years are calendar-aware and must be whole numbers. */
export declare function addTime(date: DateInput, amount: number, unit: TimeUnit): Date;
/** Difference a − b in a unit, truncated toward zero unless `exact` is true; months/quarters/years are calendar-aware. */
export declare function diff(a: DateInput, b: DateInput, unit?: TimeUnit, options?: {
    exact?: boolean;
}): number;
/** Calendar breakdown between two dates, e.g. Jan 31 -> Mar 2 2024 = { months: 1, days: 2, ... }; negative fields if end < start. */
export declare function durationBetween(start: DateInput, end: DateInput): Required<Duration>;
/** ISO 8601 week-numbering year, week (1..53) and weekday (1 = Monday .. 7 = Sunday) of a date (UTC). */
export declare function isoWeekInfo(date: DateInput): IsoWeekInfo;
/** ISO 8601 week number (1..53) of a date (UTC). */
export declare function isoWeek(date: DateInput): number;
/** Day of the week in UTC: 0 = Sunday ... 6 = Saturday (like Date#getUTCDay). */
export declare function dayOfWeek(date: DateInput): number;
/** English weekday name in UTC: "Monday", or "Mon" with style "short". */
export declare function weekdayName(date: DateInput, style?: "long" | "short"): string;
/** Day of the year in UTC, 1..366. */
export declare function dayOfYear(date: DateInput): number;
/** Start of the UTC second/minute/hour/day/week/month/quarter/year containing the date; weeks start Monday unless weekStartsOn (0=Sun) says otherwise. */
export declare function startOf(date: DateInput, unit: StartUnit, options?: {
    weekStartsOn?: number;
    offsetMinutes?: number;
}): Date;
/** Last millisecond of the UTC second/minute/hour/day/week/month/quarter/year containing the date (e.g. 23:59:59.999). */
export declare function endOf(date: DateInput, unit: StartUnit, options?: {
    weekStartsOn?: number;
    offsetMinutes?: number;
}): Date;
/** Formats in UTC (or a fixed offsetMinutes) with tokens YYYY YY Q M MM MMM MMMM D DD Do DDD d ddd dddd E H HH h hh m mm ss SSS A a Z ZZ X x W WW GGGG and [literal text]; default "YYYY-MM-DDTHH:mm:ss[Z]". */
export declare function formatDate(date: DateInput, pattern?: string, options?: {
    offsetMinutes?: number;
}): string;
/** True when the UTC date is not a weekend day and not in holidays. */
export declare function isBusinessDay(date: DateInput, options?: BusinessDayOptions): boolean;
/** Counts business days in [start, end) by UTC date (start counted, end not); negative when end is before start. */
export declare function businessDaysBetween(start: DateInput, end: DateInput, options?: BusinessDayOptions): number;
/** Moves n business days forward (or back if n < 0), skipping weekends and holidays; keeps the time of day. */
export declare function addBusinessDays(date: DateInput, n: number, options?: BusinessDayOptions): Date;
/** Human description of date relative to now (default: current time), e.g. "3 days ago", "in 2 hours", "just now". */
export declare function relativeTime(date: DateInput, now?: DateInput): string;
/** Dates from start to end inclusive, stepping by a duration (default "P1D"); each step is computed from start, so month ends don't drift. */
export declare function dateRange(start: DateInput, end: DateInput, step?: Duration | string, maxItems?: number): Date[];
