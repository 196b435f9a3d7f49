import type { ForceOrder } from './parse.js';

/**
 * Reads a combined-stream forceOrder frame without JSON.parse when it has exactly the layout
 * Binance's serialiser produces (documented key order, no whitespace, no escapes), which is
 * every live frame. A regex over the whole text is about four times cheaper than building the
 * object tree, and it is at least as strict as the schema: a frame it accepts is one `JSON.parse`
 * plus the `ForceOrder` schema would accept with the same values (a property test holds it to
 * that). Anything else, including every malformed frame, returns undefined and takes the full path.
 */
const str = '"([^"\\\\\\u0000-\\u001f]*)"'; // a JSON string without escapes or control characters
const skip = '"[^"\\\\\\u0000-\\u001f]*"';
const nonEmpty = '"([^"\\\\\\u0000-\\u001f]+)"';
const int = '(0|[1-9][0-9]{0,15})'; // range-checked below: the schema takes safe integers only

const FRAME = new RegExp(
  '^\\{"stream":' + skip + ',"data":\\{"e":"forceOrder","E":' + int + ',"o":\\{' +
    '"s":' + nonEmpty + '(?:,"ps":' + nonEmpty + ')?,"S":"(BUY|SELL)","o":' + skip + ',"f":' + skip +
    ',"q":' + skip + ',"p":' + skip + ',"ap":' + str + ',"X":' + str + ',"l":' + skip + ',"z":' + str +
    ',"T":' + int + '\\}\\}\\}$',
);

export function readForceOrderFrame(frame: string): ForceOrder['o'] | undefined {
  const m = FRAME.exec(frame);
  if (m === null) return undefined;
  const E = Number(m[1]);
  const T = Number(m[8]);
  if (!Number.isSafeInteger(E) || !Number.isSafeInteger(T)) return undefined;
  const o: ForceOrder['o'] = { s: m[2]!, S: m[4] as 'BUY' | 'SELL', ap: m[5]!, X: m[6]!, z: m[7]!, T };
  if (m[3] !== undefined) o.ps = m[3];
  return o;
}
