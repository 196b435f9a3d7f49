import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { toUnits } from '../../src/aggregate/fixed-point.js';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { allTopics } from '../../src/bus/topics.js';
import { unique } from '../bus/bus-contract.js';
import { MIN, aggregatorConfig, marketMinutes, metricsOf, publishEvents, serviceProcesses, sumOf, testTopics } from '../support/aggregator-fixture.js';
import { applied, sql, truncateAll } from '../support/questdb.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';

const brokers = inject('kafkaBrokers');
const { started, onCleanup } = serviceProcesses();
const stored = async () => {
  await applied();
  return (await sql('SELECT count() AS n, count_distinct(id) AS ids, sum(usd_e4) AS usd_e4 FROM liquidations'))[0]!;
};

describe('aggregate (Kafka) writing QuestDB, killed (-9) with rows buffered and restarted', () => {
  it('stores every liquidation exactly once: the restart re-reads what the killed process had not sent, and the table’s key keeps what it had once', async () => {
    await truncateAll();
    const topics = testTopics();
    const group = unique('questdb-g');
    const file = aggregatorConfig(brokers, topics, group);
    const { http, pg } = inject('questdb');
    // No send while running (only at a graceful stop), so a kill finds rows applied, offsets committed, and not in QuestDB.
    writeFileSync(file, stringify({ ...parse(readFileSync(file, 'utf8')), store: { enabled: true, kind: 'questdb', questdb: { http, pg, flushRows: 1_000_000, flushMs: 3_600_000 } } }));
    const bus = new KafkaBus({ brokers: [brokers], partitions: 3 });
    onCleanup(() => bus.close());
    await bus.start(allTopics(topics));

    const base = Math.floor(Date.now() / MIN) * MIN - 100 * MIN;
    const events = marketMinutes(base, 0, 60, new Set());
    const half = events.filter((e) => e.eventTime < base + 30 * MIN);
    const consumed = async (p: { metricsUrl: string }, n: number) =>
      until(async () => sumOf(await metricsOf(p.metricsUrl), 'liqstream_liquidations_total') === n, `${n} consumed`, 30_000);

    // 1. The first half, sent by a graceful stop.
    const first = await started(['aggregate', '--config', file]);
    await publishEvents(bus, topics.liquidations, half);
    await consumed(first, half.length);
    expect(await first.stop()).toBe(0);
    expect(await stored()).toMatchObject({ n: String(half.length), ids: String(half.length) });

    // 2. The second half, applied and its offsets committed, then kill -9 before the sink sends it.
    const second = await startServiceProcess(['aggregate', '--config', file]);
    onCleanup(async () => second.child.kill('SIGKILL'));
    await until(async () => (await fetch(`${second.metricsUrl}/healthz`)).status === 200, 'second healthy', 60_000);
    await publishEvents(bus, topics.liquidations, events.filter((e) => !half.includes(e)));
    await consumed(second, events.length - half.length);
    await new Promise((r) => setTimeout(r, 1_500)); // the consumer's offset commits
    second.child.kill('SIGKILL');
    await new Promise((r) => second.child.once('exit', r));
    expect(await stored()).toMatchObject({ n: String(half.length) });

    // 3. A restart re-reads both halves (aggregator.rebuildMs): the first is stored already (upserted, not doubled), the second is not.
    const third = await started(['aggregate', '--config', file]);
    await until(async () => (await fetch(`${third.metricsUrl}/healthz`)).status === 200, 'restarted healthy', 60_000);
    // The process serves /api/history from QuestDB: what was sent (the first half) is there.
    const api = (await (await fetch(`${third.metricsUrl}/api/history/minutes?step=1d`)).json()) as { rows: { count: number }[] };
    expect(api.rows.reduce((a, r) => a + r.count, 0)).toBeGreaterThanOrEqual(half.length);
    expect(await third.stop()).toBe(0);
    const usd = events.reduce((s, e) => s + toUnits(e.notionalUsd), 0);
    expect(await stored()).toEqual({ n: String(events.length), ids: String(events.length), usd_e4: String(usd) });
  });
});
