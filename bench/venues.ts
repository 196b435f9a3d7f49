import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LiquidationEvent, VenueId } from '../src/schema/events.js';
import { silentLogger } from '../src/log.js';
import { VENUES, venueModule } from '../src/venues/registry.js';
import type { FrameParser } from '../src/venues/venue.js';
import { benchColdVenues, type ColdRow } from './cold.js';
import { defiMetadata } from '../src/simulate/defi-frames.js';
import { perpsMetadata } from '../src/simulate/venue-frames.js';
import { peersOf, type Peer } from './peers.js';
import { compareRounds, compareThroughput, fmt, median, pairedRatios } from './stats.js';
import { NO_FIGURES, type Recorder } from './targets.js';
import type { SimulatedWindow } from './window.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

/**
 * A venue's documented sample frames (test/fixtures/<venue>-*.json), whole files only, written compact as the venues
 * send them (some docs print their examples indented, which no socket does).
 */
function sampleFrames(venue: VenueId): string[] {
  return readdirSync(FIXTURES)
    .filter((n) => n.startsWith(`${venue}-`) && n.endsWith('.json'))
    .map((n) => readFileSync(join(FIXTURES, n), 'utf8').trim())
    .map((text) => {
      try {
        return JSON.stringify(JSON.parse(text));
      } catch {
        return text;
      }
    });
}

/** The metadata.json `liqstream simulate` writes beside the day (OKX's and Gate's contract values, the simulated Fluid vaults). */
const SIMULATED_METADATA = { ...perpsMetadata(), ...defiMetadata() };
// One logger for every parser: a pino logger costs ~25 µs to make, which a pass over a venue's few hundred frames
// (a new parser each, throughputFresh) paid as parse time (Bitfinex: 0.86× → 1.02× JSON.parse in process CPU time).
const LOG = silentLogger();
const parserOf = (venue: VenueId): FrameParser => venueModule(venue).parser(SIMULATED_METADATA[venue] ?? {}, { log: LOG });

/** Liquidations read and their USD, summed as each parser computed them. */
interface Totals {
  count: number;
  usd: number;
}

function liqstreamTotals(venue: VenueId, frames: string[]): Totals {
  const parse = parserOf(venue);
  const t: Totals = { count: 0, usd: 0 };
  for (const f of frames) {
    const r = parse(f, 0);
    if (!r.ok) continue;
    for (const e of r.events) {
      // Liquidations only: ADL events (dYdX's offsetting side, Hyperliquid's ADL fills) are no peer's liquidations.
      if (e.type !== 'liquidation' || e.kind !== 'liquidation') continue;
      t.count += 1;
      t.usd += (e as LiquidationEvent).notionalUsd;
    }
  }
  return t;
}

function peerTotals(peer: Peer, frames: string[]): Totals {
  const t: Totals = { count: 0, usd: 0 };
  for (const f of frames)
    for (const fill of peer.parse(f)) {
      t.count += 1;
      t.usd += peer.usd(fill);
    }
  return t;
}

/** Equal sums up to float rounding (the parsers add in the same order but may multiply in another). */
const same = (a: Totals, b: Totals) => a.count === b.count && Math.abs(a.usd - b.usd) <= 1e-9 * Math.max(1, Math.abs(a.usd));

/** The frames a peer would be handed: those that carry liquidations (open-interest frames are in the mixed day). */
function liquidationFrames(venue: VenueId, all: string[], cap: number): string[] {
  const parse = parserOf(venue);
  const out: string[] = [];
  for (const f of all) {
    if (out.length >= cap) break;
    const r = parse(f, 0);
    if (r.ok && r.events.some((e) => e.type === 'liquidation')) out.push(f);
  }
  return out;
}

/** Interleaved rounds of the venue table (BENCH_VENUE_ROUNDS; BENCH_QUICK: 3). */
const VENUE_ROUNDS = Number(process.env.BENCH_VENUE_ROUNDS ?? (process.env.BENCH_QUICK === '1' ? 3 : 9));

/**
 * Every venue's liquidation frames from the simulated window, each parser against JSON.parse of the same
 * frames in the same run, and against ccxt's and tardis-dev's parsers where they read that venue. Printed
 * as markdown rows for the README. Each peer's output is summed and compared with liqstream's, so a row
 * never compares different work silently.
 *
 * Method (every contender alike, JSON.parse included): one untimed warm-up pass, then VENUE_ROUNDS interleaved
 * rounds, each contender a timed pass of ≥ 200 ms per round (a fresh parser per pass over the frames); a round's
 * ratio is liqstream's rate ÷ JSON.parse's in that round; the row shows the median of the rounds' ratios and their
 * range, by wall clock and by process CPU time. The best of 5, as before, let one lucky round decide a venue
 * whose few hundred frames make short passes; the median of paired rounds does not.
 */
export function benchVenues(window: SimulatedWindow, out: (line: string) => void, perVenue: number, figures: Recorder = NO_FIGURES): void {
  // BENCH_VENUES=a,b: only those venues' rows (one parser's pass measured without the whole table).
  const only = process.env.BENCH_VENUES?.split(',').map((v) => v.trim());
  for (const v of VENUES) if (only !== undefined && !only.includes(v)) figures.without(`venue:${v}`, `not in BENCH_VENUES=${process.env.BENCH_VENUES}`);
  const byVenue = new Map<VenueId, string[]>(VENUES.filter((v) => only === undefined || only.includes(v)).map((v) => [v, []]));
  for (const f of window.frames) byVenue.get(f.venue)?.push(f.frame);
  out(
    `every venue's liquidation frames (${window.label}; up to ${fmt(perVenue)} a venue), single core; each contender timed alike: a warm-up pass, then ${VENUE_ROUNDS} interleaved rounds of ≥ 200 ms passes (a fresh parser each pass); ratios are the median of the rounds' paired ratios [range], wall clock and process CPU time:\n`,
  );
  out('| venue | frames | bytes/frame | JSON.parse frames/s (median) | liqstream frames/s (median) | liqstream ÷ JSON.parse, wall [range] | likewise, CPU time [range] | ccxt ÷ JSON.parse | tardis-dev ÷ JSON.parse |');
  out('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  const checks: string[] = [];
  const notes: string[] = [];
  const cold: ColdRow[] = [];
  for (const [venue, all] of byVenue) {
    let frames = liquidationFrames(venue, all, perVenue);
    let label = venue;
    if (frames.length === 0) {
      // The simulator writes every venue id's frames: a venue added since is timed on its documented sample
      // frames instead, repeated (labelled, as identical frames are the easiest case), until it does.
      const samples = liquidationFrames(venue, sampleFrames(venue), Infinity);
      if (samples.length === 0) {
        out(`| ${venue} | 0 | — | — | — | neither simulated nor a documented sample that parses alone | — | — | — |`);
        figures.without(`venue:${venue}`, 'neither simulated nor a documented sample that parses alone');
        continue;
      }
      frames = Array.from({ length: Math.min(perVenue, 5_000) }, (_, i) => samples[i % samples.length]!);
      label = `${venue} (docs samples ×${fmt(frames.length / samples.length)})`;
    }
    const peers = peersOf(venue, frames[0]);
    const contenders: Record<string, () => (f: string) => unknown> = {
      json: () => (f) => JSON.parse(f),
      liqstream: () => {
        const parse = parserOf(venue);
        return (f) => parse(f, 0).ok;
      },
    };
    if (peers.ccxt) contenders.ccxt = () => (f) => peers.ccxt!.parse(f).length;
    if (peers.tardis) contenders.tardis = () => (f) => peers.tardis!.parse(f).length;
    const rounds = compareRounds(frames, contenders, VENUE_ROUNDS);
    const json = rounds.json!;
    const ours = rounds.liqstream!;
    const wall = pairedRatios(ours.wall, json.wall);
    const cpu = pairedRatios(ours.cpu, json.cpu);
    const spread = (xs: number[]) => `${fmt(median(xs), 2)} [${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)}]`;
    const ratio = (name: string, absent: string | undefined) => (rounds[name] === undefined ? (absent ?? 'n/a') : fmt(median(pairedRatios(rounds[name].wall, json.wall)), 2));
    const bytes = frames.reduce((s, f) => s + f.length, 0) / frames.length;
    out(
      `| ${label} | ${fmt(frames.length)} | ${fmt(bytes)} | ${fmt(median(json.wall))} | ${fmt(median(ours.wall))} | ${spread(wall)} | ${spread(cpu)} | ${ratio('ccxt', peers.ccxtAbsent)} | ${ratio('tardis', peers.tardisAbsent)} |`,
    );
    figures.record(`venue:${venue}`, {
      value: median(wall),
      note: `rounds ${fmt(Math.min(...wall), 2)}–${fmt(Math.max(...wall), 2)}; CPU time ${fmt(median(cpu), 2)}×${label === venue ? '' : '; on its docs samples, repeated'}`,
      control: `\`JSON.parse\` ${fmt(median(json.wall))} frames/s of ${fmt(frames.length)} frames`,
    });
    cold.push({ label, venue, frames, warm: median(wall) });
    const mine = liqstreamTotals(venue, frames);
    const row = [`${venue}: liqstream ${fmt(mine.count)} liquidation events, $${fmt(mine.usd, 2)}`];
    // Fresh peers for the sums: a mapper that keeps state (tardis-dev's OKX mapper drops the first push it sees) counts as it would from the start.
    const counted = peersOf(venue, frames[0]);
    for (const [name, peer] of [['ccxt', counted.ccxt], ['tardis-dev', counted.tardis]] as const) {
      if (!peer) continue;
      const theirs = peerTotals(peer, frames);
      const agree = same(mine, theirs);
      row.push(`${name} ${fmt(theirs.count)}, $${fmt(theirs.usd, 2)} ${agree ? '(same)' : '(DIFFERS)'}`);
      if (peer.note) notes.push(`${venue}, ${name}: ${peer.note}`);
      if (!agree) notes.push(`${venue}, ${name} differs: ${peer.differs ?? 'no known cause: a parser is wrong'}`);
    }
    checks.push(row.join('; '));
  }
  out('\nsame work? each parser\'s own sums over the frames above:');
  for (const c of checks) out(`  ${c}`);
  for (const n of notes) out(`  note — ${n}`);
  out('');
  benchColdVenues(cold, out, figures);
}

/**
 * The window's frames of every venue interleaved as recorded, liquidations and open interest alike: what
 * one connector process parses in a busy day, against JSON.parse of the same frames.
 */
export function benchMixedDay(window: SimulatedWindow, out: (line: string) => void): void {
  const frames = window.frames;
  const texts = frames.map((f) => f.frame);
  const rates = compareThroughput(
    frames,
    {
      json: () => (f) => JSON.parse(f.frame),
      liqstream: () => {
        const parsers = new Map(VENUES.map((v) => [v, parserOf(v)]));
        return (f) => parsers.get(f.venue)!(f.frame, f.recv).ok;
      },
    },
    3,
  );
  const { json, liqstream: ours } = rates;
  const bytes = texts.reduce((s, f) => s + f.length, 0);
  out(`the mixed day (${window.label}): every venue's frames interleaved as recorded, single core, best of 3 interleaved rounds:\n`);
  out('| frames | bytes/frame | venues | JSON.parse frames/s | liqstream frames/s | liqstream ÷ JSON.parse |');
  out('|--:|--:|--:|--:|--:|--:|');
  out(`| ${fmt(frames.length)} | ${fmt(bytes / frames.length)} | ${new Set(frames.map((f) => f.venue)).size} | ${fmt(json)} | ${fmt(ours)} | ${fmt(ours / json, 2)} |\n`);
}
