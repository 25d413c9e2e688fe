import {
  addBusinessDays,
  addDuration,
  addTime,
  businessDaysBetween,
  dateRange,
  dayOfWeek,
  dayOfYear,
  daysInMonth,
  diff,
  durationBetween,
  durationToMilliseconds,
  endOf,
  formatDate,
  formatDuration,
  isBusinessDay,
  isLeapYear,
  isoWeek,
  isoWeekInfo,
  parseDate,
  parseDuration,
  relativeTime,
  startOf,
  subtractDuration,
  toIsoDate,
  toIsoString,
  tryParseDate,
  weekdayName,
} from "library/dates";
import { assert, assertEqual, assertThrows, checkCount } from "library/testing/assert";

const iso = (input: Parameters<typeof parseDate>[0]): string => parseDate(input).toISOString();

// --- parseDate: ISO 8601 forms, all UTC unless an offset is given ---
assertEqual(iso("2024-03-05"), "2024-03-05T00:00:00.000Z", "date only = UTC midnight");
assertEqual(iso("2024-03-05T10:20:30Z"), "2024-03-05T10:20:30.000Z", "datetime Z");
assertEqual(iso("2024-03-05T10:20:30"), "2024-03-05T10:20:30.000Z", "datetime without offset = UTC");
assertEqual(iso("2024-03-05 10:20"), "2024-03-05T10:20:00.000Z", "space separator, no seconds");
assertEqual(iso("2024-03-05T10:20:30.5+02:00"), "2024-03-05T08:20:30.500Z", "fraction and positive offset");
assertEqual(iso("2024-03-05T10:20:30.123456-0530"), "2024-03-05T15:50:30.123Z", "microseconds truncated, basic offset");
assertEqual(iso("2024-03-05T23:30:00-01"), "2024-03-06T00:30:00.000Z", "hour-only offset crosses midnight");
assertEqual(iso("20240305T102030Z"), "2024-03-05T10:20:30.000Z", "basic format");
assertEqual(iso("2024-03"), "2024-03-01T00:00:00.000Z", "year-month");
assertEqual(iso("2024"), "2024-01-01T00:00:00.000Z", "year only");
assertEqual(iso("2024-W10-2"), "2024-03-05T00:00:00.000Z", "ISO week date");
assertEqual(iso("2020-W53-7"), "2021-01-03T00:00:00.000Z", "week 53");
assertEqual(iso("2024W01"), "2024-01-01T00:00:00.000Z", "basic week date, Monday");
assertEqual(iso("2024-065"), "2024-03-05T00:00:00.000Z", "ordinal date");
assertEqual(iso("2024-12-31T24:00:00Z"), "2025-01-01T00:00:00.000Z", "24:00 is next midnight");
assertEqual(iso("0099-06-15"), "0099-06-15T00:00:00.000Z", "two-digit years are not shifted to 19xx");
assertEqual(iso("Tue, 05 Mar 2024 10:20:30 GMT"), "2024-03-05T10:20:30.000Z", "RFC 2822 / HTTP date");
assertEqual(iso("5 Mar 2024 10:20 +0100"), "2024-03-05T09:20:00.000Z", "RFC 2822 with offset");
assertEqual(iso(1709634030000), "2024-03-05T10:20:30.000Z", "epoch ms");
assertEqual(iso(new Date(Date.UTC(2024, 2, 5))), "2024-03-05T00:00:00.000Z", "Date copy");
assertThrows(() => parseDate("2023-02-29"), /day 29 does not exist/, "invalid leap day");
assertThrows(() => parseDate("2024-13-01"), /month 13/, "invalid month");
assertThrows(() => parseDate("2024-01-01T25:00"), /hour 25/, "invalid hour");
assertThrows(() => parseDate("2021-W53"), /week 53 does not exist/, "2021 has no week 53");
assertThrows(() => parseDate("03/05/2024"), /Cannot parse date "03\/05\/2024"/, "ambiguous US format rejected");
assertThrows(() => parseDate("next tuesday"), /Expected ISO 8601/, "garbage rejected with hint");
assertThrows(() => parseDate(new Date(NaN)), /Invalid Date/, "invalid Date object");
assertEqual(tryParseDate("nope"), null, "tryParseDate null");
assertEqual(tryParseDate("2024-01-01")?.getTime(), Date.UTC(2024, 0, 1), "tryParseDate ok");
assertEqual(toIsoString("2024-03-05T10:20:30+01:00"), "2024-03-05T09:20:30.000Z", "toIsoString");
assertEqual(toIsoDate("2024-03-05T23:59:59-02:00"), "2024-03-06", "toIsoDate is the UTC date");

// --- durations ---
assertEqual(parseDuration("P1Y2M3DT4H5M6.5S"), { years: 1, months: 2, weeks: 0, days: 3, hours: 4, minutes: 5, seconds: 6.5 }, "full duration");
assertEqual(parseDuration("PT90M"), { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 90, seconds: 0 }, "minutes only");
assertEqual(parseDuration("P2W").weeks, 2, "weeks");
assertEqual(parseDuration("-P1DT12H"), { years: 0, months: 0, weeks: 0, days: -1, hours: -12, minutes: 0, seconds: 0 }, "negative");
assertEqual(parseDuration("PT0,5H").hours, 0.5, "comma decimal");
assertEqual(parseDuration("p1d").days, 1, "lowercase accepted");
for (const bad of ["P", "PT", "P1DT", "1D", "P1H", "PT1D", "P1.5", ""]) {
  assertThrows(() => parseDuration(bad), /Cannot parse duration/, `invalid duration ${JSON.stringify(bad)}`);
}
assertEqual(formatDuration({ days: 1, hours: 2 }), "P1DT2H", "formatDuration");
assertEqual(formatDuration(parseDuration("P1Y2M3DT4H5M6.5S")), "P1Y2M3DT4H5M6.5S", "format round trip");
assertEqual(formatDuration({ hours: -1, minutes: -30 }), "-PT1H30M", "negative format");
assertEqual(formatDuration({}), "PT0S", "zero duration");
assertEqual(durationToMilliseconds("P1DT1H"), 25 * 3600 * 1000, "duration ms");
assertEqual(durationToMilliseconds({ minutes: 1.5 }), 90000, "duration ms object");
assertEqual(durationToMilliseconds("P1M", "2024-02-01"), 29 * 86400000, "P1M from Feb 2024 is 29 days");
assertThrows(() => durationToMilliseconds("P1M"), /relativeTo/, "months need relativeTo");

// --- add / subtract ---
assertEqual(addDuration("2024-01-31T10:00:00Z", "P1M").toISOString(), "2024-02-29T10:00:00.000Z", "month end clamps (leap)");
assertEqual(addDuration("2023-01-31", "P1M").toISOString(), "2023-02-28T00:00:00.000Z", "month end clamps");
assertEqual(addDuration("2024-02-29", "P1Y").toISOString(), "2025-02-28T00:00:00.000Z", "leap day + 1 year");
assertEqual(addDuration("2024-03-05T10:00:00Z", "P1DT2H30M").toISOString(), "2024-03-06T12:30:00.000Z", "days and time");
assertEqual(addDuration("2024-12-31", { months: 2, days: 1 }).toISOString(), "2025-03-01T00:00:00.000Z", "object duration across year");
assertEqual(addDuration("2024-03-05", "-P5D").toISOString(), "2024-02-29T00:00:00.000Z", "negative duration");
assertEqual(subtractDuration("2024-03-31", "P1M").toISOString(), "2024-02-29T00:00:00.000Z", "subtract month clamps");
assertEqual(subtractDuration("2024-03-05T00:00:00Z", "PT1S").toISOString(), "2024-03-04T23:59:59.000Z", "subtract second");
assertEqual(addTime("2024-01-01", 3, "days").toISOString(), "2024-01-04T00:00:00.000Z", "addTime days");
assertEqual(addTime("2024-01-01", -90, "minute").toISOString(), "2023-12-31T22:30:00.000Z", "addTime negative minutes");
assertEqual(addTime("2024-11-30", 1, "quarter").toISOString(), "2025-02-28T00:00:00.000Z", "addTime quarter clamps");
assertEqual(addTime("2024-01-15", 0.5, "year").toISOString(), "2024-07-15T00:00:00.000Z", "half a year = 6 months");
assertThrows(() => addTime("2024-01-01", 1.5, "months"), /fractional/, "fractional months rejected");
assertThrows(() => addTime("2024-01-01", 1, "fortnight" as "day"), /Unknown time unit/, "unknown unit");

// --- diff ---
assertEqual(diff("2024-03-05", "2024-03-01", "days"), 4, "diff days");
assertEqual(diff("2024-03-01", "2024-03-05", "days"), -4, "diff negative");
assertEqual(diff("2024-03-05T12:00:00Z", "2024-03-01", "days"), 4, "diff truncates");
assertEqual(diff("2024-03-05T12:00:00Z", "2024-03-01", "days", { exact: true }), 4.5, "diff exact");
assertEqual(diff("2024-03-01T01:00:00Z", "2024-03-01", "ms"), 3600000, "diff ms alias");
assertEqual(diff("2024-02-29", "2024-01-31", "months"), 1, "calendar month diff with clamp");
assertEqual(diff("2024-02-28", "2024-01-31", "months"), 0, "not yet a full month");
assertEqual(diff("2025-03-05", "2024-03-05", "years"), 1, "years");
assertEqual(diff("2025-03-04", "2024-03-05", "years"), 0, "just under a year");
assertEqual(diff("2024-07-01", "2024-01-01", "quarters"), 2, "quarters");
assertEqual(diff("2024-01-16", "2024-01-01", "months", { exact: true }), 15 / 31, "fractional months");
assertEqual(diff("2024-03-15", "2024-03-01", "weeks"), 2, "weeks");
assertEqual(
  durationBetween("2024-01-31", "2024-03-02T03:04:05.5Z"),
  { years: 0, months: 1, weeks: 0, days: 2, hours: 3, minutes: 4, seconds: 5.5 },
  "durationBetween calendar breakdown",
);
assertEqual(durationBetween("2020-02-29", "2024-03-01"), { years: 4, months: 0, weeks: 0, days: 1, hours: 0, minutes: 0, seconds: 0 }, "durationBetween years");
assertEqual(durationBetween("2024-03-02", "2024-03-01"), { years: 0, months: 0, weeks: 0, days: -1, hours: 0, minutes: 0, seconds: 0 }, "durationBetween negative");
const from = "2023-05-17T08:00:00Z";
const to = "2025-02-03T19:45:10Z";
assertEqual(addDuration(from, durationBetween(from, to)).toISOString(), parseDate(to).toISOString(), "durationBetween round trip");

// --- calendar facts ---
assert(isLeapYear(2024) && isLeapYear(2000) && !isLeapYear(1900) && !isLeapYear(2023), "isLeapYear");
assertEqual([1, 2, 4, 12].map((m) => daysInMonth(2024, m)), [31, 29, 30, 31], "daysInMonth 2024");
assertEqual(daysInMonth(2023, 2), 28, "daysInMonth Feb 2023");
assertEqual(dayOfWeek("2024-03-05"), 2, "Tuesday = 2");
assertEqual(dayOfWeek("2024-03-05T23:30:00-05:00"), 3, "dayOfWeek is UTC");
assertEqual(weekdayName("2024-03-05"), "Tuesday", "weekdayName");
assertEqual(weekdayName("2024-03-10", "short"), "Sun", "weekdayName short");
assertEqual(dayOfYear("2024-12-31"), 366, "dayOfYear leap");
assertEqual(dayOfYear("2023-03-01"), 60, "dayOfYear");
assertEqual(isoWeek("2024-03-05"), 10, "isoWeek");
assertEqual(isoWeekInfo("2021-01-03"), { year: 2020, week: 53, weekday: 7 }, "Jan 3 2021 is in 2020-W53");
assertEqual(isoWeekInfo("2024-12-30"), { year: 2025, week: 1, weekday: 1 }, "Dec 30 2024 is in 2025-W01");
assertEqual(isoWeek("2026-12-31"), 53, "2026 has 53 weeks");
assertEqual(isoWeek("2023-01-01"), 52, "Jan 1 2023 belongs to 2022-W52");
for (let y = 2000; y < 2030; y++) {
  for (const md of ["01-01", "01-04", "06-15", "12-28", "12-31"]) {
    const info = isoWeekInfo(`${y}-${md}`);
    const back = parseDate(`${info.year}-W${String(info.week).padStart(2, "0")}-${info.weekday}`);
    assertEqual(back.toISOString().slice(0, 10), `${y}-${md}`, `week date round trip ${y}-${md}`);
  }
}

// --- startOf / endOf ---
const t = "2024-03-07T15:45:30.250Z"; // a Thursday
assertEqual(startOf(t, "day").toISOString(), "2024-03-07T00:00:00.000Z", "startOf day");
assertEqual(endOf(t, "day").toISOString(), "2024-03-07T23:59:59.999Z", "endOf day");
assertEqual(startOf(t, "hour").toISOString(), "2024-03-07T15:00:00.000Z", "startOf hour");
assertEqual(startOf(t, "minute").toISOString(), "2024-03-07T15:45:00.000Z", "startOf minute");
assertEqual(startOf(t, "second").toISOString(), "2024-03-07T15:45:30.000Z", "startOf second");
assertEqual(startOf(t, "week").toISOString(), "2024-03-04T00:00:00.000Z", "startOf week (Monday)");
assertEqual(startOf(t, "week", { weekStartsOn: 0 }).toISOString(), "2024-03-03T00:00:00.000Z", "startOf week (Sunday)");
assertEqual(endOf(t, "week").toISOString(), "2024-03-10T23:59:59.999Z", "endOf week");
assertEqual(startOf("2024-03-10T12:00:00Z", "isoWeek").toISOString(), "2024-03-04T00:00:00.000Z", "isoWeek of a Sunday");
assertEqual(startOf(t, "month").toISOString(), "2024-03-01T00:00:00.000Z", "startOf month");
assertEqual(endOf("2024-02-10", "month").toISOString(), "2024-02-29T23:59:59.999Z", "endOf Feb leap");
assertEqual(startOf("2024-08-20", "quarter").toISOString(), "2024-07-01T00:00:00.000Z", "startOf quarter");
assertEqual(endOf("2024-08-20", "quarter").toISOString(), "2024-09-30T23:59:59.999Z", "endOf quarter");
assertEqual(startOf(t, "year").toISOString(), "2024-01-01T00:00:00.000Z", "startOf year");
assertEqual(endOf(t, "year").toISOString(), "2024-12-31T23:59:59.999Z", "endOf year");
assertEqual(startOf("2024-03-07T23:30:00Z", "day", { offsetMinutes: 120 }).toISOString(), "2024-03-07T22:00:00.000Z", "startOf day at UTC+2");
assertEqual(endOf("2024-01-31T23:30:00Z", "month", { offsetMinutes: 60 }).toISOString(), "2024-02-29T22:59:59.999Z", "endOf month at UTC+1");

// --- formatDate ---
const f = "2024-03-05T07:08:09.045Z";
assertEqual(formatDate(f, "YYYY-MM-DD HH:mm:ss.SSS"), "2024-03-05 07:08:09.045", "basic tokens");
assertEqual(formatDate(f), "2024-03-05T07:08:09Z", "default pattern");
assertEqual(formatDate(f, "ddd, D MMM YYYY"), "Tue, 5 Mar 2024", "names");
assertEqual(formatDate(f, "dddd Do MMMM YY"), "Tuesday 5th March 24", "long names, ordinal");
assertEqual(formatDate(f, "h:mm A / hh a"), "7:08 AM / 07 am", "12-hour clock");
assertEqual(formatDate("2024-03-05T19:00:00Z", "h A"), "7 PM", "PM");
assertEqual(formatDate("2024-03-05T00:30:00Z", "h:mm a"), "12:30 am", "midnight is 12 am");
assertEqual(formatDate(f, "[Week] W, GGGG-[W]WW-E, Qo [quarter], [day] DDD"), "Week 10, 2024-W10-2, 1st quarter, day 65", "week/quarter/ordinal tokens and literals");
assertEqual(formatDate(f, "X x"), "1709622489 1709622489045", "unix timestamps");
assertEqual(formatDate(f, "YYYY-MM-DDTHH:mmZ", { offsetMinutes: 330 }), "2024-03-05T12:38+05:30", "fixed offset");
assertEqual(formatDate(f, undefined, { offsetMinutes: -480 }), "2024-03-04T23:08:09-08:00", "default pattern with offset");
assertEqual(formatDate(f, "ZZ"), "+0000", "ZZ");
assertEqual(formatDate("2024-03-21", "Do|Do", {}), "21st|21st", "21st");
assertEqual(["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-11", "2024-03-12", "2024-03-13", "2024-03-22", "2024-03-23"].map((d) => formatDate(d, "Do")), ["1st", "2nd", "3rd", "11th", "12th", "13th", "22nd", "23rd"], "ordinals");

// --- business days ---
assertEqual(businessDaysBetween("2024-03-04", "2024-03-11"), 5, "Mon..next Mon = 5");
assertEqual(businessDaysBetween("2024-03-01", "2024-03-04"), 1, "Fri..Mon = 1 (Friday only)");
assertEqual(businessDaysBetween("2024-03-02", "2024-03-03"), 0, "weekend only");
assertEqual(businessDaysBetween("2024-03-11", "2024-03-04"), -5, "reversed is negative");
assertEqual(businessDaysBetween("2024-03-04", "2024-03-04"), 0, "same day");
assertEqual(businessDaysBetween("2024-03-04", "2024-03-11", { holidays: ["2024-03-06", "2024-03-09", "2024-03-06"] }), 4, "holidays (weekend/duplicate holidays ignored)");
assertEqual(businessDaysBetween("2024-03-03", "2024-03-10", { weekend: [5, 6] }), 5, "Fri/Sat weekend");
assertEqual(businessDaysBetween("2024-01-01", "2025-01-01"), 262, "business days in 2024");
let brute = 0;
for (let d = parseDate("2023-11-07").getTime(); d < parseDate("2024-02-19").getTime(); d += 86400000) if (isBusinessDay(d, { holidays: ["2023-12-25", "2024-01-01"] })) brute++;
assertEqual(businessDaysBetween("2023-11-07", "2024-02-19", { holidays: ["2023-12-25", "2024-01-01"] }), brute, "matches brute force");
assert(isBusinessDay("2024-03-05") && !isBusinessDay("2024-03-09") && !isBusinessDay("2024-12-25", { holidays: ["2024-12-25"] }), "isBusinessDay");
assertEqual(addBusinessDays("2024-03-08T09:00:00Z", 1).toISOString(), "2024-03-11T09:00:00.000Z", "Fri + 1 = Mon, time kept");
assertEqual(addBusinessDays("2024-03-04", 10).toISOString().slice(0, 10), "2024-03-18", "+10 business days");
assertEqual(addBusinessDays("2024-03-11", -1).toISOString().slice(0, 10), "2024-03-08", "Mon - 1 = Fri");
assertEqual(addBusinessDays("2024-03-07", 2, { holidays: ["2024-03-08"] }).toISOString().slice(0, 10), "2024-03-12", "skips holiday");
assertThrows(() => businessDaysBetween("2024-01-01", "2024-02-01", { weekend: [0, 1, 2, 3, 4, 5, 6] }), /all seven/, "weekend cannot be all days");
assertThrows(() => isBusinessDay("2024-01-01", { weekend: [7] }), /0 \(Sunday\)/, "weekend day out of range");

// --- relativeTime ---
const now = "2024-03-05T12:00:00Z";
assertEqual(relativeTime("2024-03-02T12:00:00Z", now), "3 days ago", "3 days ago");
assertEqual(relativeTime("2024-03-05T14:00:00Z", now), "in 2 hours", "in 2 hours");
assertEqual(relativeTime("2024-03-05T11:59:57Z", now), "just now", "just now");
assertEqual(relativeTime("2024-03-05T11:59:30Z", now), "30 seconds ago", "seconds");
assertEqual(relativeTime("2024-03-05T11:59:00Z", now), "1 minute ago", "1 minute");
assertEqual(relativeTime("2024-03-05T11:20:00Z", now), "40 minutes ago", "minutes");
assertEqual(relativeTime("2024-03-05T11:00:00Z", now), "1 hour ago", "1 hour");
assertEqual(relativeTime("2024-03-04T12:00:00Z", now), "1 day ago", "1 day");
assertEqual(relativeTime("2024-02-05T12:00:00Z", now), "1 month ago", "1 month");
assertEqual(relativeTime("2023-12-05T12:00:00Z", now), "3 months ago", "months");
assertEqual(relativeTime("2023-03-05T12:00:00Z", now), "1 year ago", "1 year");
assertEqual(relativeTime("2027-03-05T12:00:00Z", now), "in 3 years", "in 3 years");
assert(/ago|in |just now/.test(relativeTime(Date.now() - 5 * 60000)), "default now");

// --- dateRange ---
assertEqual(dateRange("2024-02-27", "2024-03-02").map(toIsoDate), ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"], "daily range inclusive");
assertEqual(dateRange("2024-01-31", "2024-05-31", "P1M").map(toIsoDate), ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"], "monthly range without drift");
assertEqual(dateRange("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", { minutes: 30 }).length, 3, "30-minute steps");
assertEqual(dateRange("2024-01-05", "2024-01-01"), [], "end before start -> empty");
assertThrows(() => dateRange("2024-01-01", "2024-02-01", "-P1D"), /positive/, "negative step rejected");
assertThrows(() => dateRange("2000-01-01", "2024-01-01", "PT1M"), /more than 100000/, "range size guard");

export default `ok: ${checkCount()} checks`;
