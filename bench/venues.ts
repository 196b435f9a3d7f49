import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log.js';
import { readRecording } from '../src/replay/recording.js';
import { writeOct10 } from '../src/simulate/write.js';
import { VENUES, type VenueId } from '../src/schema/events.js';
import { venueModule } from '../src/venues/registry.js';
import { fmt, throughput } from './stats.js';

/**
 * Every venue's own frames, not only Binance USD-M: the frames of a simulated 10 October hour
 * (20:30-21:30, the cascade), per venue, each parser against JSON.parse of the same frames in the
 * same run. No peer is shown here: ccxt parses only Binance's liquidation messages (section above).
 */
export async function benchVenues(out: (line: string) => void, perVenue = 50_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-venues-'));
  try {
    const file = join(dir, 'hour.ndjson.gz');
    await writeOct10(file, { seed: 20251010, accounts: 1_600_000, fromMinute: 20 * 60 + 30, toMinute: 21 * 60 + 30 });
    // Hyperliquid's socket frames and its node's fill blocks are different parsers' work (and fast paths): a row each.
    const socket = 'hyperliquid (socket)';
    const node = 'hyperliquid (node blocks)';
    const rowOf = (venue: VenueId, frame: string): string => (venue !== 'hyperliquid' ? venue : frame.startsWith('{"channel"') ? socket : node);
    const frames = new Map<string, { venue: VenueId; list: string[] }>(
      VENUES.flatMap((venue) => (venue === 'hyperliquid' ? [socket, node] : [venue]).map((row) => [row, { venue, list: [] as string[] }] as const)),
    );
    for await (const item of readRecording(file)) {
      if (!item.ok) continue;
      const list = frames.get(rowOf(item.frame.venue, item.frame.frame))?.list;
      if (list && list.length < perVenue) list.push(item.frame.frame);
    }
    out('every venue (simulated 10 Oct 20:30-21:30)   frames   bytes/frame   JSON.parse/s   liqstream/s   ratio');
    for (const [row, { venue, list }] of frames) {
      if (list.length === 0) continue;
      const parse = venueModule(venue).parser({}, { log: silentLogger() });
      // Ten passes each, best kept: a parser that builds events reaches its steady rate (JIT tiers, a young
      // generation sized to its garbage) only after a few passes over the frames; native JSON.parse needs none.
      const json = throughput(list, (f) => JSON.parse(f), 10);
      const ours = throughput(list, (f) => parse(f, 0).ok, 10);
      const bytes = list.reduce((s, f) => s + f.length, 0) / list.length;
      out(`  ${row.padEnd(40)} ${fmt(list.length).padStart(7)} ${fmt(bytes).padStart(12)} ${fmt(json).padStart(14)} ${fmt(ours).padStart(13)} ${fmt(ours / json, 2).padStart(7)}`);
    }
    out('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
