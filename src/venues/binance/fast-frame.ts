import { NO, content, decimalStr, epochMs, lit, nonEmptyStr, str, uint } from '../scan.js';
import type { ForceOrder } from './schema.js';

/**
 * Reads a combined-stream forceOrder frame without JSON.parse when it has exactly the layout
 * Binance's serialiser produces (documented key order, no whitespace, no escapes), which is
 * every live frame. Scanning the text is several times cheaper than building the object tree, and
 * it is at least as strict as the schema: a frame it accepts is one `JSON.parse` plus the
 * `ForceOrder` schema would accept with the same values (a property test holds it to that).
 * Anything else, including every malformed frame, is declined and takes the full path.
 */

/** The fields of a forceOrder's order that make the event. */
export type ForceOrderFill = Pick<ForceOrder['o'], 's' | 'ps' | 'S' | 'ap' | 'z' | 'T'>;

/**
 * `Ttext` is `T` as written: the event id needs it as text, and converting a 13-digit number back
 * costs about as much as the rest of the id.
 */
export type FastForceOrderFill = ForceOrderFill & { Ttext: string };

/** Fills `into` (one object per parser, reused) and returns true, or returns false for the full path. */
export function readForceOrderFrame(f: string, into: FastForceOrderFill): boolean {
  let i = lit(f, 0, '{"stream":');
  i = lit(f, str(f, i), ',"data":{"e":"forceOrder","E":');
  // At most 15 digits, so always a safe integer as the schema requires.
  i = lit(f, uint(f, i, 15), ',"o":{"s":');
  const s = i;
  i = nonEmptyStr(f, i);
  const sEnd = i;
  let ps = NO;
  let psEnd = NO;
  if (lit(f, i, ',"ps":') !== NO) {
    ps = i + 6;
    i = psEnd = nonEmptyStr(f, ps);
  }
  i = lit(f, i, ',"S":"');
  const sell = lit(f, i, 'SELL"') !== NO;
  i = sell ? i + 5 : lit(f, i, 'BUY"');
  i = lit(f, str(f, lit(f, i, ',"o":')), ',"f":');
  i = lit(f, str(f, lit(f, str(f, lit(f, str(f, i), ',"q":')), ',"p":')), ',"ap":');
  // Quantities and prices in the schema's decimal form (fields.ts), so "0x10" or "" takes the full path and is rejected there.
  const ap = i;
  i = decimalStr(f, i);
  const apEnd = i;
  i = lit(f, str(f, lit(f, str(f, lit(f, i, ',"X":')), ',"l":')), ',"z":');
  const z = i;
  i = decimalStr(f, i);
  const zEnd = i;
  i = lit(f, i, ',"T":');
  const t = i;
  i = epochMs(f, i);
  const tEnd = i;
  if (lit(f, i, '}}}') !== f.length) return false;
  into.s = content(f, s, sEnd);
  into.ps = ps === NO ? undefined : content(f, ps, psEnd);
  into.S = sell ? 'SELL' : 'BUY';
  into.ap = content(f, ap, apEnd);
  into.z = content(f, z, zEnd);
  // Only canonical integers pass epochMs, so Ttext is exactly String(T).
  into.Ttext = f.slice(t, tEnd);
  into.T = Number(into.Ttext);
  return true;
}
