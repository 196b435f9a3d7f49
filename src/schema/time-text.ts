/**
 * A time as people type it, read the same way by the CLI (`replay --from/--to`) and the API
 * (`/api/minutes?from=&to=`): ISO 8601 (a time without a zone is UTC, never the machine's zone) or
 * milliseconds since the epoch. Plain numbers must have 13 digits: a 10-digit one is seconds, a
 * common mistake that would otherwise select January 1970.
 */
export function readTimeText(text: string): { ms: number } | { error: string } {
  if (/^\d+$/.test(text)) {
    if (text.length === 10) return { error: `"${text}" looks like seconds since the epoch; give milliseconds (${text}000) or ISO 8601` };
    if (text.length !== 13) return { error: `"${clip(text)}" is not milliseconds since the epoch (13 digits) nor ISO 8601` };
    return { ms: Number(text) };
  }
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(text) ? `${text}Z` : text;
  const parts = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/.exec(zoned);
  // Date.parse reads an impossible date as another one (2025-02-30 as 2 March, T24:00 as the next midnight).
  const t = parts !== null && calendarTime(parts) ? Date.parse(zoned) : NaN;
  if (!Number.isFinite(t)) return { error: `not a time: "${clip(text)}" (ISO 8601 such as 2025-10-10T20:50Z, or 13-digit milliseconds since the epoch)` };
  return { ms: t };
}

/** Whether the written fields name a real moment: a day its month has, hours below 24, minutes and seconds below 60. */
function calendarTime([, year, month, day, hour = '0', minute = '0', second = '0', zoneHour = '0', zoneMinute = '0']: RegExpExecArray): boolean {
  const m = Number(month);
  // setUTCFullYear, not Date.UTC: that reads years 0-99 as 1900-1999 (and 1900 is no leap year, 0 is).
  const daysInMonth = new Date(new Date(0).setUTCFullYear(Number(year), m, 0)).getUTCDate();
  return m >= 1 && m <= 12 && Number(day) >= 1 && Number(day) <= daysInMonth && Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60 && Number(zoneHour) < 24 && Number(zoneMinute) < 60;
}

/** Echoed input is cut short: an error message must not carry a 100 KB query value back. */
const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
