import { parseNodeTime } from '../venues/hyperliquid/node-block.js';
import { Lz4Truncated } from '../venues/hyperliquid/lz4-frame.js';
import { readNodeFillsFile } from '../venues/hyperliquid/node-fills.js';
import type { VenueId } from '../schema/events.js';
import type { FrameParser } from '../venues/venue.js';
import type { InputFormat } from './formats.js';
import { cutShort, readRecording, type RecordingItem } from './recording.js';
import { CUT_SHORT, readTardisLiquidations, tardisRowParser } from './tardis.js';


const LOCAL_TIME = /"local_time"\s*:\s*"([^"]+)"/;

/**
 * A Hyperliquid node's node_fills_by_block file (plain or .lz4) as recording items: each line is a
 * frame of venue `hyperliquid`, received at the node's `local_time`.
 */
export async function* readNodeFills(path: string): AsyncGenerator<RecordingItem> {
  let line = 0;
  try {
    for await (const text of readNodeFillsFile(path)) {
      line += 1;
      if (text.trim() === '') continue;
      const local = LOCAL_TIME.exec(text)?.[1];
      const recv = local === undefined ? undefined : parseNodeTime(local);
      if (recv === undefined) yield { ok: false, line, reason: 'no valid local_time', text };
      else yield { ok: true, frame: { recv, venue: 'hyperliquid', frame: text } };
    }
  } catch (err) {
    // A .lz4 cut short (an archive download stopped part way): its whole lines count, then one bad line, as a
    // recording's .gz does. A corrupt one (a checksum that does not match) still fails the input.
    if (!(err instanceof Lz4Truncated)) throw err;
    yield cutShort(err, line + 1, CUT_SHORT);
  }
}

export const sourceFor = (format: InputFormat): ((path: string) => AsyncIterable<RecordingItem>) =>
  format === 'hyperliquid-node-fills' ? readNodeFills : format === 'tardis-liquidations' ? readTardisLiquidations : readRecording;

/** Formats whose lines are not venue frames bring their own parser. */
export function parsersFor(format: InputFormat): Record<VenueId, FrameParser> | undefined {
  if (format !== 'tardis-liquidations') return undefined;
  return Object.fromEntries((['binance-usdm', 'binance-coinm', 'bybit-linear', 'bybit-inverse'] as const).map((v) => [v, tardisRowParser(v)]));
}
