import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADL_DIR, asFill } from '../../src/venues/hyperliquid/fill.js';
import { Fill } from '../../src/venues/hyperliquid/schema.js';
import { parseNodeFillsLine, parseNodeFillsLineFully, scanNodeBlock } from '../../src/venues/hyperliquid/node-block.js';
import { HLP_LIQUIDATORS } from '../../src/venues/hyperliquid/vaults.js';
import { createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import { refusedEntry } from '../support/refusals.js';
import { withBadItemsDeadLettered } from '../support/node-block-reference.js';

/**
 * The scan (node-block.ts) against the full parse of the same line: exactly the same result wherever the
 * scan answers, and it must answer for every backslash-free block of the node's shape (else it would
 * pass by always deferring).
 */

const HEX = '0123456789abcdef';
const address = fc.array(fc.constantFrom(...HEX), { minLength: 40, maxLength: 40 }).map((a) => `0x${a.join('')}`);
/** Text that plays with the markers and the brackets the scan counts; no quote or backslash (those defer). */
const tricky = fc.oneof(
  fc.constantFrom('liquidation', 'Auto-Deleveraging', '"liquidation"', `"${ADL_DIR}"`, '}]', '],[', '{"a":', '"events":[', 'BTC', 'xyz:CRWV', 'kPEPE', 'é€'),
  fc.string({ unit: fc.constantFrom(...'ab{}[],:liquidation-AutoDeleveraging'.split('')), maxLength: 20 }),
);
const decimal = fc.oneof(fc.constantFrom('0.5', '121490', '72.153', '0.0001'), fc.double({ min: 1e-6, max: 1e6, noNaN: true }).map((d) => String(Number(d.toPrecision(6)))));
const liquidationObject = (user: string) =>
  fc.record({
    liquidatedUser: fc.oneof(fc.constant(user), address, tricky),
    markPx: fc.oneof(decimal, fc.constant('-1')),
    method: fc.constantFrom('market', 'backstop', 'magic'),
  });

/** A fill as the node writes it, sometimes with marker text in other fields, nested, or invalid. */
const fill = (user: string) =>
  fc.record(
    {
      coin: fc.oneof(fc.constantFrom('BTC', 'ETH', 'SOL', 'kPEPE', 'xyz:CRWV'), tricky),
      px: decimal,
      sz: decimal,
      side: fc.constantFrom('A', 'B'),
      time: fc.integer({ min: 1_760_000_000_000, max: 1_760_200_000_000 }),
      startPosition: fc.oneof(decimal, decimal.map((d) => `-${d}`), fc.constant('0.0')),
      dir: fc.oneof(fc.constantFrom('Open Long', 'Close Short', 'Liquidated Cross Long', ADL_DIR, 'Sell'), tricky),
      closedPnl: decimal,
      hash: fc.constant('0xdc25d330b40799afdd9f043ebc4c38000060eb164f0ab8817fee7e83730b739a'),
      oid: fc.nat(),
      crossed: fc.boolean(),
      tid: fc.nat(),
      liquidation: fc.oneof(liquidationObject(user), fc.constant(null)),
      extra: fc.oneof(fc.record({ liquidation: fc.constant({ nested: true }), list: fc.array(fc.oneof(tricky, fc.nat()), { maxLength: 3 }) }), tricky),
      twapId: fc.constant(null),
    },
    { requiredKeys: ['coin', 'px', 'sz', 'side', 'time', 'dir', 'hash', 'oid', 'crossed', 'tid'] },
  );
const event = address.chain((user) => fc.tuple(fc.constant(user), fill(user)));
const envelope = fc.record({
  local_time: fc.oneof(fc.constant('2025-10-10T21:16:04.831874000'), fc.constant('soon'), tricky),
  block_time: fc.constant('2025-10-10T21:16:04.799000000'),
  block_number: fc.oneof(fc.nat(), fc.constant(-1)),
});
/** Mostly ordinary trades (no liquidation object): the case the scan is for. */
const events = fc.array(
  fc.oneof({ weight: 3, arbitrary: event.map(([u, f]) => [u, { ...f, liquidation: undefined, dir: 'Open Long' }] as const) }, { weight: 1, arbitrary: event }),
  { maxLength: 12 },
);
const blockLine = fc.tuple(envelope, events).map(([env, evs]) => JSON.stringify({ ...env, events: evs }));
const VAULTS = new Set(['0x2e3d94f0562703b25c83308a05046ddaf9a8dd14']);

describe('node block scan = full parse', () => {
  it('the same result on generated blocks, adversarial text included; it answers for every backslash-free one', () => {
    fc.assert(
      fc.property(blockLine, (line) => {
        const scanned = scanNodeBlock(line, VAULTS, 0);
        if (!line.includes('\\')) expect(scanned).toBeDefined();
        if (scanned) expect(scanned).toEqual(parseNodeFillsLineFully(line, VAULTS));
      }),
      { numRuns: 600 },
    );
  });

  it('truncated and cut lines: either deferred or the same result, never thrown', () => {
    fc.assert(
      fc.property(blockLine, fc.nat(), (line, n) => {
        const cut = line.slice(0, n % (line.length + 1));
        const scanned = scanNodeBlock(cut);
        if (scanned) expect(scanned).toEqual(parseNodeFillsLineFully(cut));
        expect(parseNodeFillsLine(cut)).toEqual(parseNodeFillsLineFully(cut));
      }),
      { numRuns: 300 },
    );
  });

  it('marker text outside a fill’s own keys yields nothing: coin, user-like strings, nested objects, the envelope', () => {
    const user = '0x1111111111111111111111111111111111111111';
    const base = { coin: 'BTC', px: '100', sz: '1', side: 'A', time: 1760130964831, dir: 'Close Long', hash: '0x00', oid: 1, crossed: true, tid: 7 };
    const line = JSON.stringify({
      local_time: '2025-10-10T21:16:04.831874000',
      block_time: '2025-10-10T21:16:04.799000000',
      block_number: 5,
      liquidation: 'liquidation',
      events: [
        [user, { ...base, coin: 'liquidation' }],
        [user, { ...base, extra: { liquidation: { liquidatedUser: user, markPx: '100', method: 'market' } } }],
        [user, { ...base, feeToken: ADL_DIR.toLowerCase(), cloid: 'Auto-Deleveraging-not' }],
        [user, { ...base, tid: 8, liquidation: { liquidatedUser: user, markPx: '100', method: 'backstop' } }],
      ],
    });
    const r = scanNodeBlock(line, undefined, 0);
    expect(r).toEqual(parseNodeFillsLineFully(line));
    expect(r).toMatchObject({ ok: true, events: [{ id: `hyperliquid:8:${user}`, kind: 'backstop', notionalUsd: 100 }] });
  });

  it('an invalid marked fill is named by its place in the block, as the full parse names it', () => {
    const ok = ['0x1111111111111111111111111111111111111111', { coin: 'BTC', px: '1', sz: '1', side: 'A', time: 1760130964831, dir: 'Open Long', hash: '0x', oid: 1, crossed: true, tid: 1 }];
    const bad = ['0x2222222222222222222222222222222222222222', { coin: 'BTC', px: '1', sz: '1', side: 'A', time: 1760130964831, dir: 'Open Long', tid: 2, liquidation: { liquidatedUser: 'x', markPx: '1', method: 'magic' } }];
    const line = JSON.stringify({ local_time: '2025-10-10T21:16:04.8', block_time: 'x', block_number: 1, events: [ok, ok, bad] });
    const r = scanNodeBlock(line, undefined, 0);
    expect(r).toEqual(parseNodeFillsLineFully(line));
    expect(r).toEqual(refusedEntry(expect.stringContaining('node_fills_by_block fill 2'), JSON.stringify(bad)));
  });

  it('answers escapes, items that are not pairs and whitespace as the full parse does; defers other shapes and a channel', () => {
    const b = { local_time: '2025-10-10T21:16:04.8', block_time: 'x', block_number: 1, events: [] as unknown[] };
    for (const line of [
      JSON.stringify({ ...b, events: [['0x1', { coin: 'a\\"b' }]] }),
      JSON.stringify({ ...b, events: [['0x1', 5]] }),
      '{"local_time":"2025-10-10T21:16:04.8","block_time":"x","block_number":1,"events":[[]]}',
      `{"local_time":"2025-10-10T21:16:04.8","block_time":"x","block_number":1,"events":${JSON.stringify([['0x1', { coin: 'BTC', px: '1', sz: '1', side: 'A', time: 1760130964831, dir: ADL_DIR, tid: 1 }]], null, 2)}}`,
    ]) {
      const scanned = scanNodeBlock(line, undefined, 0);
      expect(scanned, line).toBeDefined();
      expect(scanned).toEqual(parseNodeFillsLineFully(line));
    }
    expect(scanNodeBlock('{"local_time":"2025-10-10T21:16:04.8","block_time":"x","block_number":1,"events":[],"tail":1}')).toBeUndefined();
    // The envelope as the node writes it (compact): `"events": [` with a space is left to the full parse.
    expect(scanNodeBlock(JSON.stringify({ ...b, events: [] }, null, 1))).toBeUndefined();
    expect(scanNodeBlock(JSON.stringify({ ...b, channel: 'trades' }))).toBeUndefined();
    expect(scanNodeBlock('{"channel":"trades","data":[]}')).toBeUndefined();
    // Marked fills every few hundred bytes: one parse of the line is the faster, so it is left to that.
    const dense = JSON.stringify({ ...b, events: [['0x1', { coin: 'BTC', dir: ADL_DIR }]] });
    expect(scanNodeBlock(dense)).toBeUndefined();
    expect(scanNodeBlock(dense, undefined, 0)).toEqual(parseNodeFillsLineFully(dense));
    expect(scanNodeBlock(`${JSON.stringify(b)} \n`)).toEqual({ ok: true, events: [] });
    expect(scanNodeBlock(`${JSON.stringify(b)}\u00a0`)).toBeUndefined();
  });

  it('the WebSocket parser gives the same result for a block frame as the full parse', () => {
    const user = '0x1111111111111111111111111111111111111111';
    const fillOf = (tid: number, extra: object) => [user, { coin: 'ETH', px: '3000', sz: '2', side: 'A', time: 1760130964831, startPosition: '2', dir: 'Close Long', hash: '0x', oid: 1, crossed: true, tid, ...extra }];
    const line = JSON.stringify({
      local_time: '2025-10-10T21:16:04.831874000',
      block_time: 'x',
      block_number: 1,
      events: [fillOf(1, {}), fillOf(2, { liquidation: { liquidatedUser: user, markPx: '3000', method: 'market' } }), fillOf(3, { dir: ADL_DIR })],
    });
    const r = createHyperliquidParser()(line, 0);
    expect(r).toEqual(parseNodeFillsLineFully(line, new Set(HLP_LIQUIDATORS.map((a) => a.toLowerCase()))));
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && e.kind)).toEqual(['liquidation', 'adl']);
  });

  it('the WebSocket parser rejects an object with events but no block_number as an unknown shape, as its full path does', () => {
    // Its full path routes to the node-block reader only what has both `block_number` and `events`.
    for (const frame of ['{"events":[]}', '{"local_time":"2025-10-10T21:16:04.8","block_time":"x","events":[]}'])
      expect(createHyperliquidParser()(frame, 0), frame).toEqual({ ok: false, reason: 'unknown message shape' });
  });

  it('a 4 MB block of ordinary trades with a few marked fills: the same events as the full parse', () => {
    const user = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
    const evs: unknown[] = [];
    for (let i = 0; i < 12_000; i++) {
      const marked = i % 1000 === 7;
      evs.push([user(i), { coin: 'BTC', px: '106427.7', sz: '0.01', side: i % 2 ? 'A' : 'B', time: 1760130964831, startPosition: '0.5', dir: marked && i % 2000 === 7 ? ADL_DIR : 'Open Long', closedPnl: '0.0', hash: `0x${'ab'.repeat(32)}`, oid: i, crossed: true, fee: '0.01', tid: i, cloid: null, ...(marked ? { liquidation: { liquidatedUser: user(i), markPx: '106400', method: 'market' } } : {}), feeToken: 'USDC', twapId: null }]);
    }
    const line = JSON.stringify({ local_time: '2025-10-10T21:16:04.831874000', block_time: 'x', block_number: 1, events: evs });
    expect(line.length).toBeGreaterThan(4e6);
    const r = scanNodeBlock(line);
    expect(r).toEqual(parseNodeFillsLineFully(line));
    expect(r?.ok && r.events.map((e) => e.type === 'liquidation' && e.kind)).toEqual(Array.from({ length: 12 }, (_, k) => (k % 2 ? 'liquidation' : 'adl')));
  });

  /** Strings with quotes, backslashes, controls and non-ASCII text, which JSON.stringify escapes. */
  const escaped = fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0001', 'é', '€', ']', '}],["', 'liquidation', 'a'), maxLength: 12 });
  const withEscapes = (user: string) =>
    fill(user).chain((f) => fc.record({ cloid: escaped, coin: fc.oneof(fc.constant(f.coin), escaped) }).map((extra) => ({ ...f, ...extra })));
  const anyItem = fc.oneof(
    { weight: 6, arbitrary: event.map(([u, f]) => [u, { ...f, liquidation: undefined, dir: 'Open Long' }] as unknown) },
    { weight: 2, arbitrary: event as fc.Arbitrary<unknown> },
    { weight: 2, arbitrary: address.chain((u) => withEscapes(u).map((f) => [u, f] as unknown)) },
    { weight: 1, arbitrary: fc.oneof(fc.constant(5), fc.constant([]), fc.constant(['', {}]), fc.constant({ user: 'x' }), fc.constant([['0x1', { liquidation: {} }]]), fc.constant('["0x1",{}]')) },
  );
  /** Serialises, sometimes with JSON whitespace between the items' tokens, sometimes a marker spelt with an escape (`"liquid\u0061tion"`, which indexOf cannot see). */
  const respell = fc.constantFrom('none', 'key', 'adl', 'space');
  const serialise = (env: object, items: unknown[], how: string): string => {
    const head = JSON.stringify({ ...env, events: [] }).slice(0, -3);
    const line = `${head}${JSON.stringify(items, null, how === 'space' ? 1 : undefined)}}`;
    return how === 'key' ? line.replaceAll('"liquidation":', '"liquid\\u0061tion":') : how === 'adl' ? line.replaceAll(`"${ADL_DIR}"`, '"Auto-Delever\\u0061ging"') : line;
  };

  it('escapes, respelt markers, whitespace, items that are not pairs: the scan answers every valid line, exactly as the full parse', () => {
    fc.assert(
      fc.property(envelope, fc.array(anyItem, { maxLength: 12 }), respell, (env, items, how) => {
        const line = serialise(env, items, how);
        const scanned = scanNodeBlock(line, VAULTS, 0);
        expect(scanned, line).toBeDefined();
        expect(scanned).toEqual(parseNodeFillsLineFully(line, VAULTS));
      }),
      { numRuns: 800 },
    );
  });

  it('malformed items are dead-lettered one by one; every other item gives what the full parse gives it', () => {
    /** Corruptions that keep the brackets balanced, so the item's extent is still known. */
    const corrupt = (text: string, how: number): string =>
      how === 0 ? `${text.slice(0, -2)},}]` : how === 1 ? text.replace(/"oid":(\d)/, '"oid":0$1').replace(/^\[/, '[0') : text.replace('",{', '" {');
    fc.assert(
      fc.property(envelope, fc.array(fc.tuple(anyItem, fc.option(fc.nat(2), { freq: 3 })), { minLength: 1, maxLength: 10 }), (env, picked) => {
        const texts = picked.map(([item, how]) => {
          const text = JSON.stringify(item);
          return how === null || !text.startsWith('["') || !text.endsWith('}]') ? { text, bad: false } : { text: corrupt(text, how), bad: true };
        });
        const head = JSON.stringify({ ...env, events: [] }).slice(0, -2);
        const line = `${head}${texts.map((t) => t.text).join(',')}]}`;
        expect(scanNodeBlock(line, VAULTS, 0)).toEqual(withBadItemsDeadLettered(head, texts, VAULTS));
      }),
      { numRuns: 500 },
    );
  });

  it('asFill (compiled shape + the "> 0" rules) accepts exactly what Fill.safeParse accepts', () => {
    const odd = fc.constantFrom('0', '0.0', '-1', '1e5', '1.', '.5', '9'.repeat(400), '', ' 1', 1, null);
    const sometimes = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad });
    const anyFill = fc.record(
      {
        coin: sometimes(fc.constant('BTC'), fc.constantFrom('', 5)),
        px: sometimes(decimal, odd),
        sz: sometimes(decimal, odd),
        side: sometimes(fc.constantFrom('A', 'B'), fc.constant('C')),
        time: sometimes(fc.integer({ min: 0, max: 1_760_200_000_000 }), fc.constantFrom(-1, 1.5, 1e14)),
        startPosition: sometimes(decimal, odd),
        dir: sometimes(fc.constant(ADL_DIR), fc.constant(3)),
        tid: sometimes(fc.nat(), fc.constantFrom(-1, 0.5, 2 ** 60)),
        liquidation: fc.record(
          { liquidatedUser: sometimes(fc.constant('0x1'), fc.constant('')), markPx: sometimes(decimal, odd), method: sometimes(fc.constantFrom('market', 'backstop'), fc.constant('magic')) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['coin', 'px', 'sz', 'side', 'time', 'dir', 'tid'] },
    );
    const missing = fc.constantFrom(undefined, 'coin', 'px', 'tid', 'liquidation');
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(anyFill, missing, (full, drop) => {
        const raw: Record<string, unknown> = { ...full };
        if (drop) delete raw[drop];
        const zod = Fill.safeParse(raw);
        expect(asFill(raw) !== undefined).toBe(zod.success);
        seen[zod.success ? 'accepted' : 'refused'] += 1;
      }),
      { numRuns: 2000 },
    );
    expect(seen.accepted).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(20);
  });
});
