import { describe, expect, it } from 'vitest';
import { createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import { parseNodeFillsLine } from '../../src/venues/hyperliquid/node-block.js';

// A node block where every fill is a liquidation (a cascade block, or the simulator's): denser in markers than
// the scan reads by default, so the whole line goes through JSON.parse. One malformed fill in it must cost that
// fill only (entry by entry), as it does in a block with fewer markers, not every liquidation of the block.

const T = Date.UTC(2026, 5, 28, 8, 43, 53);
const user = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;
const fill = (i: number) =>
  `["${user(i)}",{"coin":"SOL","px":"72.153","sz":"0.58","side":"A","time":${T},"startPosition":"-162.6","dir":"Open Short","closedPnl":"0.0","hash":"0xdc25","oid":1,"crossed":false,"fee":"-0.001255","tid":${1000 + i},"liquidation":{"liquidatedUser":"${user(i)}","markPx":"72.149","method":"market"},"feeToken":"USDC"}]`;
// Balanced brackets, not JSON: a number with a leading zero.
const malformed = fill(99).replace('"oid":1', '"oid":01');
const block = (events: string[]) => `{"local_time":"2026-06-28T08:43:53.687645997","block_time":"2026-06-28T08:43:53.257028820","block_number":1052527672,"events":[${events.join(',')}]}`;

describe('a dense node block with one malformed fill', () => {
  const line = block([fill(1), fill(2), malformed, fill(3)]);

  it.each([
    ['the node-fills reader', (text: string) => parseNodeFillsLine(text)],
    ['the Hyperliquid frame parser', (text: string) => createHyperliquidParser()(text, T + 1_000)],
  ])('%s: every other liquidation counts, the malformed fill alone is dead-lettered', (_, parse) => {
    const r = parse(line);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.events.map((e) => (e.type === 'liquidation' ? e.id : e.type))).toEqual([1, 2, 3].map((i) => `hyperliquid:${1000 + i}:${user(i)}`));
    expect(r.rejected).toEqual([{ entry: malformed, reason: 'invalid node_fills_by_block: events.2: invalid JSON' }]);
  });
});
