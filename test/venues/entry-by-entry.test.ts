import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { DeadLetter, NormalizedEvent, VenueId } from '../../src/schema/events.js';
import { VENUES, venueModule } from '../../src/venues/registry.js';
import { entryText, type FrameParser, type VenueMetadata } from '../../src/venues/venue.js';
import { ENTRY_GENERATORS, ENTRY_RECV } from '../support/entry-generators.js';

const log = silentLogger();
const topics = defaultTopics();

function freshParser(venue: VenueId, setup: readonly string[] = [], metadata: VenueMetadata = {}): FrameParser {
  const parse = venueModule(venue).parser(metadata, { log });
  for (const frame of setup) parse(frame, ENTRY_RECV);
  return parse;
}

/** One frame through a real Ingestor: what it published per topic, and its metrics. */
async function ingest(venue: VenueId, parse: FrameParser, frame: string) {
  const published = new Map<string, unknown[]>();
  const bus = {
    publish: (topic: string, messages: BusMessage[]) => {
      published.set(topic, [...(published.get(topic) ?? []), ...messages.map((m) => m.value)]);
      return Promise.resolve();
    },
  } as unknown as Bus;
  const metrics = createMetrics();
  const ingestor = new Ingestor({ bus, topics, metrics, log, parserFor: () => parse, publishRaw: false, batchSize: 1_000_000, lingerMs: 60_000, maxBuffered: 1_000_000 });
  await ingestor.handleFrame({ venue, recv: ENTRY_RECV, frame });
  await ingestor.flush();
  const counter = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.venue === venue)?.value ?? 0;
  return {
    liquidations: (published.get(topics.liquidations) ?? []) as NormalizedEvent[],
    deadLetters: (published.get(topics.deadLetter) ?? []) as DeadLetter[],
    stats: ingestor.stats,
    badEntries: await counter('liqstream_bad_entries_total'),
    badFrames: await counter('liqstream_bad_frames_total'),
  };
}

describe('entry by entry, every registered venue', () => {
  it('every registered venue has an entry generator (test/support/entry-generators.ts)', () => {
    expect(VENUES.filter((v) => ENTRY_GENERATORS[v] === undefined)).toEqual([]);
  });

  it.each(VENUES.map((v) => [v]))(
    '%s: k valid entries and one bad one give exactly the k events and one dead letter naming the bad entry',
    async (venue) => {
      const gen = ENTRY_GENERATORS[venue];
      if (gen === undefined) throw new Error(`no entry generator for ${venue}`);
      const messages = fc
        .integer({ min: 0, max: Math.min(gen.maxEntries - 1, 8) })
        .chain((k) => fc.tuple(fc.tuple(...Array.from({ length: k }, (_, i) => gen.valid(i))), gen.invalid, fc.integer({ min: 0, max: k })));
      await fc.assert(
        fc.asyncProperty(messages, async ([valid, bad, at]) => {
          // The k valid entries alone, from a parser that saw nothing else: exactly k events, nothing refused.
          const alone = valid.length === 0 ? { ok: true as const, events: [] } : freshParser(venue, gen.setup, gen.metadata)(gen.message(valid), ENTRY_RECV);
          expect(alone.ok && alone.events.length, JSON.stringify(alone)).toBe(valid.length);
          expect(alone.ok && alone.rejected).toBeUndefined();
          const withBad = [...valid.slice(0, at), bad, ...valid.slice(at)];
          const frame = gen.message(withBad);
          const out = await ingest(venue, freshParser(venue, gen.setup, gen.metadata), frame);
          expect(out.liquidations).toEqual(alone.ok ? alone.events : []);
          expect(out.deadLetters).toHaveLength(1);
          const [letter] = out.deadLetters;
          expect(letter!.reason.length).toBeGreaterThan(0);
          if (gen.maxEntries > 1) {
            // The dead letter carries the entry, not the frame: the frame was understood and the rest of it counted.
            expect(letter).toMatchObject({ venue, recv: ENTRY_RECV, frame: entryText(bad), entry: true });
            expect([out.stats.badEntries, out.badEntries, out.stats.badFrames, out.badFrames]).toEqual([1, 1, 0, 0]);
          } else {
            // A venue whose message is one entry: the frame is that entry, rejected whole.
            expect(letter).toMatchObject({ venue, recv: ENTRY_RECV, frame });
            expect([out.stats.badEntries, out.stats.badFrames, out.badFrames]).toEqual([0, 1, 1]);
          }
        }),
        { numRuns: 40 },
      );
    },
    60_000,
  );
});
