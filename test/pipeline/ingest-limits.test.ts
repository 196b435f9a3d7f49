import { describe, expect, it } from 'vitest';
import type { Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from '../../src/bus/bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { DEAD_LETTER_FRAME_CHARS, Ingestor } from '../../src/pipeline/ingest.js';
import type { VenueId } from '../../src/schema/events.js';
import { venueModule } from '../../src/venues/registry.js';
import type { FrameParser } from '../../src/venues/venue.js';
import { binanceFrames } from '../support/fixtures.js';

/** Records what is published; `hang` leaves publishes pending (a broker that does not answer). */
class RecordingBus implements Bus {
  readonly kind = 'embedded' as const;
  readonly published: { topic: string; message: BusMessage }[] = [];
  hang = false;
  async start(): Promise<void> {}
  publish(topic: string, messages: BusMessage[]): Promise<void> {
    for (const message of messages) this.published.push({ topic, message });
    return this.hang ? new Promise(() => {}) : Promise.resolve();
  }
  subscribe(_o: SubscribeOptions, _h: (b: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const topics = defaultTopics();
function ingestor(bus: Bus, over: Partial<ConstructorParameters<typeof Ingestor>[0]> = {}) {
  const metrics = createMetrics();
  const log = silentLogger();
  const ing = new Ingestor({
    bus,
    topics,
    metrics,
    log,
    parserFor: (venue: VenueId) => venueModule(venue).parser({}, { log }),
    publishRaw: true,
    batchSize: 100,
    lingerMs: 1,
    maxBuffered: 10_000,
    ...over,
  });
  const value = async (name: string, labels: Record<string, string> = {}) =>
    (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
  return { ing, value };
}
const on = (bus: RecordingBus, topic: string) => bus.published.filter((p) => p.topic === topic).map((p) => p.message.value as Record<string, unknown>);

describe('Ingestor limits', () => {
  it('a parser that throws makes a dead letter with the reason; the frames after it still flow', async () => {
    const bus = new RecordingBus();
    const real = venueModule('binance-usdm').parser({}, { log: silentLogger() });
    const parser: FrameParser = (frame, recv) => {
      if (frame === 'boom') throw new RangeError('Maximum call stack size exceeded');
      return real(frame, recv);
    };
    const { ing, value } = ingestor(bus, { parserFor: () => parser });
    expect(() => ing.handleFrame({ venue: 'binance-usdm', recv: 1, frame: 'boom' })).not.toThrow();
    ing.handleFrame({ venue: 'binance-usdm', recv: 2, frame: binanceFrames().usdm[0]! });
    await ing.flush();
    expect(on(bus, topics.deadLetter)).toEqual([{ venue: 'binance-usdm', recv: 1, reason: 'parser threw: Maximum call stack size exceeded', frame: 'boom' }]);
    expect(on(bus, topics.liquidations)).toHaveLength(1);
    expect(await value('liqstream_bad_frames_total', { venue: 'binance-usdm' })).toBe(1);
  });

  it('a frame over the record limit is kept off the raw topic and dead-lettered cut to 64 Ki characters; its events still count', async () => {
    const bus = new RecordingBus();
    const { ing, value } = ingestor(bus, { maxRecordBytes: 100_000 });
    const good = binanceFrames().usdm[0]!;
    // Valid JSON that Binance's parser accepts: the same frame with a 200 kB padding field.
    const huge = good.replace('{"stream"', `{"pad":"${'x'.repeat(200_000)}","stream"`);
    ing.handleFrame({ venue: 'binance-usdm', recv: 5, frame: huge });
    await ing.flush();
    expect(on(bus, topics.raw)).toEqual([]);
    const [letter] = on(bus, topics.deadLetter);
    expect(letter).toEqual({
      venue: 'binance-usdm',
      recv: 5,
      reason: `frame of ${huge.length} bytes exceeds the bus record limit (100000); not on the raw topic, events still parsed`,
      frame: huge.slice(0, DEAD_LETTER_FRAME_CHARS),
      frameChars: huge.length,
    });
    expect(on(bus, topics.liquidations)).toHaveLength(1);
    expect(await value('liqstream_dead_letters_total', { venue: 'binance-usdm' })).toBe(1);
  });

  it('entries refused on their own: each dead-lettered with its text (cut to 64 Ki characters) and reason, counted as bad entries; the events count', async () => {
    const bus = new RecordingBus();
    const event = { type: 'liquidation', id: 'x:1', venue: 'okx', symbol: 'BTC-USDT-SWAP', base: 'BTC', side: 'long', price: 1, qty: 1, notionalUsd: 1, eventTime: 1, receiveTime: 7, fidelity: 'sampled', kind: 'liquidation', source: 's' } as const;
    const big = `"${'y'.repeat(100_000)}"`;
    const parser: FrameParser = () => ({ ok: true, events: [event], rejected: [{ entry: '{"a":1}', reason: 'first' }, { entry: big, reason: 'second' }] });
    const { ing, value } = ingestor(bus, { parserFor: () => parser, publishRaw: false });
    ing.handleFrame({ venue: 'okx', recv: 7, frame: 'frame text' });
    await ing.flush();
    expect(on(bus, topics.liquidations)).toEqual([event]);
    expect(on(bus, topics.deadLetter)).toEqual([
      { venue: 'okx', recv: 7, reason: 'first', frame: '{"a":1}', entry: true },
      { venue: 'okx', recv: 7, reason: 'second', frame: big.slice(0, DEAD_LETTER_FRAME_CHARS), frameChars: big.length, entry: true },
    ]);
    expect(ing.stats).toMatchObject({ frames: 1, badFrames: 0, badEntries: 2, events: 1 });
    expect(await value('liqstream_bad_entries_total', { venue: 'okx' })).toBe(2);
    expect(await value('liqstream_bad_frames_total', { venue: 'okx' })).toBeUndefined();
    expect(await value('liqstream_dead_letters_total', { venue: 'okx' })).toBe(2);
  });

  it('while the bus is full, frames are counted as dropped and one gap per venue covers exactly the time from the first dropped frame to the first taken again', async () => {
    const bus = new RecordingBus();
    let full = false;
    const { ing, value } = ingestor(bus, { isFull: () => full });
    const [f1, f2] = binanceFrames().usdm;
    ing.handleFrame({ venue: 'binance-usdm', recv: 1_000, frame: f1! });
    full = true;
    ing.handleFrame({ venue: 'binance-usdm', recv: 2_000, frame: f2! });
    ing.handleFrame({ venue: 'binance-coinm', recv: 2_500, frame: binanceFrames().coinm[0]! });
    ing.handleFrame({ venue: 'binance-usdm', recv: 3_000, frame: f2! });
    full = false;
    ing.handleFrame({ venue: 'binance-usdm', recv: 4_000, frame: f2! });
    await ing.flush();
    expect(on(bus, topics.gaps)).toEqual([
      { type: 'gap', venue: 'binance-usdm', from: 2_000, to: 4_000, reason: 'bus spill full: frames dropped' },
      { type: 'gap', venue: 'binance-coinm', from: 2_500, to: 4_000, reason: 'bus spill full: frames dropped' },
    ]);
    expect(await value('liqstream_frames_dropped_total', { venue: 'binance-usdm' })).toBe(2);
    expect(await value('liqstream_frames_dropped_total', { venue: 'binance-coinm' })).toBe(1);
    expect(ing.stats.dropped).toBe(3);
  });

  it('back-pressure bounds memory on the linger path too: with a broker that never answers, the source is told to wait at maxBuffered', async () => {
    const bus = new RecordingBus();
    bus.hang = true;
    const { ing } = ingestor(bus, { batchSize: 1_000, maxBuffered: 50, publishRaw: false });
    const frame = binanceFrames().usdm[0]!;
    let waitedAt: number | undefined;
    for (let i = 1; i <= 200 && waitedAt === undefined; i++) {
      if (ing.handleFrame({ venue: 'binance-usdm', recv: i, frame: frame.replace('1568014460893}', `${1568014460893 + i}}`) })) waitedAt = i;
      await new Promise((r) => setTimeout(r, 2)); // the linger timer flushes in between
    }
    expect(waitedAt).toBe(50);
    expect(ing.pending).toBe(50);
  });
});
