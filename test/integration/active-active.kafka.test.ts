import { describe, expect, inject, it } from 'vitest';
import { unique } from '../bus/bus-contract.js';
import { aggregatorConfig, serviceProcesses, testTopics } from '../support/aggregator-fixture.js';
import { BinanceServer } from '../support/binance-server.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { until } from '../support/until.js';

const brokers = inject('kafkaBrokers');
const { started, onCleanup } = serviceProcesses();

describe('active-active connectors: two `connect` processes on one venue → one `aggregate`', () => {
  it('counts every liquidation once and the copies as duplicates', async () => {
    const usdm = await BinanceServer.start();
    onCleanup(() => usdm.close());
    const config = aggregatorConfig(brokers, testTopics(), unique('aa-g'), {}, { 'binance-usdm': { enabled: true, url: usdm.url, discover: false, oiPollMs: 0 } });
    const start = (mode: string) => started([mode, '--config', config]);
    const aggregate = await start('aggregate');
    const connectors = [await start('connect'), await start('connect')];
    await usdm.subscriptions(2);

    // Three liquidations of the last seconds, as Binance sends them; each reaches both connectors.
    const now = Date.now();
    const order = (s: string, side: string, qty: string, price: string, t: number) =>
      JSON.stringify({ e: 'forceOrder', E: t, o: { s, S: side, o: 'LIMIT', f: 'IOC', q: qty, p: price, ap: price, X: 'FILLED', l: qty, z: qty, T: t } });
    for (const f of [order('BTCUSDT', 'SELL', '0.014', '9910', now - 3_000), order('BTCUSDT', 'SELL', '0.009', '18990', now - 2_000), order('ETHUSDT', 'BUY', '1.437', '34959.7', now - 1_000)])
      usdm.send(f);

    const labels = (side: string) => ({ venue: 'binance-usdm', side, fidelity: 'sampled' });
    const duplicates = async () => sampleValue(await scrape(aggregate.metricsUrl), 'liqstream_duplicate_liquidations_total', { venue: 'binance-usdm' });
    try {
      await until(async () => (await duplicates()) === 3, 'three copies dropped', 30_000);
    } catch (err) {
      const m = (await scrape(aggregate.metricsUrl)).filter((s) => s.name.startsWith('liqstream_') && !s.name.startsWith('liqstream_process'));
      throw new Error(`${(err as Error).message}\n${JSON.stringify(m)}\naggregate:\n${aggregate.logs()}\nconnect:\n${connectors[0]!.logs()}`);
    }
    const m = await scrape(aggregate.metricsUrl);
    expect(sampleValue(m, 'liqstream_liquidations_total', labels('long'))).toBe(2);
    expect(sampleValue(m, 'liqstream_liquidations_total', labels('short'))).toBe(1);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', labels('long'))).toBe(0.014 * 9910 + 0.009 * 18990);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', labels('short'))).toBe(50_237.0889); // 1.437 × 34,959.7, summed in 1/10,000 USD like every total
    for (const c of connectors) expect(sampleValue(await scrape(c.metricsUrl), 'liqstream_frames_total', { venue: 'binance-usdm' })).toBe(4); // reply + 3 events
    for (const c of connectors) expect(await c.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
