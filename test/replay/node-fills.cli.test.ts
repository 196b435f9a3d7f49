import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compressFrameSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixture } from '../support/fixtures.js';
import { tempDir } from '../support/recording.js';

/** Node fill lines from the samples: a counterparty fill (not counted), the liquidated account's fills, an ADL fill. */
function nodeFillsLines(): string[] {
  const counterparty = JSON.parse(fixture('hyperliquid-node-fills-by-block-1.json')) as { events: [string, { liquidation: { liquidatedUser: string } }][] };
  const liquidated = structuredClone(counterparty);
  liquidated.events[0]![0] = liquidated.events[0]![1].liquidation.liquidatedUser;
  // The backstop fill (from another day's docs sample) timed in the block that carries it here: an event time
  // months past its block's local time would be refused (limits.maxAheadMs).
  const backstop = { ...(JSON.parse(fixture('hyperliquid-fill-backstop-1.json')) as { liquidation: { liquidatedUser: string }; time: number }), time: Date.parse('2026-06-28T08:44:02Z') };
  const block = (n: number, events: unknown[]) => JSON.stringify({ local_time: `2026-06-28T08:44:0${n}.100000000`, block_time: `2026-06-28T08:44:0${n}.000000000`, block_number: 1052527680 + n, events });
  const adl = { ...backstop, dir: 'Auto-Deleveraging', tid: 1, startPosition: '0.5' };
  return [
    JSON.stringify(counterparty),
    block(1, [liquidated.events[0]]),
    block(2, [[backstop.liquidation.liquidatedUser, backstop], ['0x00000000000000000000000000000000000000aa', adl]]),
  ];
}

describe('replay --format hyperliquid-node-fills', () => {
  it('plain and .lz4 node-fills files give the same exact totals', async () => {
    const dir = tempDir();
    const text = `${nodeFillsLines().join('\n')}\n`;
    const plain = join(dir, '8');
    writeFileSync(plain, text);
    const lz4 = join(dir, '8.lz4');
    writeFileSync(lz4, compressFrameSync(Buffer.from(text)));
    const reports = [];
    for (const file of [plain, lz4]) {
      const r = await runCli(['replay', file, '--format', 'hyperliquid-node-fills', '--speed', 'max'], { LIQSTREAM_LOG_LEVEL: 'error' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      reports.push(JSON.parse(r.stdout) as { totals: Record<string, unknown>; input: { frames: number; badFrames: number } });
    }
    const [a, b] = reports;
    expect(a!.totals).toEqual(b!.totals);
    // 0.58 SOL at 72.153 and 0.07905 BTC at 86,006.0 (backstop), both shorts; the counterparty and ADL fills are not liquidations.
    expect(a!.totals).toEqual({
      usd: 6840.623,
      count: 2,
      // Node fills show every liquidation: complete, not a lower bound (the public source would be).
      lowerBound: false,
      byVenue: { hyperliquid: { longUsd: 0, shortUsd: 6840.623, count: 2, lowerBound: false } },
      adl: { hyperliquid: { longUsd: 6798.7743, shortUsd: 0, count: 1 } },
      gaps: 0,
    });
    expect(a!.input).toMatchObject({ frames: 3, badFrames: 0 });
  });
});
