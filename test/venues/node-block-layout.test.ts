import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADL_DIR } from '../../src/venues/hyperliquid/fill.js';
import { parseNodeFillsLineFully, scanNodeBlock } from '../../src/venues/hyperliquid/node-block.js';
import { withBadItemsDeadLettered } from '../support/node-block-reference.js';

/**
 * The scan's fast step over fills in the node's own layout (NODE_FILL in node-block.ts: its keys in its order)
 * against the full parse: the same result on blocks written in that layout, hostile values included (marker
 * text inside strings, brackets, escapes, non-ASCII, odd numbers), and with items broken so that the layout
 * half matches before the break.
 */

const HEX = '0123456789abcdef';
const address = fc.array(fc.constantFrom(...HEX), { minLength: 40, maxLength: 40 }).map((a) => `0x${a.join('')}`);
/** Strings that play with the markers, the brackets the scan counts, and what JSON.stringify escapes. */
const hostile = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('BTC', 'ETH', 'kPEPE', 'xyz:CRWV', 'Open Long', 'Close Short', ADL_DIR, 'liquidation', '"liquidation"', `"${ADL_DIR}"`, '}]', '],[', '"],["0x1",{"liquidation":{', '"events":[', 'é€', '') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0001', 'é', ']', '}],["', 'liquidation', 'Deleveraging"', 'a'), maxLength: 10 }) },
);
const decimal = fc.oneof(fc.constantFrom('0.5', '121490', '72.153', '0.0001', '0', '-1'), fc.double({ min: 1e-6, max: 1e6, noNaN: true }).map((d) => String(Number(d.toPrecision(6)))));
/** Numbers as JSON writes them, and values that are not numbers where the layout wants one. */
const number = fc.oneof({ weight: 6, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constantFrom(-0, 1.5e300, -7, 0.25, 'x', null, true) });

/** A fill with the node's keys in the node's order; values sometimes hostile; a liquidation object on some. */
const fill = (user: string) =>
  fc
    .tuple(
      fc.record({
        coin: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('BTC', 'ETH', 'SOL', 'kPEPE', 'xyz:CRWV') }, { weight: 1, arbitrary: hostile }),
        px: decimal,
        sz: decimal,
        side: fc.oneof(fc.constantFrom('A', 'B'), hostile),
        time: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1_760_000_000_000, max: 1_760_200_000_000 }) }, { weight: 1, arbitrary: number }),
        startPosition: fc.oneof(decimal, decimal.map((d) => `-${d}`)),
        dir: fc.oneof(fc.constantFrom('Open Long', 'Close Short', 'Liquidated Cross Long', ADL_DIR), hostile),
        closedPnl: decimal,
        hash: fc.oneof(fc.constant(`0x${'dc25d330'.repeat(8)}`), hostile),
        oid: number,
        crossed: fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom(null, 'true', 1) }),
        fee: decimal,
        tid: number,
      }),
      fc.option(fc.oneof(fc.constant(null), address, hostile), { freq: 2 }),
      fc.option(fc.record({ liquidatedUser: fc.oneof(fc.constant(user), address, hostile), markPx: decimal, method: fc.constantFrom('market', 'backstop') }), { freq: 3 }),
      fc.oneof(fc.constant('USDC'), hostile),
      fc.option(fc.oneof(fc.constant(null), fc.nat(), hostile), { freq: 2 }),
    )
    .map(([head, cloid, liquidation, feeToken, twapId]) => ({
      ...head,
      ...(cloid === null ? {} : { cloid }),
      ...(liquidation === null ? {} : { liquidation }),
      feeToken,
      ...(twapId === null ? {} : { twapId }),
    }));
const pair = address.chain((user) => fill(user).map((f) => [user, f] as const));
const ENVELOPE = '{"local_time":"2025-10-10T21:16:04.831874000","block_time":"2025-10-10T21:16:04.799000000","block_number":812345678,"events":[';
const VAULTS = new Set(['0x2e3d94f0562703b25c83308a05046ddaf9a8dd14']);

describe('node block scan, fills in the node layout = full parse', () => {
  it('the same result on blocks in the node layout with hostile values; it answers for every line', () => {
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 16 }), (items) => {
        const line = `${ENVELOPE}${items.map((p) => JSON.stringify(p)).join(',')}]}`;
        const scanned = scanNodeBlock(line, VAULTS, 0);
        expect(scanned, line).toBeDefined();
        expect(scanned).toEqual(parseNodeFillsLineFully(line, VAULTS));
      }),
      { numRuns: 500 },
    );
  });

  it('an item broken after its layout matched partly is dead-lettered alone; the others count as in the full parse', () => {
    /** Breaks that keep the brackets balanced, at a place the node layout reaches first. */
    const breaks = [
      (t: string) => t.replace(/,"feeToken":/, ',"feeToken":,'),
      (t: string) => t.replace(/"tid":(\d)/, '"tid":0$1'),
      (t: string) => t.replace(/"crossed":(true|false)/, '"crossed":tru'),
      (t: string) => t.replace(/\}\]$/, ',}]'),
      (t: string) => t.replace(/^\["/, '[ "'),
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(pair, fc.option(fc.nat(breaks.length - 1), { freq: 3 })), { minLength: 1, maxLength: 10 }), (picked) => {
        const texts = picked.map(([p, how]) => {
          const text = JSON.stringify(p);
          const broken = how === null ? text : breaks[how]!(text);
          let valid = true;
          try {
            JSON.parse(broken);
          } catch {
            valid = false;
          }
          return { text: broken, bad: !valid };
        });
        const line = `${ENVELOPE}${texts.map((t) => t.text).join(',')}]}`;
        expect(scanNodeBlock(line, VAULTS, 0)).toEqual(withBadItemsDeadLettered(ENVELOPE, texts, VAULTS));
      }),
      { numRuns: 400 },
    );
  });

  it('a block dense in markers (a cascade block) is read while its marked fills are in the node layout, else handed to the full parse; never a different result', () => {
    const user = `0x${'cd'.repeat(20)}`;
    const marked = (i: number) => [user, { coin: 'SOL', px: '72.153', sz: '0.58', side: 'A', time: 1760130964831, startPosition: '-162.6', dir: i % 3 === 0 ? ADL_DIR : 'Close Short', closedPnl: '0.0', hash: '0x1', oid: i, crossed: false, fee: '0.01', tid: 1000 + i, cloid: `0x${i}`, liquidation: { liquidatedUser: user, markPx: '72.149', method: 'market' }, feeToken: 'USDC', twapId: null }] as const;
    const dense = `${ENVELOPE}${Array.from({ length: 200 }, (_, i) => JSON.stringify(marked(i))).join(',')}]}`;
    const r = scanNodeBlock(dense, VAULTS);
    expect(r).toBeDefined();
    expect(r).toEqual(parseNodeFillsLineFully(dense, VAULTS));
    expect(r?.ok && r.events.length).toBe(200);
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 12 }), fc.nat(), (items, seed) => {
        // Marked fills of any value around the generated ones: dense by construction.
        const all = [...items.map((p) => JSON.stringify(p)), ...Array.from({ length: 20 }, (_, i) => JSON.stringify(marked(seed + i)))].sort((a, b) => (a.length * 31 + seed) % 7 - (b.length * 31 + seed) % 7);
        const line = `${ENVELOPE}${all.join(',')}]}`;
        const scanned = scanNodeBlock(line, VAULTS);
        if (scanned !== undefined) expect(scanned).toEqual(parseNodeFillsLineFully(line, VAULTS));
      }),
      { numRuns: 200 },
    );
  });

  it('marker text in a value of an ordinary fill in the node layout yields nothing; a real marker in the next fill counts, at its place', () => {
    const user = `0x${'ab'.repeat(20)}`;
    const ordinary = (cloid: string) => [user, { coin: 'BTC', px: '100', sz: '1', side: 'A', time: 1760130964831, startPosition: '1', dir: 'Open Long', closedPnl: '0.0', hash: '0x1', oid: 1, crossed: true, fee: '0.1', tid: 7, cloid, feeToken: 'USDC', twapId: null }];
    const marked = [user, { coin: 'ETH', px: '2000', sz: '2', side: 'A', time: 1760130964831, startPosition: '2', dir: 'Close Long', closedPnl: '0.0', hash: '0x2', oid: 2, crossed: true, fee: '0.1', tid: 8, liquidation: { liquidatedUser: user, markPx: '2000', method: 'market' }, feeToken: 'USDC' }];
    const line = `${ENVELOPE}${[ordinary('liquidation'), ordinary('"],["0x1",{"liquidation":{'), ordinary(ADL_DIR), marked].map((p) => JSON.stringify(p)).join(',')}]}`;
    const r = scanNodeBlock(line, VAULTS, 0);
    expect(r).toEqual(parseNodeFillsLineFully(line, VAULTS));
    expect(r?.ok && r.events.map((e) => e.type === 'liquidation' && [e.id, e.notionalUsd])).toEqual([[`hyperliquid:8:${user}`, 4000]]);
  });
});
