import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeTestConfig } from '../support/config-file.js';
import { fixture } from '../support/fixtures.js';
import { GateServer } from '../support/gate-server.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const update = (...result: Record<string, unknown>[]) => JSON.stringify({ channel: 'futures.public_liquidates', event: 'update', time: 1760130900, time_ms: 1760130900123, result });

describe('Gate local server (USDT and BTC hosts, REST contract list) → liqstream connect → real Kafka → aggregate → /metrics', () => {
  it('shows the exact totals per venue and side, the sampled fidelity, open interest and the bad frame', async () => {
    const gate = await GateServer.start();
    cleanup.push(() => gate.close());
    // BTC_USDT as ccxt quotes Gate's list, and a listing the built-in table lacks (valued only through the list).
    const listed = JSON.parse(fixture('gate-usdt-contracts-1.json')) as Record<string, unknown>[];
    gate.contracts.usdt = JSON.stringify([...listed, { name: 'PEPE_USDT', type: 'direct', quanto_multiplier: '10000000', mark_price: '0.00001', position_size: 0 }]);
    gate.contracts.btc = JSON.stringify([{ name: 'BTC_USD', type: 'inverse', quanto_multiplier: '0', mark_price: '100000', position_size: 2500000 }]);

    const run = Date.now();
    const topics = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `gate-${run}.${t}.v1`]));
    const config = writeTestConfig(
      {
        'gate-usdt': { url: gate.wsUrl('usdt'), restUrl: gate.restUrl, discover: true, oiPollMs: 60_000 },
        'gate-btc': { url: gate.wsUrl('btc'), restUrl: gate.restUrl, oiPollMs: 60_000 },
      },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [inject('kafkaBrokers')], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `gate-${run}` } },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());
    await until(() => gate.subscribed('usdt') && gate.subscribed('btc'), 'Gate subscriptions on both hosts');
    expect(gate.handshakeHeaders('usdt').map((h) => h['x-gate-size-decimal'])).toEqual(['1']);

    // USDT: the docs sample (a long of 124 × 0.0001 BTC at 215.1), a short of 10 ETH contracts (0.01 ETH each,
    // built-in table), and a PEPE long valued through the polled list (3 × 10,000,000 PEPE at 0.00001).
    gate.publish('usdt', fixture('gate-usdt-public-liquidates-1.json'));
    gate.publish('usdt', update({ contract: 'ETH_USDT', price: '4000', size: '10', time_ms: 1760130900001 }));
    await until(() => gate.restRequests >= 2, 'the contract lists polled');
    gate.publish('usdt', update({ contract: 'PEPE_USDT', price: '0.00001', size: '-3', time_ms: 1760130900002 }));
    gate.publish('usdt', '{"channel":"futures.public_liquidates","event":"update","result":[{"contract":"BTC_USDT"}]}');
    // BTC: an inverse long of 5,000 one-USD contracts.
    gate.publish('btc', update({ contract: 'BTC_USD', price: '100000', size: '-5000', time_ms: 1760130900003 }));

    const expected: [string, string, number, number][] = [
      ['gate-usdt', 'long', 302.6672, 2], // 124 × 0.0001 × 215.1 + 300, each in 1/10,000 USD
      ['gate-usdt', 'short', 400, 1],
      ['gate-btc', 'long', 5000, 1],
    ];
    const value = async (url: string, name: string, labels: Record<string, string>) => sampleValue(await scrape(url), name, labels);
    try {
      await until(async () => {
        for (const [venue, side, usd, n] of expected) {
          if ((await value(aggregate.metricsUrl, 'liqstream_liquidations_usd_total', { venue, side, fidelity: 'sampled' })) !== usd) return false;
          if ((await value(aggregate.metricsUrl, 'liqstream_liquidations_total', { venue, side, fidelity: 'sampled' })) !== n) return false;
        }
        // The exact open interest, not any: gate-usdt's is the sum over BTC_USDT and PEPE_USDT (0), whose events have
        // keys of their own (partitions read at their own pace), so it shows 0 if PEPE_USDT's is read first.
        return (await value(aggregate.metricsUrl, 'liqstream_open_interest_usd', { venue: 'gate-usdt' })) === 19_842_978.505 && (await value(aggregate.metricsUrl, 'liqstream_open_interest_usd', { venue: 'gate-btc' })) === 2_500_000;
      }, 'Gate totals in /metrics', 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs().slice(-4000)}`);
    }
    expect(await value(aggregate.metricsUrl, 'liqstream_liquidations_usd_total', { venue: 'gate-btc', side: 'short', fidelity: 'sampled' })).toBeUndefined();
    expect(await value(aggregate.metricsUrl, 'liqstream_lower_bound', { venue: 'gate-usdt' })).toBe(1);
    // 5,223,816 contracts × 0.0001 BTC × 37,985.6 = 19,842,978.50496, exported to 1/10,000 USD.
    expect(await value(aggregate.metricsUrl, 'liqstream_open_interest_usd', { venue: 'gate-usdt' })).toBe(19_842_978.505);
    expect(await value(aggregate.metricsUrl, 'liqstream_open_interest_usd', { venue: 'gate-btc' })).toBe(2_500_000);
    // The update with an entry missing its fields is understood: that entry is refused on its own.
    await until(async () => (await value(connect.metricsUrl, 'liqstream_bad_entries_total', { venue: 'gate-usdt' })) === 1, 'the bad entry counted');
    expect(await value(connect.metricsUrl, 'liqstream_bad_frames_total', { venue: 'gate-usdt' })).toBe(0);
    expect(await value(connect.metricsUrl, 'liqstream_bad_frames_total', { venue: 'gate-btc' })).toBe(0);
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
