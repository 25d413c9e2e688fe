// Date and duration helpers. Everything is UTC: the sandbox has no Intl and no time
// zone database, so local time is never used. Where a fixed offset matters (formatting,
// start of day), pass `offsetMinutes` (e.g. 120 for UTC+02:00); DST is not modeled.

/** Anything accepted as a date: a Date, an ISO 8601 / RFC 2822 string, or epoch milliseconds. */
export type DateInput = Date | string | number;

/** A time unit name, singular or plural ("day" or "days"); "ms" also works. */
export type TimeUnit =
  | "ms" | "millisecond" | "milliseconds" | "second" | "seconds" | "minute" | "minutes" | "hour" | "hours"
  | "day" | "days" | "week" | "weeks" | "month" | "months" | "quarter" | "quarters" | "year" | "years";

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

const MS_SECOND = 1000;
const MS_MINUTE = 60 * MS_SECOND;
const MS_HOUR = 60 * MS_MINUTE;
const MS_DAY = 24 * MS_HOUR;
const MS_WEEK = 7 * MS_DAY;

const MONTHS_LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const MONTHS_SHORT = MONTHS_LONG.map((m) => m.slice(0, 3));
const DAYS_LONG = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const DAYS_SHORT = DAYS_LONG.map((d) => d.slice(0, 3));

type UnitName = "millisecond" | "second" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "year";
const FIXED_MS: Record<string, number> = { millisecond: 1, second: MS_SECOND, minute: MS_MINUTE, hour: MS_HOUR, day: MS_DAY, week: MS_WEEK };
const MONTH_UNITS: Record<string, number> = { month: 1, quarter: 3, year: 12 };

function normalizeUnit(unit: string): UnitName {
  const u = String(unit).trim().toLowerCase();
  const aliases: Record<string, UnitName> = { ms: "millisecond", sec: "second", secs: "second", min: "minute", mins: "minute", hr: "hour", hrs: "hour" };
  const single = aliases[u] ?? (u.endsWith("s") ? u.slice(0, -1) : u);
  if (single in FIXED_MS || single in MONTH_UNITS) return single as UnitName;
  throw new Error(`Unknown time unit ${JSON.stringify(unit)}; use millisecond, second, minute, hour, day, week, month, quarter or year`);
}

/** Builds a UTC timestamp without the Date.UTC two-digit-year quirk (years 0..99 stay as given). */
function utcMs(year: number, month0: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  d.setUTCHours(h, mi, s, ms);
  return d.getTime();
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(Math.trunc(n))).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

/** True for leap years in the proleptic Gregorian calendar. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in a month; `month` is 1..12. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isoWeekMonday(weekYear: number): number {
  const jan4 = utcMs(weekYear, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - dow * MS_DAY;
}

function weeksInIsoYear(year: number): number {
  return isoWeekInfo(utcMs(year, 11, 28)).week;
}

const MONTH_INDEX: Record<string, number> = Object.fromEntries(MONTHS_SHORT.map((m, i) => [m.toLowerCase(), i]));

function parseError(input: string, why: string): Error {
  return new Error(`Cannot parse date ${JSON.stringify(input)}: ${why}. Expected ISO 8601 (e.g. 2024-03-05, 2024-03-05T10:20:30Z, 2024-03-05T10:20:30.5+02:00, 2024-W10-2, 2024-065) or RFC 2822 (Tue, 05 Mar 2024 10:20:30 GMT)`);
}

function parseOffset(zone: string | undefined): number {
  if (zone === undefined || zone === "" || /^(?:z|gmt|utc|ut)$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) throw new Error(`bad offset ${zone}`);
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return (m[1] === "-" ? -1 : 1) * minutes;
}

function parseIso(input: string): number {
  const s = input.trim();
  const sep = s.search(/[Tt ]/);
  const datePart = sep === -1 ? s : s.slice(0, sep);
  const timePart = sep === -1 ? undefined : s.slice(sep + 1).trim();
  const YEAR = "([+-]\\d{6}|\\d{4})";
  let dayMs: number;
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^${YEAR}-(\\d{2})-(\\d{2})$`).exec(datePart)) || (m = /^(\d{4})(\d{2})(\d{2})$/.exec(datePart))) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (mo < 1 || mo > 12) throw parseError(input, `month ${mo} is out of range`);
    if (d < 1 || d > daysInMonth(y, mo)) throw parseError(input, `day ${d} does not exist in ${y}-${pad(mo, 2)}`);
    dayMs = utcMs(y, mo - 1, d);
  } else if ((m = new RegExp(`^${YEAR}-(\\d{2})$`).exec(datePart))) {
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) throw parseError(input, `month ${mo} is out of range`);
    dayMs = utcMs(Number(m[1]), mo - 1, 1);
  } else if ((m = new RegExp(`^${YEAR}$`).exec(datePart))) {
    dayMs = utcMs(Number(m[1]), 0, 1);
  } else if ((m = /^(\d{4})-?W(\d{2})(?:-?([1-7]))?$/i.exec(datePart))) {
    const [y, w, wd] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
    if (w < 1 || w > weeksInIsoYear(y)) throw parseError(input, `ISO week ${w} does not exist in ${y}`);
    dayMs = isoWeekMonday(y) + ((w - 1) * 7 + (wd - 1)) * MS_DAY;
  } else if ((m = /^(\d{4})-?(\d{3})$/.exec(datePart))) {
    const [y, ord] = [Number(m[1]), Number(m[2])];
    if (ord < 1 || ord > (isLeapYear(y) ? 366 : 365)) throw parseError(input, `day-of-year ${ord} does not exist in ${y}`);
    dayMs = utcMs(y, 0, 1) + (ord - 1) * MS_DAY;
  } else {
    throw parseError(input, "unrecognized date part");
  }
  if (timePart === undefined) return dayMs;
  const t = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(timePart);
  if (!t) throw parseError(input, "unrecognized time part");
  const h = Number(t[1]);
  const mi = Number(t[2] ?? 0);
  const sec = Number(t[3] ?? 0);
  const ms = t[4] ? Math.floor(Number(`0.${t[4]}`) * 1000 + 1e-7) : 0;
  if (h > 24 || (h === 24 && (mi > 0 || sec > 0 || ms > 0))) throw parseError(input, `hour ${h} is out of range`);
  if (mi > 59) throw parseError(input, `minute ${mi} is out of range`);
  if (sec > 59) throw parseError(input, `second ${sec} is out of range (leap seconds are not supported)`);
  let offset: number;
  try {
    offset = parseOffset(t[5]);
  } catch {
    throw parseError(input, "bad UTC offset");
  }
  if (Math.abs(offset) > 18 * 60) throw parseError(input, "UTC offset is out of range");
  return dayMs + h * MS_HOUR + mi * MS_MINUTE + sec * MS_SECOND + ms - offset * MS_MINUTE;
}

function parseRfc2822(input: string): number | undefined {
  const m =
    /^\s*(?:[A-Za-z]{3},?\s+)?(\d{1,2})[\s-]+([A-Za-z]{3})[\s-]+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?\s*$/i.exec(input);
  if (!m) return undefined;
  const month = MONTH_INDEX[m[2]!.toLowerCase()];
  if (month === undefined) return undefined;
  const [d, y] = [Number(m[1]), Number(m[3])];
  if (d < 1 || d > daysInMonth(y, month + 1)) throw parseError(input, `day ${d} does not exist`);
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) throw parseError(input, "time out of range");
  return utcMs(y, month, d, h, mi, s) - parseOffset(m[7]) * MS_MINUTE;
}

/** Parses an ISO 8601 date/datetime (no offset = UTC), RFC 2822 string, epoch ms or Date into a Date; throws on bad input. */
export function parseDate(input: DateInput): Date {
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) throw new Error("Invalid Date object");
    return new Date(input.getTime());
  }
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new Error(`Cannot use ${input} as a date (expected epoch milliseconds)`);
    return new Date(input);
  }
  if (typeof input !== "string") throw new Error(`Cannot parse date from ${typeof input}`);
  const rfc = parseRfc2822(input);
  const ms = rfc ?? parseIso(input);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw parseError(input, "out of the representable range");
  return new Date(ms);
}

/** Like parseDate but returns null instead of throwing. */
export function tryParseDate(input: DateInput): Date | null {
  try {
    return parseDate(input);
  } catch {
    return null;
  }
}

function ms(input: DateInput): number {
  return parseDate(input).getTime();
}

/** Full ISO 8601 UTC timestamp, e.g. "2024-03-05T10:20:30.000Z". */
export function toIsoString(date: DateInput): string {
  return parseDate(date).toISOString();
}

/** UTC calendar date as "YYYY-MM-DD". */
export function toIsoDate(date: DateInput): string {
  return formatDate(date, "YYYY-MM-DD");
}

/** Parses an ISO 8601 duration like "P1Y2M3DT4H5M6.5S", "PT90M", "P2W" or "-P1D" into its fields (all present, 0 if absent). */
export function parseDuration(text: string): Required<Duration> {
  const m = /^([+-])?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i.exec(
    String(text).trim(),
  );
  const fail = (): Error => new Error(`Cannot parse duration ${JSON.stringify(text)}: expected ISO 8601 like P3D, PT1H30M, P1Y2M10DT2H30M, P2W or -PT15S`);
  if (!m) throw fail();
  const parts = m.slice(2, 9);
  if (parts.every((p) => p === undefined)) throw fail();
  if (/T$/i.test(String(text).trim())) throw fail();
  const sign = m[1] === "-" ? -1 : 1;
  const num = (p: string | undefined): number => (p === undefined ? 0 : sign * Number(p.replace(",", ".")) || 0);
  return {
    years: num(parts[0]),
    months: num(parts[1]),
    weeks: num(parts[2]),
    days: num(parts[3]),
    hours: num(parts[4]),
    minutes: num(parts[5]),
    seconds: num(parts[6]),
  };
}

function toDuration(duration: Duration | string): Required<Duration> {
  if (typeof duration === "string") return parseDuration(duration);
  return {
    years: duration.years ?? 0,
    months: duration.months ?? 0,
    weeks: duration.weeks ?? 0,
    days: duration.days ?? 0,
    hours: duration.hours ?? 0,
    minutes: duration.minutes ?? 0,
    seconds: duration.seconds ?? 0,
  };
}

/** Formats a Duration as ISO 8601, e.g. { days: 1, hours: 2 } -> "P1DT2H"; all-negative durations get a leading "-". */
export function formatDuration(duration: Duration): string {
  const d = toDuration(duration);
  const values = [d.years, d.months, d.weeks, d.days, d.hours, d.minutes, d.seconds];
  const negative = values.some((v) => v < 0) && values.every((v) => v <= 0);
  const f = (v: number): string => String(Number((negative ? -v : v).toFixed(3)));
  let date = "";
  if (d.years) date += `${f(d.years)}Y`;
  if (d.months) date += `${f(d.months)}M`;
  if (d.weeks) date += `${f(d.weeks)}W`;
  if (d.days) date += `${f(d.days)}D`;
  let time = "";
  if (d.hours) time += `${f(d.hours)}H`;
  if (d.minutes) time += `${f(d.minutes)}M`;
  if (d.seconds) time += `${f(d.seconds)}S`;
  if (!date && !time) return "PT0S";
  return `${negative ? "-" : ""}P${date}${time ? `T${time}` : ""}`;
}

/** Total milliseconds of a duration; years/months need `relativeTo` (their length varies) or this throws. */
export function durationToMilliseconds(duration: Duration | string, relativeTo?: DateInput): number {
  const d = toDuration(duration);
  if ((d.years || d.months) && relativeTo === undefined) {
    throw new Error("durationToMilliseconds: years and months have no fixed length; pass relativeTo (a start date)");
  }
  if (relativeTo !== undefined) return addDuration(relativeTo, d).getTime() - ms(relativeTo);
  return Math.round(d.weeks * MS_WEEK + d.days * MS_DAY + d.hours * MS_HOUR + d.minutes * MS_MINUTE + d.seconds * MS_SECOND);
}

function addMonthsMs(t: number, months: number): number {
  if (!Number.isInteger(months)) throw new Error(`Cannot add a fractional number of months/years (${months}); use days instead`);
  if (months === 0) return t;
  const d = new Date(t);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month0 = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month0 + 1));
  return utcMs(year, month0, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** Adds an ISO duration ("P1M2D") or Duration object: months/years first (clamping Jan 31 + 1 month to Feb 28/29), then fixed units. */
export function addDuration(date: DateInput, duration: Duration | string): Date {
  const d = toDuration(duration);
  const t = addMonthsMs(ms(date), d.years * 12 + d.months);
  return new Date(Math.round(t + d.weeks * MS_WEEK + d.days * MS_DAY + d.hours * MS_HOUR + d.minutes * MS_MINUTE + d.seconds * MS_SECOND));
}

/** Subtracts an ISO duration or Duration object; same as adding its negation (months/years first, then fixed units). */
export function subtractDuration(date: DateInput, duration: Duration | string): Date {
  const d = toDuration(duration);
  const neg = (v: number): number => (v === 0 ? 0 : -v);
  return addDuration(date, {
    years: neg(d.years),
    months: neg(d.months),
    weeks: neg(d.weeks),
    days: neg(d.days),
    hours: neg(d.hours),
    minutes: neg(d.minutes),
    seconds: neg(d.seconds),
  });
}

/** Adds `amount` of a unit, e.g. addTime(d, 3, "days"); months/quarters/years are calendar-aware and must be whole numbers. */
export function addTime(date: DateInput, amount: number, unit: TimeUnit): Date {
  const u = normalizeUnit(unit);
  const t = ms(date);
  if (u in MONTH_UNITS) return new Date(addMonthsMs(t, amount * MONTH_UNITS[u]!));
  return new Date(Math.round(t + amount * FIXED_MS[u]!));
}

/** Fractional calendar months from b to a (a - b), same method as moment.js. */
function monthDiff(a: number, b: number): number {
  if (a < b) return -monthDiff(b, a);
  const da = new Date(a);
  const db = new Date(b);
  const whole = (da.getUTCFullYear() - db.getUTCFullYear()) * 12 + (da.getUTCMonth() - db.getUTCMonth());
  const anchor = addMonthsMs(b, whole);
  if (a - anchor < 0) {
    const prev = addMonthsMs(b, whole - 1);
    return whole - 1 + (a - prev) / (anchor - prev);
  }
  const next = addMonthsMs(b, whole + 1);
  return whole + (a - anchor) / (next - anchor);
}

/** Difference a − b in a unit, truncated toward zero unless `exact` is true; months/quarters/years are calendar-aware. */
export function diff(a: DateInput, b: DateInput, unit: TimeUnit = "milliseconds", options: { exact?: boolean } = {}): number {
  const u = normalizeUnit(unit);
  const ta = ms(a);
  const tb = ms(b);
  const value = u in MONTH_UNITS ? monthDiff(ta, tb) / MONTH_UNITS[u]! : (ta - tb) / FIXED_MS[u]!;
  if (options.exact) return value;
  const truncated = Math.trunc(value + (value >= 0 ? 1e-9 : -1e-9));
  return truncated === 0 ? 0 : truncated; // avoid -0
}

/** Calendar breakdown between two dates, e.g. Jan 31 -> Mar 2 2024 = { months: 1, days: 2, ... }; negative fields if end < start. */
export function durationBetween(start: DateInput, end: DateInput): Required<Duration> {
  const s = ms(start);
  const e = ms(end);
  if (e < s) {
    const r = durationBetween(end, start);
    const neg = (v: number): number => (v === 0 ? 0 : -v);
    return { years: neg(r.years), months: neg(r.months), weeks: 0, days: neg(r.days), hours: neg(r.hours), minutes: neg(r.minutes), seconds: neg(r.seconds) };
  }
  let months = Math.trunc(monthDiff(e, s) + 1e-9);
  let anchor = addMonthsMs(s, months);
  while (anchor > e && months > 0) anchor = addMonthsMs(s, --months);
  let rest = e - anchor;
  const days = Math.floor(rest / MS_DAY);
  rest -= days * MS_DAY;
  const hours = Math.floor(rest / MS_HOUR);
  rest -= hours * MS_HOUR;
  const minutes = Math.floor(rest / MS_MINUTE);
  rest -= minutes * MS_MINUTE;
  return { years: Math.floor(months / 12), months: months % 12, weeks: 0, days, hours, minutes, seconds: rest / MS_SECOND };
}

/** ISO 8601 week-numbering year, week (1..53) and weekday (1 = Monday .. 7 = Sunday) of a date (UTC). */
export function isoWeekInfo(date: DateInput): IsoWeekInfo {
  const d = parseDate(date);
  const weekday = ((d.getUTCDay() + 6) % 7) + 1;
  const midnight = utcMs(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const thursday = new Date(midnight + (4 - weekday) * MS_DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - utcMs(year, 0, 1)) / MS_WEEK) + 1;
  return { year, week, weekday };
}

/** ISO 8601 week number (1..53) of a date (UTC). */
export function isoWeek(date: DateInput): number {
  return isoWeekInfo(date).week;
}

/** Day of the week in UTC: 0 = Sunday ... 6 = Saturday (like Date#getUTCDay). */
export function dayOfWeek(date: DateInput): number {
  return parseDate(date).getUTCDay();
}

/** English weekday name in UTC: "Monday", or "Mon" with style "short". */
export function weekdayName(date: DateInput, style: "long" | "short" = "long"): string {
  const d = dayOfWeek(date);
  return style === "short" ? DAYS_SHORT[d]! : DAYS_LONG[d]!;
}

/** Day of the year in UTC, 1..366. */
export function dayOfYear(date: DateInput): number {
  const d = parseDate(date);
  return Math.floor((utcMs(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - utcMs(d.getUTCFullYear(), 0, 1)) / MS_DAY) + 1;
}

/** Start of the UTC second/minute/hour/day/week/month/quarter/year containing the date; weeks start Monday unless weekStartsOn (0=Sun) says otherwise. */
export function startOf(date: DateInput, unit: StartUnit, options: { weekStartsOn?: number; offsetMinutes?: number } = {}): Date {
  const offset = (options.offsetMinutes ?? 0) * MS_MINUTE;
  const d = new Date(ms(date) + offset); // wall clock at the offset, read with getUTC*
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  let t: number;
  switch (unit) {
    case "second":
      t = utcMs(y, mo, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
      break;
    case "minute":
      t = utcMs(y, mo, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
      break;
    case "hour":
      t = utcMs(y, mo, d.getUTCDate(), d.getUTCHours());
      break;
    case "day":
      t = utcMs(y, mo, d.getUTCDate());
      break;
    case "week":
    case "isoWeek": {
      const first = unit === "isoWeek" ? 1 : (options.weekStartsOn ?? 1);
      if (!Number.isInteger(first) || first < 0 || first > 6) throw new Error("weekStartsOn must be 0 (Sunday) .. 6 (Saturday)");
      const back = (d.getUTCDay() - first + 7) % 7;
      t = utcMs(y, mo, d.getUTCDate() - back);
      break;
    }
    case "month":
      t = utcMs(y, mo, 1);
      break;
    case "quarter":
      t = utcMs(y, mo - (mo % 3), 1);
      break;
    case "year":
      t = utcMs(y, 0, 1);
      break;
    default:
      throw new Error(`startOf: unknown unit ${JSON.stringify(unit)}`);
  }
  return new Date(t - offset);
}

/** Last millisecond of the UTC second/minute/hour/day/week/month/quarter/year containing the date (e.g. 23:59:59.999). */
export function endOf(date: DateInput, unit: StartUnit, options: { weekStartsOn?: number; offsetMinutes?: number } = {}): Date {
  const start = startOf(date, unit, options).getTime();
  const step: Record<StartUnit, number> = { second: MS_SECOND, minute: MS_MINUTE, hour: MS_HOUR, day: MS_DAY, week: MS_WEEK, isoWeek: MS_WEEK, month: 0, quarter: 0, year: 0 };
  if (step[unit] === undefined) throw new Error(`endOf: unknown unit ${JSON.stringify(unit)}`);
  const monthsToAdd = unit === "month" ? 1 : unit === "quarter" ? 3 : unit === "year" ? 12 : 0;
  // Month arithmetic happens on the offset wall clock so month lengths are right.
  const offset = (options.offsetMinutes ?? 0) * MS_MINUTE;
  const next = monthsToAdd ? addMonthsMs(start + offset, monthsToAdd) - offset : start + step[unit];
  return new Date(next - 1);
}

function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

function formatOffset(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}${colon ? ":" : ""}${pad(abs % 60, 2)}`;
}

const FORMAT_TOKENS =
  /\[([^\]]*)]|YYYY|YY|Qo|Q|MMMM|MMM|MM|M|DDDD|DDD|Do|DD|D|dddd|ddd|dd|d|E|HH|H|hh|h|mm|m|ss|s|SSS|SS|S|A|a|ZZ|Z|X|x|WW|W|GGGG/g;

// Tokens: YYYY YY Q Qo M MM MMM MMMM D DD Do DDD DDDD d(0-6) dd ddd dddd E(1-7) H HH h hh m mm s ss S SS SSS A a
// Z(+00:00) ZZ(+0000) X(unix seconds) x(ms) W WW(ISO week) GGGG(ISO week-year); [text] is literal.
/** Formats in UTC (or a fixed offsetMinutes) with tokens YYYY YY Q M MM MMM MMMM D DD Do DDD d ddd dddd E H HH h hh m mm ss SSS A a Z ZZ X x W WW GGGG and [literal text]; default "YYYY-MM-DDTHH:mm:ss[Z]". */
export function formatDate(date: DateInput, pattern?: string, options: { offsetMinutes?: number } = {}): string {
  const t = ms(date);
  const offsetMin = options.offsetMinutes ?? 0;
  const fmt = pattern ?? (offsetMin === 0 ? "YYYY-MM-DDTHH:mm:ss[Z]" : "YYYY-MM-DDTHH:mm:ssZ");
  const d = new Date(t + offsetMin * MS_MINUTE);
  const Y = d.getUTCFullYear();
  const Mo = d.getUTCMonth();
  const D = d.getUTCDate();
  const wd = d.getUTCDay();
  const H = d.getUTCHours();
  const mi = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  const S = d.getUTCMilliseconds();
  let week: IsoWeekInfo | undefined;
  const wk = (): IsoWeekInfo => (week ??= isoWeekInfo(d));
  return fmt.replace(FORMAT_TOKENS, (token: string, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    switch (token) {
      case "YYYY": return pad(Y, 4);
      case "YY": return pad(((Y % 100) + 100) % 100, 2);
      case "Q": return String(Math.floor(Mo / 3) + 1);
      case "Qo": return ordinal(Math.floor(Mo / 3) + 1);
      case "M": return String(Mo + 1);
      case "MM": return pad(Mo + 1, 2);
      case "MMM": return MONTHS_SHORT[Mo]!;
      case "MMMM": return MONTHS_LONG[Mo]!;
      case "D": return String(D);
      case "DD": return pad(D, 2);
      case "Do": return ordinal(D);
      case "DDD": return String(dayOfYear(d));
      case "DDDD": return pad(dayOfYear(d), 3);
      case "d": return String(wd);
      case "dd": return DAYS_SHORT[wd]!.slice(0, 2);
      case "ddd": return DAYS_SHORT[wd]!;
      case "dddd": return DAYS_LONG[wd]!;
      case "E": return String(((wd + 6) % 7) + 1);
      case "H": return String(H);
      case "HH": return pad(H, 2);
      case "h": return String(H % 12 || 12);
      case "hh": return pad(H % 12 || 12, 2);
      case "m": return String(mi);
      case "mm": return pad(mi, 2);
      case "s": return String(s);
      case "ss": return pad(s, 2);
      case "S": return String(Math.floor(S / 100));
      case "SS": return pad(Math.floor(S / 10), 2);
      case "SSS": return pad(S, 3);
      case "A": return H < 12 ? "AM" : "PM";
      case "a": return H < 12 ? "am" : "pm";
      case "Z": return formatOffset(offsetMin, true);
      case "ZZ": return formatOffset(offsetMin, false);
      case "X": return String(Math.floor(t / 1000));
      case "x": return String(t);
      case "W": return String(wk().week);
      case "WW": return pad(wk().week, 2);
      case "GGGG": return pad(wk().year, 4);
      default: return token;
    }
  });
}

function dayNumber(t: number): number {
  return Math.floor(t / MS_DAY); // days since 1970-01-01 (UTC)
}

function businessSetup(options: BusinessDayOptions): { weekend: Set<number>; holidays: Set<number> } {
  const weekend = new Set(options.weekend ?? [0, 6]);
  for (const w of weekend) if (!Number.isInteger(w) || w < 0 || w > 6) throw new Error(`weekend days must be 0 (Sunday) .. 6 (Saturday), got ${w}`);
  if (weekend.size >= 7) throw new Error("weekend cannot contain all seven days");
  const holidays = new Set((options.holidays ?? []).map((h) => dayNumber(ms(h))));
  return { weekend, holidays };
}

function isBusinessDayNumber(day: number, weekend: Set<number>, holidays: Set<number>): boolean {
  const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
  return !weekend.has(dow) && !holidays.has(day);
}

/** True when the UTC date is not a weekend day and not in holidays. */
export function isBusinessDay(date: DateInput, options: BusinessDayOptions = {}): boolean {
  const { weekend, holidays } = businessSetup(options);
  return isBusinessDayNumber(dayNumber(ms(date)), weekend, holidays);
}

/** Counts business days in [start, end) by UTC date (start counted, end not); negative when end is before start. */
export function businessDaysBetween(start: DateInput, end: DateInput, options: BusinessDayOptions = {}): number {
  const { weekend, holidays } = businessSetup(options);
  let a = dayNumber(ms(start));
  let b = dayNumber(ms(end));
  let sign = 1;
  if (b < a) {
    [a, b] = [b, a];
    sign = -1;
  }
  const none = new Set<number>();
  const total = b - a;
  const fullWeeks = Math.floor(total / 7);
  let count = fullWeeks * (7 - weekend.size);
  for (let day = a + fullWeeks * 7; day < b; day++) {
    if (isBusinessDayNumber(day, weekend, none)) count++;
  }
  for (const h of holidays) {
    if (h >= a && h < b && isBusinessDayNumber(h, weekend, none)) count--;
  }
  return sign * count;
}

/** Moves n business days forward (or back if n < 0), skipping weekends and holidays; keeps the time of day. */
export function addBusinessDays(date: DateInput, n: number, options: BusinessDayOptions = {}): Date {
  if (!Number.isInteger(n)) throw new Error("addBusinessDays: n must be a whole number");
  const { weekend, holidays } = businessSetup(options);
  let t = ms(date);
  const step = n < 0 ? -1 : 1;
  for (let left = Math.abs(n); left > 0; ) {
    t += step * MS_DAY;
    if (isBusinessDayNumber(dayNumber(t), weekend, holidays)) left--;
  }
  return new Date(t);
}

/** Human description of date relative to now (default: current time), e.g. "3 days ago", "in 2 hours", "just now". */
export function relativeTime(date: DateInput, now: DateInput = Date.now()): string {
  const delta = ms(date) - ms(now);
  const abs = Math.abs(delta);
  const sec = abs / MS_SECOND;
  const min = abs / MS_MINUTE;
  const hr = abs / MS_HOUR;
  const day = abs / MS_DAY;
  let n: number;
  let unit: string;
  if (sec < 10) return "just now";
  if (sec < 45) [n, unit] = [Math.round(sec), "second"];
  else if (sec < 90) [n, unit] = [1, "minute"];
  else if (min < 45) [n, unit] = [Math.round(min), "minute"];
  else if (min < 90) [n, unit] = [1, "hour"];
  else if (hr < 22) [n, unit] = [Math.round(hr), "hour"];
  else if (hr < 36) [n, unit] = [1, "day"];
  else if (day < 26) [n, unit] = [Math.round(day), "day"];
  else if (day < 45) [n, unit] = [1, "month"];
  else if (day < 320) [n, unit] = [Math.max(2, Math.round(day / 30.436875)), "month"];
  else if (day < 548) [n, unit] = [1, "year"];
  else [n, unit] = [Math.max(2, Math.round(day / 365.2425)), "year"];
  const phrase = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return delta < 0 ? `${phrase} ago` : `in ${phrase}`;
}

/** Dates from start to end inclusive, stepping by a duration (default "P1D"); each step is computed from start, so month ends don't drift. */
export function dateRange(start: DateInput, end: DateInput, step: Duration | string = "P1D", maxItems: number = 100000): Date[] {
  const s = ms(start);
  const e = ms(end);
  const d = toDuration(step);
  const first = addDuration(s, d).getTime();
  if (first <= s) throw new Error("dateRange: step must be a positive duration");
  const out: Date[] = [];
  if (d.years === 0 && d.months === 0) {
    const stepMs = first - s;
    if (e >= s && Math.floor((e - s) / stepMs) + 1 > maxItems) {
      throw new Error(`dateRange: more than ${maxItems} dates; use a bigger step or raise maxItems`);
    }
    for (let i = 0; s + i * stepMs <= e; i++) out.push(new Date(s + i * stepMs));
    return out;
  }
  for (let i = 0; ; i++) {
    const scaled: Duration = {
      years: d.years * i,
      months: d.months * i,
      weeks: d.weeks * i,
      days: d.days * i,
      hours: d.hours * i,
      minutes: d.minutes * i,
      seconds: d.seconds * i,
    };
    const t = addDuration(s, scaled).getTime();
    if (t > e) break;
    if (out.length >= maxItems) throw new Error(`dateRange: more than ${maxItems} dates; use a bigger step or raise maxItems`);
    out.push(new Date(t));
  }
  return out;
}
