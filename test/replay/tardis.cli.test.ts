import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/recording.js';

describe('replay --format tardis-liquidations', () => {
  it('imports a tardis.dev liquidations CSV with exact totals, order side converted to position side', async () => {
    const csv = join(tempDir(), 'liquidations.csv');
    writeFileSync(
      csv,
      [
        'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
        'binance-futures,BTCUSDT,1760130900000000,1760130900050000,,sell,110000,0.5', // long, 55,000 USD
        'bybit,ETHUSDT,1760130901000000,1760130901020000,a1,buy,4000,2', // short, 8,000 USD
        'bybit,BTCUSD,1760130902000000,1760130902020000,a2,sell,110000,25000', // inverse: 25,000 USD contracts, long
        'bybit,BTCUSDZ25,1760130902500000,1760130902520000,a3,sell,61000,20000', // inverse future: 20,000 USD, long (was $1.22B as linear)
        'binance-futures,ETHBTC,1760130902700000,1760130902750000,,sell,0.0355,10', // BTC-quoted: 10 × 0.0355 × 110,000 (the BTCUSDT row above)
        'binance-delivery,BTCUSD_PERP,1760130903000000,1760130903010000,,sell,110000,3', // 3 contracts × 100 USD, long
        'okex-swap,BTC-USDT-SWAP,1760130904000000,1760130904010000,x,sell,110000,1', // not a liqstream venue: counted as a bad line
      ].join('\n'),
    );
    // One row of seven is another exchange's: over the default 10% of bad lines, so the share is raised.
    const r = await runCli(['replay', csv, '--format', 'tardis-liquidations', '--max-bad-share', '0.25'], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { totals: { usd: number; lowerBound: boolean; byVenue: unknown }; input: { badLines: number } };
    expect(report.totals.byVenue).toEqual({
      // Binance samples its stream (so does the Tardis copy of it): a lower bound; Bybit's is complete.
      'binance-coinm': { longUsd: 300, shortUsd: 0, count: 1, lowerBound: true },
      'binance-usdm': { longUsd: 55_000 + 39_050, shortUsd: 0, count: 2, lowerBound: true },
      'bybit-inverse': { longUsd: 45_000, shortUsd: 0, count: 2, lowerBound: false },
      'bybit-linear': { longUsd: 0, shortUsd: 8_000, count: 1, lowerBound: false },
    });
    expect(report.totals.usd).toBe(147_350);
    expect(report.totals.lowerBound).toBe(true);
    expect(report.input.badLines).toBe(1);
  });
});
