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
  const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(zoned) ? Date.parse(zoned) : NaN;
  if (!Number.isFinite(t)) return { error: `not a time: "${clip(text)}" (ISO 8601 such as 2025-10-10T20:50Z, or 13-digit milliseconds since the epoch)` };
  return { ms: t };
}

/** Echoed input is cut short: an error message must not carry a 100 KB query value back. */
const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
