import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { allTopics, TopicNames } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { startAggregation } from '../../src/pipeline/aggregation.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import { unique } from '../bus/bus-contract.js';
import { liquidation } from '../support/events.js';
import { testTopics, untilCommitted } from '../support/aggregator-fixture.js';
import { parsePromText } from '../support/prom-text.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

// A broker of this test's own (KAFKA_PORT + 310), so freezing it disturbs no other test.
const PORT = String(Number(process.env.KAFKA_PORT ?? 19092) + 310);
const brokers = [`127.0.0.1:${PORT}`];
const env = { ...process.env, KAFKA_PORT: PORT };
const kafka = (cmd: 'start' | 'stop') => execFileSync('bash', ['scripts/kafka/kafka.sh', cmd], { stdio: 'inherit', env });
const brokerPid = (): number => Number(readFileSync(join(process.env.KAFKA_HOME_DIR ?? '.cache/kafka', `run-${PORT}`, 'pid'), 'utf8'));

const cleanup: (() => Promise<unknown>)[] = [];
beforeAll(() => kafka('start'), 120_000);
afterAll(async () => {
  try {
    process.kill(brokerPid(), 'SIGCONT');
  } catch {
    // not running
  }
  for (const c of cleanup.reverse()) await c().catch(() => {});
  kafka('stop');
});

async function total(metrics: Metrics, name: string): Promise<number> {
  return parsePromText(await metrics.registry.metrics())
    .filter((s) => s.name === name)
    .reduce((a, s) => a + s.value, 0);
}

describe('a broker frozen (SIGSTOP) for twice the session timeout while an aggregator consumes at 800 events/s', () => {
  it('counts every liquidation delivered exactly once', async () => {
    const topics = TopicNames.parse(testTopics());
    const bus = new KafkaBus({ ...TEST_KAFKA, brokers, partitions: 3 });
    cleanup.push(() => bus.close());
    await bus.start(allTopics(topics));
    const metrics = createMetrics();
    const groupId = unique('frozen-g');
    const aggregation = await startAggregation({
      bus,
      topics,
      groupId,
      metrics,
      log: silentLogger(),
      partials: async () => {},
      aggregator: { rewindMs: 26 * 3_600_000, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, idleMs: 500, latenessMs: 1_000 },
    });
    cleanup.push(() => aggregation.subscription.close());
    await until(() => aggregation.status() === 'ok', 'aggregator ready', 30_000);

    const publisher = new KafkaBus({ ...TEST_KAFKA, brokers, partitions: 3 });
    cleanup.push(() => publisher.close());
    await publisher.start(allTopics(topics));
    // 20 liquidations every 25 ms, ids unique, each of $1,000 plus its index in cents; a publish that fails
    // is sent again (its ids are the same, so a copy the broker had already taken is a duplicate).
    const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'BNBUSDT'];
    const delivered = new Map<string, number>();
    let stop = false;
    let n = 0;
    const publishing = (async () => {
      while (!stop) {
        const t = Date.now() - 60_000;
        const batch = Array.from({ length: 20 }, () => {
          const i = n++;
          const symbol = symbols[i % symbols.length]!;
          return liquidation(`bybit-linear:${symbol}:frozen:${i}`, t, 1_000 + (i % 100) / 100, { symbol, base: symbol.replace('USDT', '') });
        });
        for (;;) {
          try {
            await publisher.publish(topics.liquidations, batch.map(eventMessage));
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        for (const e of batch) delivered.set(e.id, e.notionalUsd);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    await new Promise((r) => setTimeout(r, 3_000));
    process.kill(brokerPid(), 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 12_000));
    process.kill(brokerPid(), 'SIGCONT');
    await new Promise((r) => setTimeout(r, 4_000));
    stop = true;
    await publishing;

    const usd = [...delivered.values()].reduce((a, v) => a + Math.round(v * 10_000), 0) / 10_000;
    await until(async () => (await total(metrics, 'liqstream_liquidations_total')) >= delivered.size && aggregation.status() === 'ok', `${delivered.size} counted`, 45_000);
    // A batch counted twice would be counted by now: the group committed the topic to its end (after any rejoin's reads).
    await untilCommitted(brokers[0]!, groupId, [topics.liquidations], 45_000);
    expect(await total(metrics, 'liqstream_liquidations_total')).toBe(delivered.size);
    expect(Math.round((await total(metrics, 'liqstream_liquidations_usd_total')) * 100) / 100).toBe(Math.round(usd * 100) / 100);
    const windows = aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h');
    expect(windows).toBe(usd);
  }, 90_000);
});
