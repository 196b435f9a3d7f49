import { describe, expect, it } from 'vitest';
import { DeadLetter } from '../../src/schema/events.js';
import { binanceFrames } from '../support/fixtures.js';
import { testPipeline } from '../support/pipeline.js';

const MALFORMED = [
  '{"stream":"!forceOrder@arr","data":{"e":"forceOrder"', // bad JSON
  '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL"}}}', // missing fields
  '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","ap":9910,"z":"1","X":"FILLED","T":1}}}', // wrong type
  '',
];

describe('malformed frames', () => {
  it('are counted, dead-lettered with the raw text and reason, and the good frames around them still flow', async () => {
    const p = await testPipeline();
    const letters: DeadLetter[] = [];
    await p.bus.subscribe({ topics: [p.topics.deadLetter], groupId: 'dlq-reader' }, async ({ messages }) => {
      for (const m of messages) letters.push(DeadLetter.parse(m.value));
    });
    const [good1, good2] = binanceFrames().usdm;
    const frames = [good1!, ...MALFORMED, good2!];
    frames.forEach((frame, i) => p.ingestor.handleFrame({ venue: 'binance-usdm', recv: 1000 + i, frame }));
    await p.ingestor.flush();

    expect(letters.map((l) => l.frame)).toEqual(MALFORMED);
    expect(letters.map((l) => l.reason)).toEqual([
      'invalid JSON',
      expect.stringMatching(/^invalid forceOrder: o\.ap: .*; o\.z: .*; o\.X: .*; o\.T: /),
      expect.stringMatching(/^invalid forceOrder: o\.ap: /),
      'invalid JSON',
    ]);
    expect(letters.map((l) => l.recv)).toEqual([1001, 1002, 1003, 1004]);
    expect(await p.metricValue('liqstream_bad_frames_total', { venue: 'binance-usdm' })).toBe(4);
    expect(await p.metricValue('liqstream_dead_letters_total', { venue: 'binance-usdm' })).toBe(4);
    expect(await p.metricValue('liqstream_frames_total', { venue: 'binance-usdm' })).toBe(6);
    expect(p.aggregator.totalsSnapshot().byVenue['binance-usdm']).toEqual({ longUsd: 309.65, shortUsd: 0, count: 2, lowerBound: true });
    await p.close();
  });

  it('an invalid message on the bus is counted and skipped by the consumer, not applied', async () => {
    const p = await testPipeline();
    await p.bus.publish(p.topics.liquidations, [
      { key: 'x', value: '{"type":"liquidation","venue":"binance-usdm"}' },
      { key: 'y', value: 'not json' },
    ]);
    expect(p.applied).toEqual([]);
    expect(await p.metricValue('liqstream_invalid_bus_messages_total', { topic: p.topics.liquidations })).toBe(2);
    await p.close();
  });
});
