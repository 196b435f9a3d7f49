import { afterEach, describe, expect, it } from 'vitest';
import { frameText, ManagedSocket } from '../../src/connection/managed-socket.js';
import { DeadLetter } from '../../src/schema/events.js';
import { binanceSocketPlan } from '../../src/venues/binance/plan.js';
import { createBinanceParser } from '../../src/venues/binance/parse.js';
import { createBybitParser } from '../../src/venues/bybit/parse.js';
import { createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import { INVALID_UTF8_MARK } from '../../src/venues/venue.js';
import { BinanceServer } from '../support/binance-server.js';
import { binanceFrames } from '../support/fixtures.js';
import { testPipeline } from '../support/pipeline.js';
import { until } from '../support/until.js';

const { raw, usdm } = binanceFrames();
// A forceOrder frame whose symbol holds 0xFF, a byte UTF-8 never uses.
const INVALID = Buffer.concat([Buffer.from(usdm[0]!.slice(0, 60)), Buffer.from([0xff]), Buffer.from(usdm[0]!.slice(60))]);

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('frameText', () => {
  it.each([
    ['a byte UTF-8 never uses', [0x7b, 0xff, 0x7d], '{\uFFFD}'],
    ['an overlong encoding of "/"', [0xc0, 0xaf], '\uFFFD\uFFFD'],
    ['a surrogate encoded on its own', [0xed, 0xa0, 0x80], '\uFFFD\uFFFD\uFFFD'],
    ['a sequence cut short', [0x22, 0xe2, 0x82], '"\uFFFD'],
  ])('marks a text frame with %s and keeps the rest readable', (_what, bytes, decoded) => {
    expect(frameText(Buffer.from(bytes), false)).toBe(INVALID_UTF8_MARK + decoded);
  });

  it('passes valid UTF-8 through unchanged (multi-byte characters, fragments) and binary frames as base64', () => {
    expect(frameText(Buffer.from('{"s":"币安人生USDT"}'), false)).toBe('{"s":"币安人生USDT"}');
    expect(frameText([Buffer.from('{"a":'), Buffer.from('1}')], false)).toBe('{"a":1}');
    expect(frameText(Buffer.from([0xff, 0x00]), true)).toBe('/wA=');
  });

  it('every venue parser rejects a marked frame as invalid UTF-8', () => {
    const text = frameText(INVALID, false);
    for (const parse of [createBinanceParser({ venue: 'binance-usdm' }), createBybitParser({ venue: 'bybit-linear' }), createHyperliquidParser()])
      expect(parse(text, 1)).toEqual({ ok: false, reason: 'invalid UTF-8' });
  });
});

describe('invalid UTF-8 from a venue socket', () => {
  it('is one counted, dead-lettered frame; the connection stays up and the next frame is parsed', async () => {
    const server = await BinanceServer.start();
    const p = await testPipeline();
    const letters: DeadLetter[] = [];
    await p.bus.subscribe({ topics: [p.topics.deadLetter], groupId: 'dlq-reader' }, async ({ messages }) => {
      for (const m of messages) letters.push(DeadLetter.parse(m.value));
    });
    const up: boolean[] = [];
    let reconnects = 0;
    const socket = new ManagedSocket(
      { ...binanceSocketPlan('binance-usdm', server.url), pingIntervalMs: 1_000, silenceTimeoutMs: 5_000 },
      {
        onFrame: (frame, recv) => p.ingestor.handleFrame({ venue: 'binance-usdm', recv, frame }),
        onGap: () => {},
        onUp: (u) => up.push(u),
        onReconnect: () => (reconnects += 1),
        onSubscribeError: () => {},
      },
      p.log,
      { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 10_000 },
    );
    socket.start();
    cleanup.push(() => server.close(), () => p.close(), () => socket.stop());
    await server.subscriptions(1);

    for (const c of server.clients) c.ws.send(INVALID, { binary: false });
    expect(server.send(raw.usdm2)).toBe(1);
    await until(() => p.applied.some((e) => e.type === 'liquidation'), 'the frame after the invalid one');
    await p.ingestor.flush();

    expect(letters.map((l) => [l.reason, l.frame])).toEqual([['invalid UTF-8', INVALID_UTF8_MARK + INVALID.toString('utf8')]]);
    expect(await p.metricValue('liqstream_bad_frames_total', { venue: 'binance-usdm' })).toBe(1);
    expect(p.applied.filter((e) => e.type === 'liquidation').map((e) => e.type === 'liquidation' && e.eventTime)).toEqual([1665523974217]);
    expect([server.connections, reconnects, up]).toEqual([1, 0, [true]]);
  });
});
