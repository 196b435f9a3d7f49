import { describe, expect, inject, it } from 'vitest';
import { toUnits, toUsd } from '../../src/aggregate/fixed-point.js';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { allTopics } from '../../src/bus/topics.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import type { LiquidationEvent, NormalizedEvent } from '../../src/schema/events.js';
import { unique } from '../bus/bus-contract.js';
import { MIN, aggregatorConfig, health, metricsOf, serviceProcesses, sumOf, testTopics, untilCommitted } from '../support/aggregator-fixture.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { liquidation } from '../support/events.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const { started, onCleanup } = serviceProcesses();

const PROTOCOLS = [
  ['aave-v3', 'ethereum'],
  ['aave-v3', 'base'],
  ['spark', 'ethereum'],
  ['morpho-blue', 'base'],
  ['morpho-blue', 'arbitrum'],
  ['fluid', 'ethereum'],
] as const;

/** The sum of `events` in exact units, as USD: what every DeFi figure must equal. */
const usdOf = (events: LiquidationEvent[]) => toUsd(events.reduce((s, e) => s + toUnits(e.notionalUsd), 0));

describe('retractions end to end through Kafka (issue 20)', () => {
  it('events then retractions (one before its event, one twice) give /api/totals, metrics and minutes equal to the events not retracted; a restart rebuilds the same windows and applies a new retraction to them', async () => {
    const topics = testTopics();
    const bus = new KafkaBus({ ...TEST_KAFKA, brokers: [brokers], partitions: 3 });
    onCleanup(() => bus.close());
    await bus.start(allTopics(topics));
    const base = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;

    // 60 DeFi liquidations over 20 minutes, cents that add up exactly only in units; 12 perps beside them.
    const defi = Array.from({ length: 60 }, (_, i) => {
      const [venue, chain] = PROTOCOLS[i % PROTOCOLS.length]!;
      return defiLiquidation(i, base + Math.floor(i / 3) * MIN + i * 7, 1_000 + i * 12_345.67 + (i % 10) / 100, { venue, chain, symbol: i % 2 ? 'WBTC/USDC' : 'WETH/USDT' });
    });
    const perps = Array.from({ length: 12 }, (_, i) => liquidation(`p${i}`, base + i * MIN + 500, 100 + i));
    const retracted = new Set([3, 4, 17, 30, 41, 59]);
    const early = 30; // its retraction is published before the event, on the same key (partition)
    const messages: NormalizedEvent[] = [retraction(defi[early]!), ...perps, ...defi];
    for (const i of retracted) if (i !== early) messages.push(retraction(defi[i]!));
    messages.push(retraction(defi[17]!, 'removed')); // the same retraction again: nothing more taken back
    const kept = defi.filter((_, i) => !retracted.has(i));

    const group = unique('defi-g');
    const config = aggregatorConfig(brokers, topics, group);
    const first = await startServiceProcess(['aggregate', '--config', config]);
    onCleanup(async () => first.child.kill('SIGKILL'));
    await until(async () => (await health(first.metricsUrl)).code === 200, 'aggregator healthy', 60_000);
    for (let i = 0; i < messages.length; i += 50) await bus.publish(topics.liquidations, messages.slice(i, i + 50).map(eventMessage));
    // Every message consumed: the three partitions are read at their own pace, so the retractions (each on its event's
    // partition) may all be in while another partition's events are not yet. Applied: all but the early-retracted one.
    const consumed = async () => {
      const m = await metricsOf(first.metricsUrl);
      return sumOf(m, 'liqstream_defi_retracted_total') === retracted.size - 1 && sumOf(m, 'liqstream_defi_liquidations_total') === defi.length - 1 && sumOf(m, 'liqstream_liquidations_usd_total') === usdOf(perps);
    };
    await until(consumed, 'all consumed', 60_000);
    await until(async () => sumOf(await metricsOf(first.metricsUrl), 'liqstream_unmatched_retractions_total') === 2, 'unmatched counted', 30_000);

    const totals = (await (await fetch(`${first.metricsUrl}/api/totals`)).json()) as { usd: number; count: number; defi: { usd: number; count: number; retracted: { count: number }; byProtocol: Record<string, { usd: number; byChain: Record<string, { usd: number }> }>; windows: Record<string, { usd: number }> } };
    expect([totals.usd, totals.count]).toEqual([usdOf(perps), 12]);
    expect(totals.defi.usd).toBe(usdOf(kept));
    expect(totals.defi.count).toBe(kept.length);
    expect(totals.defi.windows['24h']!.usd).toBe(usdOf(kept));
    for (const [venue, chain] of PROTOCOLS) expect(totals.defi.byProtocol[venue]!.byChain[chain]!.usd).toBe(usdOf(kept.filter((e) => e.venue === venue && e.onchain!.chain === chain)));

    const m = await metricsOf(first.metricsUrl);
    // Counters: applied (the early-retracted one never was) less retracted = the events not retracted.
    expect(sumOf(m, 'liqstream_defi_liquidations_total') - sumOf(m, 'liqstream_defi_retracted_total')).toBe(kept.length);
    expect(toUnits(sumOf(m, 'liqstream_defi_liquidations_usd_total') - sumOf(m, 'liqstream_defi_retracted_usd_total'))).toBe(toUnits(usdOf(kept)));
    const window24h = (samples: typeof m) => samples.filter((s) => s.name === 'liqstream_defi_liquidations_window_usd' && s.labels.window === '24h');
    expect(toUnits(window24h(m).reduce((s, x) => s + x.value, 0))).toBe(toUnits(usdOf(kept)));
    expect(sumOf(m, 'liqstream_liquidations_usd_total')).toBe(usdOf(perps));

    const minutes = (await (await fetch(`${first.metricsUrl}/api/minutes`)).json()) as { defiMinutes: { minute: number; usd: number; count: number }[] };
    const expectedMinutes = new Map<number, LiquidationEvent[]>();
    for (const e of kept) expectedMinutes.set(Math.floor(e.eventTime / MIN) * MIN, [...(expectedMinutes.get(Math.floor(e.eventTime / MIN) * MIN) ?? []), e]);
    expect(minutes.defiMinutes.filter((x) => x.count > 0).map((x) => [x.minute, x.usd, x.count])).toEqual([...expectedMinutes].sort(([a], [b]) => a - b).map(([minute, es]) => [minute, usdOf(es), es.length]));

    // Killed and restarted: the re-read rebuilds the windows net of every retraction and counts nothing again.
    await untilCommitted(brokers, group, [topics.liquidations]);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const second = await started(['aggregate', '--config', config]);
    const windowUnits = async () => toUnits(window24h(await metricsOf(second.metricsUrl)).reduce((s, x) => s + x.value, 0));
    await until(async () => (await windowUnits()) === toUnits(usdOf(kept)), 'restarted windows rebuilt', 60_000);
    // A new retraction of an event the first process counted: the windows lose it, the retraction is this process's to count.
    await bus.publish(topics.liquidations, [eventMessage(retraction(defi[0]!))]);
    await until(async () => (await windowUnits()) === toUnits(usdOf(kept.slice(1))), 'new retraction applied after the restart', 30_000);
    const m2 = await metricsOf(second.metricsUrl);
    expect([sumOf(m2, 'liqstream_defi_liquidations_total'), sumOf(m2, 'liqstream_defi_retracted_total')]).toEqual([0, 1]);
    const after = (await (await fetch(`${second.metricsUrl}/api/minutes`)).json()) as { defiMinutes: { usd: number }[] };
    expect(toUnits(after.defiMinutes.reduce((s, x) => s + x.usd, 0))).toBe(toUnits(usdOf(kept.slice(1))));
  });
});
