import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NormalizedEvent } from '../../src/schema/events.js';
import { createHyperliquidParser, HLP_LIQUIDATORS } from '../../src/venues/hyperliquid/parse.js';
import { refused, refusedEntry } from '../support/refusals.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8').trim();

const RECV = 1_790_000_000_000;
const LIQUIDATOR = HLP_LIQUIDATORS[0]!;
const TRADER = '0x7ba283114573bde6fd304ad7b188a763e5402a52';
const MAKER = '0x31ca8395cf837de08b24da3f660e77761dfb974b';

const trade = (over: Record<string, unknown>) => ({
  coin: 'SOL',
  side: 'B',
  px: '67.5499',
  sz: '28.33',
  time: 1770337193454,
  hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
  tid: 88001,
  users: [LIQUIDATOR, TRADER],
  ...over,
});
const tradesFrame = (...items: unknown[]) => JSON.stringify({ channel: 'trades', data: items });

describe('Hyperliquid public socket', () => {
  const parse = createHyperliquidParser();

  it('activeAssetCtx fixture → open interest in coins, valued at the mark price', () => {
    expect(parse(fx('hyperliquid-activeassetctx-1.json'), RECV)).toEqual({
      ok: true,
      events: [
        {
          type: 'open_interest',
          venue: 'hyperliquid',
          symbol: 'ETH',
          base: 'ETH',
          oiBase: 446072.075,
          oiUsd: 446072.075 * 3227.4,
          markPrice: 3227.4,
          eventTime: RECV,
          receiveTime: RECV,
          source: 'activeAssetCtx',
        },
      ],
    });
  });

  it('activeAssetCtx: at most one event per coin per oiMinIntervalMs of receive time', () => {
    const p = createHyperliquidParser({ oiMinIntervalMs: 5_000 });
    const frame = fx('hyperliquid-activeassetctx-1.json');
    const counts = [0, 1_000, 4_999, 5_000, 9_999, 10_000].map((dt) => {
      const r = p(frame, RECV + dt);
      return r.ok ? r.events.length : -1;
    });
    expect(counts).toEqual([1, 0, 0, 1, 0, 1]);
    const every = createHyperliquidParser({ oiMinIntervalMs: 0 });
    expect([every(frame, RECV), every(frame, RECV)].map((r) => r.ok && r.events.length)).toEqual([1, 1]);
  });

  it('subscription replies and pongs carry no events; an error reply is rejected', () => {
    expect(parse('{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}}', RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"channel":"pong"}', RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"channel":"error","data":"Invalid subscription {\\"type\\":\\"trades\\",\\"coin\\":\\"NOPE\\"}"}', RECV)).toEqual({
      ok: false,
      reason: 'venue error: Invalid subscription {"type":"trades","coin":"NOPE"}',
    });
  });

  it('trades: a backstop transfer (liquidator buying as taker) is an inferred backstop liquidation of a long', () => {
    expect(parse(tradesFrame(trade({}), trade({ users: [TRADER, MAKER], tid: 88002 })), RECV)).toEqual({
      ok: true,
      events: [
        {
          type: 'liquidation',
          id: `hyperliquid:88001:${TRADER}`,
          venue: 'hyperliquid',
          symbol: 'SOL',
          base: 'SOL',
          side: 'long',
          price: 67.5499,
          qty: 28.33,
          notionalUsd: 67.5499 * 28.33,
          eventTime: 1770337193454,
          receiveTime: RECV,
          fidelity: 'inferred',
          kind: 'backstop',
          source: 'trades',
        },
      ],
    });
  });

  it('trades: liquidator selling as taker → short; liquidator as maker (inventory unwind, ADL) → nothing by default', () => {
    // A fresh parser: the suite's shared one holds the vault's inventory from the tests above.
    const parse = createHyperliquidParser();
    const sold = parse(tradesFrame(trade({ side: 'A', users: [TRADER, LIQUIDATOR.toUpperCase().replace('0X', '0x')] })), RECV);
    expect(sold.ok && sold.events.map((e) => e.type === 'liquidation' && [e.side, e.id])).toEqual([['short', `hyperliquid:88001:${TRADER}`]]);
    const passive = tradesFrame(trade({ side: 'A' }), trade({ side: 'B', users: [TRADER, LIQUIDATOR] }));
    expect(parse(passive, RECV)).toEqual({ ok: true, events: [] });
    const any = createHyperliquidParser({ liquidatorMustTake: false })(passive, RECV);
    // The second trade sells back what the first bought: an unwind, not a second liquidation.
    expect(any.ok && any.events.map((e) => e.type === 'liquidation' && e.side)).toEqual(['long']);
    const apart = createHyperliquidParser({ liquidatorMustTake: false });
    // Different coins are different inventories.
    expect(apart(tradesFrame(trade({ side: 'A', coin: 'ETH' }), trade({ side: 'B', users: [TRADER, LIQUIDATOR] })), RECV)).toMatchObject({
      ok: true,
      events: [{ symbol: 'ETH', side: 'long' }, { symbol: 'SOL', side: 'short' }],
    });
    // Between two liquidator vaults nothing outside changes hands.
    expect(parse(tradesFrame(trade({ users: [LIQUIDATOR, HLP_LIQUIDATORS[1]] })), RECV)).toEqual({ ok: true, events: [] });
  });

  it('trades: only trades that involve a liquidator are validated', () => {
    expect(parse(tradesFrame({ coin: 'BTC', px: 'junk', users: [TRADER, MAKER] }), RECV)).toEqual({ ok: true, events: [] });
    expect(refused(parse(tradesFrame(trade({ px: 'junk' })), RECV))).toBe(true);
    expect(refused(parse('{"channel":"trades","data":{}}', RECV))).toBe(true);
  });

  it('a configured liquidator list replaces the default', () => {
    const own = createHyperliquidParser({ liquidators: [MAKER] });
    expect(own(tradesFrame(trade({})), RECV)).toEqual({ ok: true, events: [] });
    const r = own(tradesFrame(trade({ users: [MAKER, TRADER] })), RECV);
    expect(r.ok && r.events.length).toBe(1);
  });
});

describe('Hyperliquid fill feeds and other frames', () => {
  const parse = createHyperliquidParser();
  const backstop = JSON.parse(fx('hyperliquid-fill-backstop-1.json')) as { liquidation: { liquidatedUser: string } };
  const victim = backstop.liquidation.liquidatedUser;

  it('fills channel: [user, fill] and {user, fill} items; only the liquidated account’s fill counts', () => {
    const expected = {
      ok: true,
      events: [
        {
          type: 'liquidation',
          id: `hyperliquid:669583051366496:${victim}`,
          venue: 'hyperliquid',
          symbol: 'BTC',
          base: 'BTC',
          side: 'short',
          price: 86006,
          qty: 0.07905,
          notionalUsd: 86006 * 0.07905,
          eventTime: 1791280942711,
          receiveTime: RECV,
          fidelity: 'complete',
          kind: 'backstop',
          source: 'fills',
        },
      ],
    };
    expect(parse(JSON.stringify({ channel: 'fills', data: [[victim, backstop], [LIQUIDATOR, backstop]] }), RECV)).toEqual(expected);
    expect(parse(JSON.stringify({ channel: 'fills', data: [{ user: LIQUIDATOR, fill: backstop }, { user: victim, fill: backstop }] }), RECV)).toEqual(expected);
    const sampled = createHyperliquidParser({ fillsFidelity: 'sampled' })(JSON.stringify({ channel: 'liquidationFills', data: [[victim, backstop]] }), RECV);
    expect(sampled.ok && sampled.events[0]).toMatchObject({ fidelity: 'sampled', source: 'liquidationFills' });
    expect(refused(parse(JSON.stringify({ channel: 'fills', data: [{ fill: backstop }] }), RECV))).toBe(true);
  });

  it('a node_fills_by_block line as a frame: receive time is the node’s local_time', () => {
    const line = fx('hyperliquid-node-fills-by-block-1.json').replace('"0xa775d1bd91ee2cc4cae6113e5fd9c0c17b355277"', '"0x5ef843ccf26810073ee689a954f6d05f5b48fccb"');
    const r = parse(line, RECV);
    expect(r.ok && r.events[0]).toMatchObject({ source: 'node_fills_by_block', fidelity: 'complete', receiveTime: Date.UTC(2026, 5, 28, 8, 43, 53, 687) });
  });

  it('a metaAndAssetCtxs response (as a poller would record it) → open interest for every listed coin', () => {
    const response = [
      { universe: [{ name: 'BTC', szDecimals: 5 }, { name: 'OLD', isDelisted: true }, { name: 'kPEPE' }] },
      [
        { markPx: '85634.0', openInterest: '40762.72024', funding: '0.0000125' },
        { markPx: '1.0', openInterest: '0.0' },
        { markPx: '0.010503', openInterest: '9000000' },
      ],
    ];
    const r = parse(JSON.stringify(response), RECV);
    expect(r.ok && r.events.map((e) => e.type === 'open_interest' && [e.symbol, e.base, e.oiUsd])).toEqual([
      ['BTC', 'BTC', 40762.72024 * 85634],
      ['kPEPE', '1000PEPE', 9000000 * 0.010503],
    ]);
  });

  it('unknown or malformed frames are rejected, never thrown', () => {
    const cases = ['', '{', '42', '"x"', '{}', '{"channel":7}', '{"channel":"l2Book","data":{}}', '{"channel":"activeAssetCtx","data":{"coin":"ETH","ctx":{}}}', '[1,2]'];
    for (const frame of cases) {
      const r = parse(frame, RECV);
      expect(r.ok, frame).toBe(false);
    }
  });

  it('property: any frame gives a result (no throw) and every event validates', () => {
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ channel: fc.constantFrom('trades', 'activeAssetCtx', 'fills', 'pong', 'error'), data: fc.jsonValue() }).map((o) => JSON.stringify(o)),
    );
    const p = createHyperliquidParser({ oiMinIntervalMs: 0 });
    fc.assert(
      fc.property(frames, (frame) => {
        const r = p(frame, RECV);
        if (r.ok) for (const e of r.events) NormalizedEvent.parse(e);
      }),
    );
  });
});

describe('Hyperliquid liquidator vaults', () => {
  it('public trades: a vault selling its inventory as taker against an ordinary maker is no liquidation', () => {
    const parse = createHyperliquidParser();
    // Backstop transfer: the vault takes over TRADER's 28.33 SOL long (vault buys as taker).
    const transfer = parse(tradesFrame(trade({ side: 'B', users: [LIQUIDATOR, TRADER] })), RECV);
    expect(transfer.ok && transfer.events.map((e) => e.type === 'liquidation' && [e.side, e.kind, e.id, e.qty])).toEqual([
      ['long', 'backstop', `hyperliquid:88001:${TRADER}`, 28.33],
    ]);
    // The vault works it off: sells 20 as taker to MAKER, then 10 more (8.33 unwound, 1.67 a new short taken over).
    const unwind = parse(tradesFrame(trade({ side: 'A', sz: '20', tid: 88002, users: [MAKER, LIQUIDATOR] })), RECV);
    expect(unwind).toEqual({ ok: true, events: [] });
    const across = parse(tradesFrame(trade({ side: 'A', sz: '10', tid: 88003, users: [MAKER, LIQUIDATOR] })), RECV);
    expect(across.ok && across.events.map((e) => e.type === 'liquidation' && [e.side, e.id, Number(e.qty.toFixed(8))])).toEqual([
      ['short', `hyperliquid:88003:${MAKER}`, 1.67],
    ]);
  });

  it('a refused trade moves no vault inventory; the valid trades of its frame do', () => {
    const parse = createHyperliquidParser();
    parse(tradesFrame(trade({ side: 'B', users: [LIQUIDATOR, TRADER] })), RECV); // +28.33 SOL
    // The frame's first trade unwinds all 28.33 (no event); its second, a buy of 28.33 more with a junk price, is
    // dead-lettered on its own and moves nothing.
    const junk = trade({ px: 'junk', tid: 2 });
    const mixed = parse(tradesFrame(trade({ side: 'A', tid: 3, users: [MAKER, LIQUIDATOR] }), junk), RECV);
    expect(mixed).toEqual(refusedEntry('invalid trade 1: px: expected a decimal string', JSON.stringify(junk)));
    // So the vault is flat: selling 1 more is a short taken over (with the junk buy counted, it would be an unwind;
    // without the unwind, too).
    const r = parse(tradesFrame(trade({ side: 'A', sz: '1', tid: 4, users: [MAKER, LIQUIDATOR] })), RECV);
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && [e.side, e.qty])).toEqual([['short', 1]]);
  });

  it('a fill whose liquidatedUser is a liquidator vault is kind "vault", on fill feeds and node lines', () => {
    const parse = createHyperliquidParser();
    const vaultFill = {
      coin: 'AVAX',
      px: '22.0',
      sz: '100',
      side: 'A',
      time: 1760131000000,
      startPosition: '500',
      dir: 'Liquidated Cross Long',
      tid: 99001,
      liquidation: { liquidatedUser: HLP_LIQUIDATORS[1], markPx: '22.025', method: 'backstop' },
    };
    const feed = parse(JSON.stringify({ channel: 'fills', data: [[HLP_LIQUIDATORS[1], vaultFill]] }), RECV);
    expect(feed.ok && feed.events.map((e) => e.type === 'liquidation' && [e.kind, e.side, e.notionalUsd])).toEqual([['vault', 'long', 2200]]);
    const node = parse(
      JSON.stringify({ local_time: '2025-10-10T21:16:40.000000000', block_time: '2025-10-10T21:16:40.000000000', block_number: 1, events: [[HLP_LIQUIDATORS[1], vaultFill]] }),
      RECV,
    );
    expect(node.ok && node.events.map((e) => e.type === 'liquidation' && e.kind)).toEqual(['vault']);
    // The same fill of an ordinary account stays a backstop liquidation.
    const other = { ...vaultFill, liquidation: { ...vaultFill.liquidation, liquidatedUser: TRADER } };
    const r = parse(JSON.stringify({ channel: 'fills', data: [[TRADER, other]] }), RECV);
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && e.kind)).toEqual(['backstop']);
  });
});
