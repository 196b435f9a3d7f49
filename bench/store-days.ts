/**
 * 90 simulated days in the history store (issue 19): 89 quiet days before the simulated 10 October,
 * written through the store sink, and the 10 October itself imported from the simulator's recording
 * (`liqstream store import`, as a user backfills). Then the issue's two queries through `liqstream
 * query` (fresh processes: what a user waits for, the CLI's start included), and the bytes each day
 * takes. Not a test: it prints what this machine does, and the targets met or missed.
 *
 * A quiet day (BENCH_QUIET_LIQUIDATIONS, default 40,000 liquidations, about $0.35B) is generated here
 * as normalized events: five venues in the 10 October's proportions, the simulator's coins and prices,
 * random 32-hex ids (compressing as badly as real hashes do), and open interest once a minute per venue
 * and coin, the coins the simulator writes for each venue.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/log.js';
import type { LiquidationEvent, NormalizedEvent, OpenInterestEvent, VenueId } from '../src/schema/events.js';
import { StoreConfig } from '../src/sinks/store/config.js';
import { StoreSink } from '../src/sinks/store/store-sink.js';
import { COINS, pickCoin } from '../src/simulate/market.js';
import { OCT10 } from '../src/simulate/oct10-profile.js';
import { prng, type Prng } from '../src/simulate/prng.js';
import { VENUE_ENCODERS } from '../src/simulate/venue-frames.js';
import { writeOct10 } from '../src/simulate/write.js';
import { fmt } from './stats.js';
import { bytesUnder } from './store.js';
import { NO_FIGURES, type Recorder } from './targets.js';

const CLI = fileURLToPath(new URL('../bundle/cli/main.js', import.meta.url));
const DAY = 86_400_000;
/** The issue's bound for each query, on 2 cores. */
const QUERY_TARGET_S = 2;

/** The targets table's id of each query (bench/targets.ts). */
const QUERY_IDS: Record<keyof typeof QUERIES, string> = {
  'top 20 minutes by USD across 90 days': 'store-days:top20',
  'liquidation/OI ratio per venue per day': 'store-days:ratio',
};

export const QUERIES = {
  'top 20 minutes by USD across 90 days': `SELECT date_trunc('minute', event_time) AS minute, sum(usd) AS usd FROM liquidations WHERE kind IN ('liquidation', 'backstop') GROUP BY 1 ORDER BY 2 DESC LIMIT 20`,
  // Open interest per venue and day: the day's mean of each symbol's samples, summed over symbols.
  'liquidation/OI ratio per venue per day': `WITH l AS (SELECT venue, day, sum(usd) AS usd FROM liquidations WHERE kind IN ('liquidation', 'backstop') GROUP BY ALL), o AS (SELECT venue, day, sum(oi) AS oi FROM (SELECT venue, day, symbol, avg(oi_usd) AS oi FROM open_interest GROUP BY ALL) GROUP BY ALL) SELECT venue, day, l.usd / o.oi AS ratio FROM l JOIN o USING (venue, day) ORDER BY day, venue`,
} as const;

const SYMBOL: Record<string, (coin: string) => string> = {
  hyperliquid: (c) => c,
  'bybit-linear': (c) => `${c}USDT`,
  'binance-usdm': (c) => `${c}USDT`,
  'bybit-inverse': (c) => `${c}USD`,
  'binance-coinm': (c) => `${c}USD_PERP`,
};
// The quiet days' venues: the five whose symbols are spelt here, in their 10 October shares (the simulated day
// has more venues since; a venue without a symbol here would fail the generator).
const BIG = Object.entries(OCT10.venueUsd).filter(([v]) => v in SYMBOL);
const SHARE: Record<string, number> = Object.fromEntries(BIG.map(([v, usd]) => [v, usd / BIG.reduce((a, [, u]) => a + u, 0)]));
const FIDELITY: Record<string, LiquidationEvent['fidelity']> = { 'binance-usdm': 'sampled', 'binance-coinm': 'sampled' };

const hex = (r: Prng, n: number): string => Array.from({ length: n }, () => r.int(16).toString(16)).join('');

function pickVenue(r: Prng): VenueId {
  let x = r.next();
  for (const [v, share] of Object.entries(SHARE)) if ((x -= share) < 0) return v as VenueId;
  return 'hyperliquid';
}

/** One quiet day's events in receive-time order (liquidations, then the minute's open interest). */
export function* quietDay(day: number, liquidations: number, r: Prng): Generator<NormalizedEvent[]> {
  const perMinute = liquidations / 1_440;
  for (let m = 0; m < 1_440; m++) {
    const start = day + m * 60_000;
    const batch: NormalizedEvent[] = [];
    const n = Math.floor(perMinute) + (r.next() < perMinute % 1 ? 1 : 0);
    const times = Array.from({ length: n }, () => start + r.int(60_000)).sort((a, b) => a - b);
    for (const t of times) {
      const venue = pickVenue(r);
      const coin = pickCoin(r);
      const price = Number((coin.price * (1 + 0.01 * r.normal())).toPrecision(5));
      const usd = Math.min(r.lognormal(8_000, 1.1), 3_000_000);
      const qty = usd / price;
      batch.push({
        type: 'liquidation', venue, id: hex(r, 32), symbol: SYMBOL[venue]!(coin.coin), base: coin.coin, side: r.next() < 0.6 ? 'long' : 'short',
        price, qty, notionalUsd: price * qty, eventTime: t, receiveTime: t + 50 + r.int(250), fidelity: FIDELITY[venue] ?? 'complete', kind: 'liquidation', source: 'bench',
      });
    }
    for (const venue of Object.keys(OCT10.openInterestUsd).filter((v) => v in SYMBOL)) {
      const total = OCT10.openInterestUsd[venue as keyof typeof OCT10.openInterestUsd];
      for (const coin of COINS.filter((c) => VENUE_ENCODERS[venue as keyof typeof VENUE_ENCODERS].coins.includes(c.coin))) {
        const oiUsd = total * coin.weight * (1 + 0.01 * r.normal());
        const t = start + 59_000 + r.int(900);
        const oi: OpenInterestEvent = { type: 'open_interest', venue: venue as VenueId, symbol: SYMBOL[venue]!(coin.coin), base: coin.coin, oiBase: oiUsd / coin.price, oiUsd, markPrice: coin.price, eventTime: t, receiveTime: t + 100, source: 'bench' };
        batch.push(oi);
      }
    }
    yield batch;
  }
}

/** Bytes of each day's partitions (all tables, all venues). */
function bytesByDay(store: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const table of readdirSync(store).filter((d) => d.startsWith('table=')))
    for (const venue of readdirSync(join(store, table)))
      for (const day of readdirSync(join(store, table, venue))) {
        const d = day.slice('day='.length);
        out.set(d, (out.get(d) ?? 0) + bytesUnder(join(store, table, venue, day)));
      }
  return out;
}

function cli(args: string[]): { seconds: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--max-semi-space-size=64', CLI, ...args], { env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`liqstream ${args.join(' ')} failed: ${r.stderr}`);
  return { seconds: (performance.now() - t) / 1000, stdout: r.stdout };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchStoreDays(out: (line: string) => void, figures: Recorder = NO_FIGURES): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const days = Number(process.env.BENCH_STORE_DAYS ?? 90);
  const perDay = Number(process.env.BENCH_QUIET_LIQUIDATIONS ?? (quick ? 2_000 : 40_000));
  const dir = process.env.BENCH_STORE_DIR ?? mkdtempSync(join(tmpdir(), 'liqstream-bench-days-'));
  const store = join(dir, 'store');
  const oct10 = new Date(OCT10.day).toISOString().slice(0, 10);
  // A store kept from an earlier run (BENCH_STORE_DIR) that holds the 10 October is not imported again.
  const kept = existsSync(join(store, 'table=liquidations', 'venue=hyperliquid', `day=${oct10}`));
  try {
    // The 10 October as the simulator writes it (BENCH_QUICK: its cascade's first 20 minutes).
    const recording = join(dir, 'oct10.ndjson.gz');
    let imported = { seconds: 0, stdout: 'kept from an earlier run' };
    if (!kept) {
      await writeOct10(recording, { seed: 20251010, accounts: OCT10.accounts, fromMinute: quick ? 20 * 60 + 50 : 0, toMinute: quick ? 21 * 60 + 10 : 1_440 });
      imported = cli(['store', 'import', '--store', store, recording]);
    }

    const r = prng(20250712);
    const sink = await StoreSink.open(StoreConfig.parse({ dir: store }), silentLogger(), { bySizeOnly: true, thread: true });
    const t0 = performance.now();
    for (let d = days - 1; d >= 1; d--) {
      for (const batch of quietDay(OCT10.day - d * DAY, perDay, r)) sink.onEvents(batch);
      // A commit a day, awaited: a generator never waits, so without it nothing would be committed before the end.
      await sink.flush();
    }
    await sink.close();
    const quietSeconds = (performance.now() - t0) / 1000;
    const quietRows = sink.stats.written.liquidations;
    out(`history store, ${days} simulated days: ${days - 1} quiet days of ${fmt(perDay)} liquidations and ${fmt(sink.stats.written.open_interest / (days - 1))} open-interest samples each, written through the store sink in ${fmt(quietSeconds, 1)} s (${fmt(quietRows)} new liquidations, ${fmt(quietRows / quietSeconds)}/s; load average ${loadavg()[0]!.toFixed(1)}), and the simulated 10 October imported from its recording in ${fmt(imported.seconds, 1)} s (${imported.stdout.trim()})\n`);

    const sizes = bytesByDay(store);
    const quietSizes = [...sizes].filter(([d]) => d !== oct10).map(([, b]) => b);
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    out('| storage | bytes |');
    out('|---|--:|');
    out(`| a quiet day (${fmt(perDay)} liquidations; all tables), median | ${fmt(median(quietSizes) / 2 ** 20, 2)} MiB |`);
    out(`| the simulated 10 October (all tables) | ${fmt((sizes.get(oct10) ?? 0) / 2 ** 20, 1)} MiB |`);
    out(`| the ${sizes.size} days | ${fmt(total / 2 ** 20, 1)} MiB |`);
    out('');

    out(`| query over ${days} days (\`liqstream query\`, fresh process, CLI start included; median of 3; load average ${loadavg()[0]!.toFixed(1)}) | seconds | target < ${QUERY_TARGET_S} s on 2 cores |`);
    out('|---|--:|---|');
    for (const [name, sql] of Object.entries(QUERIES)) {
      const runs = [0, 1, 2].map(() => cli(['query', '--store', store, '--format', 'csv', sql]));
      const rows = runs[0]!.stdout.trim().split('\n').length - 1;
      const s = median(runs.map((x) => x.seconds));
      out(`| ${name} (${fmt(rows)} rows) | ${fmt(s, 2)} | ${s < QUERY_TARGET_S ? 'met' : 'MISSED'} |`);
      figures.record(QUERY_IDS[name as keyof typeof QUERIES], {
        value: s,
        note: `median of 3 fresh processes, CLI start included; ${fmt(rows)} rows${days === 90 ? '' : `; ${days} days, not 90`}${perDay === 40_000 ? '' : `; ${fmt(perDay)} liquidations a quiet day`}`,
      });
    }
    out('');
  } finally {
    if (!process.env.BENCH_STORE_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  benchStoreDays((line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
