import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeTestConfig } from '../support/config-file.js';
import { OkxServer } from '../support/okx-server.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const TS = '1760130899123';
// Liquidations of this run: the first push of each type after subscribing is OKX's snapshot, where older ones are history.
const LIVE_TS = String(Date.now());
const instrument = (instId: string, instType: string, ctType: string, ctVal: string, ctValCcy: string, settleCcy: string) => ({
  instId,
  instType,
  ctType,
  ctVal,
  ctValCcy,
  settleCcy,
  ctMult: '1',
  state: 'live',
});
const detail = (posSide: string, side: string, sz: string, bkPx: string) => ({ bkLoss: '0', bkPx, ccy: '', posSide, side, sz, ts: LIVE_TS });

describe('local OKX server → liqstream connect → real Kafka → liqstream aggregate → /metrics', () => {
  it('values every detail with the listed contract values (a market listed after start too), labels OKX sampled, and sums open interest', async () => {
    const server = await OkxServer.start({
      instruments: {
        SWAP: [
          instrument('BTC-USDT-SWAP', 'SWAP', 'linear', '0.01', 'BTC', 'USDT'),
          // Not in the built-in table: only discovery can value it.
          instrument('DOGE-USDT-SWAP', 'SWAP', 'linear', '1000', 'DOGE', 'USDT'),
          instrument('BTC-USD-SWAP', 'SWAP', 'inverse', '100', 'USD', 'BTC'),
        ],
        FUTURES: [instrument('BTC-USD-251226', 'FUTURES', 'inverse', '100', 'USD', 'BTC')],
      },
      openInterest: {
        SWAP: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', oi: '10000', oiCcy: '100', oiUsd: '11000000', ts: TS }],
        FUTURES: [{ instType: 'FUTURES', instId: 'BTC-USD-251226', oi: '11000', oiCcy: '10', oiUsd: '1100000', ts: TS }],
      },
    });
    cleanup.push(() => server.close());
    const run = `${Date.now()}`;
    const topics = Object.fromEntries(
      ['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `it-okx-${run}.${t}.v1`]),
    );
    const config = writeTestConfig(
      { okx: { url: server.url, restUrl: server.restUrl, discover: true, oiPollMs: 3_600_000, refreshMs: 300 } },
      {
        bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [brokers], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } },
        aggregator: { groupId: `it-okx-aggregator-${run}` },
      },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());

    await server.acks(2);
    expect(
      server.push('SWAP', [
        { instId: 'BTC-USDT-SWAP', instType: 'SWAP', details: [detail('net', 'sell', '3', '110000'), detail('short', 'buy', '250', '110500.5')] },
        { instId: 'DOGE-USDT-SWAP', instType: 'SWAP', details: [detail('long', 'sell', '5', '0.25')] },
        { instId: 'BTC-USD-SWAP', instType: 'SWAP', details: [detail('short', 'buy', '7', '109000')] },
      ]),
    ).toBe(1);
    expect(server.push('FUTURES', [{ instId: 'BTC-USD-251226', instType: 'FUTURES', details: [detail('net', 'sell', '12', '118000')] }])).toBe(1);
    // Dead letters: a cut frame, an error event, a market neither the list nor the table knows.
    server.sendRaw('{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId"');
    server.sendRaw('{"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}');
    const xrp = [{ instId: 'XRP-USDT-SWAP', instType: 'SWAP', details: [detail('net', 'sell', '4', '2.5')] }];
    server.push('SWAP', xrp);

    // XRP is listed: once a refresh has read the new list (its FUTURES request follows the SWAP answer's
    // hand-over), the same liquidation is valued.
    const listedAt = server.restRequests.length;
    server.options.instruments!.SWAP!.push(instrument('XRP-USDT-SWAP', 'SWAP', 'linear', '100', 'XRP', 'USDT'));
    await until(() => {
      const later = server.restRequests.slice(listedAt);
      const swap = later.indexOf('/api/v5/public/instruments?instType=SWAP');
      return swap >= 0 && later.slice(swap).includes('/api/v5/public/instruments?instType=FUTURES');
    }, 'an instrument refresh after the listing');
    server.push('SWAP', xrp);

    const labels = (side: string) => ({ venue: 'okx', side, fidelity: 'sampled' });
    try {
      await until(
        async () => {
          const m = await scrape(aggregate.metricsUrl);
          return (
            sampleValue(m, 'liqstream_liquidations_total', labels('long')) === 4 &&
            sampleValue(m, 'liqstream_liquidations_total', labels('short')) === 2 &&
            sampleValue(m, 'liqstream_open_interest_usd', { venue: 'okx' }) === 12_100_000
          );
        },
        'aggregated OKX events and open interest',
        60_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs()}\naggregate:\n${aggregate.logs()}`);
    }
    const m = await scrape(aggregate.metricsUrl);
    // long: 3 × 0.01 × 110000 + 5 × 1000 × 0.25 + 12 × 100 + 4 × 100 × 2.5; short: 250 × 0.01 × 110500.5 + 7 × 100
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', labels('long'))).toBe(3300 + 1250 + 1200 + 1000);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', labels('short'))).toBe(276_251.25 + 700);
    expect(sampleValue(m, 'liqstream_lower_bound', { venue: 'okx' })).toBe(1);

    const c = await scrape(connect.metricsUrl);
    // The cut frame and the error event; the unknown market's item is refused on its own.
    expect(sampleValue(c, 'liqstream_bad_frames_total', { venue: 'okx' })).toBe(2);
    expect(sampleValue(c, 'liqstream_bad_entries_total', { venue: 'okx' })).toBe(1);
    expect(sampleValue(c, 'liqstream_subscribe_errors_total', { venue: 'okx' })).toBe(1);
    expect(sampleValue(c, 'liqstream_connector_up', { venue: 'okx' })).toBe(1);
    // Discovery first; then open interest once (oiPollMs 1 h: a loaded run may last over a minute, which would poll again) and
    // the instrument list every 300 ms.
    expect(server.restRequests.slice(0, 2)).toEqual(['/api/v5/public/instruments?instType=SWAP', '/api/v5/public/instruments?instType=FUTURES']);
    expect(server.restRequests.filter((r) => r.includes('open-interest'))).toEqual([
      '/api/v5/public/open-interest?instType=SWAP',
      '/api/v5/public/open-interest?instType=FUTURES',
    ]);

    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
