import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import type { GapEvent, LiquidationEvent } from '../../src/schema/events.js';
import { WATCH_MARK_INTERVAL_MS, WatchMark } from '../../src/service/watch-mark.js';
import { testTopics, untilCommitted } from '../support/aggregator-fixture.js';
import { BinanceServer } from '../support/binance-server.js';
import { writeTestConfig } from '../support/config-file.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** A USD-M forceOrder whose trade time is its sequence number, so every frame is told apart on the topic. */
const order = (t: number) =>
  `{"e":"forceOrder","E":${t},"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"1","p":"100","ap":"100","X":"FILLED","l":"1","z":"1","T":${t}}}`;
const T0 = 1_760_000_000_000;
/** Loopback latency allowed between the venue sending (or taking a subscription) and the connector's clock. */
const SLACK_MS = 50;
const DIED = 'connector process died (no clean shutdown) until restarted';
const CLEAN = 'connector stopped (clean shutdown) until restarted';

describe('liqstream connect restarted: the time nobody watched is a gap on the gaps topic (issue 23 §1)', () => {
  it('kill -9 and a restart 1 s later give one gap per venue from where the dead process stopped to the new subscription; a clean stop and restart give one too', async () => {
    const usdm = await BinanceServer.start();
    const coinm = await BinanceServer.start();
    cleanup.push(() => usdm.close(), () => coinm.close());
    const run = `${Date.now()}`;
    const topics = testTopics(`restart-${run}`);
    const spillDir = join(tempDir(), 'spill');
    const config = writeTestConfig(
      { 'binance-usdm': { url: usdm.url }, 'binance-coinm': { url: coinm.url } },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [brokers], partitions: 1 }, topics, lingerMs: 5, spill: { dir: spillDir } } },
    );
    const subscribed = async (n: number) => {
      await Promise.all([usdm.subscriptions(n, 30_000), coinm.subscriptions(n, 30_000)]);
      return Date.now();
    };

    // The venue never stops: 200 frames a second, each sent to whoever is subscribed then (or nobody).
    const sent: { t: number; at: number; to: number }[] = [];
    let streaming = true;
    const venue = (async () => {
      for (let i = 0; streaming; i++) {
        const at = Date.now();
        sent.push({ t: T0 + i, at, to: usdm.send(order(T0 + i)) });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    let connect: ServiceProcess = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());
    await subscribed(1);
    await new Promise((r) => setTimeout(r, 1_500));

    // What the process last said about itself before it dies: per venue, from when on it could not vouch.
    const lastMark = WatchMark.parse(JSON.parse(readFileSync(join(spillDir, 'watch-mark.json'), 'utf8')));
    const killAt = Date.now();
    connect.child.kill('SIGKILL');
    await new Promise((r) => connect.child.once('exit', r));
    await new Promise((r) => setTimeout(r, 1_000));
    const restartAt = Date.now();
    connect = await startServiceProcess(['connect', '--config', config]);
    const resubscribedAt = await subscribed(2);
    await new Promise((r) => setTimeout(r, 1_500));

    const stopAt = Date.now();
    expect(await connect.stop()).toBe(0);
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const secondRestartAt = Date.now();
    connect = await startServiceProcess(['connect', '--config', config]);
    const secondResubscribedAt = await subscribed(3);
    await new Promise((r) => setTimeout(r, 1_500));
    streaming = false;
    await venue;
    await new Promise((r) => setTimeout(r, 500));
    expect(await connect.stop()).toBe(0);

    const gaps: GapEvent[] = [];
    const delivered = new Set<number>();
    const receiveTimes: number[] = [];
    const reader = new KafkaBus({ ...TEST_KAFKA, brokers: [brokers], clientId: `restart-reader-${run}` });
    await reader.start([topics.gaps, topics.liquidations]);
    cleanup.push(() => reader.close());
    await reader.subscribe({ topics: [topics.gaps, topics.liquidations], groupId: `restart-reader-${run}`, fromBeginning: true }, async ({ topic, messages }) => {
      for (const m of messages) {
        if (topic === topics.gaps) gaps.push(m.value as GapEvent);
        else {
          delivered.add((m.value as LiquidationEvent).eventTime);
          receiveTimes.push((m.value as LiquidationEvent).receiveTime);
        }
      }
    });
    const lastSubscribed = sent.filter((s) => s.to > 0).at(-1)!;
    await until(() => gaps.length >= 4 && delivered.has(lastSubscribed.t), 'four gaps and the last frame read back', 60_000);
    // Nothing more may arrive: the connector has stopped, and the reader committed both topics to their end.
    await untilCommitted(brokers, `restart-reader-${run}`, [topics.gaps, topics.liquidations], 60_000);

    // One gap per venue and restart; before: none at all.
    expect(gaps.map((g) => [g.venue, g.reason]).sort()).toEqual(
      [
        ['binance-coinm', DIED],
        ['binance-coinm', CLEAN],
        ['binance-usdm', DIED],
        ['binance-usdm', CLEAN],
      ].sort(),
    );
    for (const g of gaps.filter((g) => g.reason === DIED)) {
      // From where the dead process could last vouch for its data (its last watch mark, written at most
      // one interval before the kill: the oldest frame not yet acknowledged by Kafka, or the mark's time)
      // to the new process's subscription.
      expect(g.from).toBeLessThanOrEqual(killAt);
      // (The mark read just before the kill, or a later one written before the kill landed.)
      expect(g.from).toBeGreaterThanOrEqual(lastMark.since[g.venue]!);
      expect(lastMark.at).toBeGreaterThanOrEqual(killAt - WATCH_MARK_INTERVAL_MS - 500);
      expect(g.to).toBeGreaterThanOrEqual(restartAt);
      expect(g.to).toBeLessThanOrEqual(resubscribedAt + SLACK_MS); // the subscription is sent, then the gap ends
    }
    // A venue with nothing in flight (COIN-M here): its gap starts at a mark's time, within one interval of the kill.
    expect(gaps.find((g) => g.venue === 'binance-coinm' && g.reason === DIED)!.from).toBeGreaterThanOrEqual(lastMark.at);
    for (const g of gaps.filter((g) => g.reason === CLEAN)) {
      // A clean stop vouches for everything up to the moment its sockets closed.
      expect(g.from).toBeGreaterThanOrEqual(stopAt);
      expect(g.from).toBeLessThanOrEqual(stoppedAt);
      expect(g.to).toBeGreaterThanOrEqual(secondRestartAt);
      expect(g.to).toBeLessThanOrEqual(secondResubscribedAt + SLACK_MS);
    }
    // Frame by frame (USD-M): every frame the venue sent while connect ran is on the liquidations topic or
    // was sent inside a recorded gap: those in the dead process's socket and buffers, and those sent to nobody.
    const usdmGaps = gaps.filter((g) => g.venue === 'binance-usdm');
    const firstSubscribed = sent.find((s) => s.to > 0)!;
    const during = sent.filter((s) => s.at >= firstSubscribed.at && s.at <= lastSubscribed.at);
    const missing = during.filter((s) => !delivered.has(s.t));
    expect(missing.length).toBeGreaterThan(200); // about 2 × 1–2 s at 200 a second went to nobody
    expect(missing.filter((s) => !usdmGaps.some((g) => g.from - SLACK_MS <= s.at && s.at < g.to + SLACK_MS)).map((s) => s.at)).toEqual([]);
    const died = usdmGaps.find((g) => g.reason === DIED)!;
    console.log(
      `kill -9: gap ${died.from - killAt} ms .. +${died.to - killAt} ms around the kill (resubscribed +${resubscribedAt - killAt} ms); ` +
        `${missing.length} frames missing, all inside the gaps; ${receiveTimes.filter((r) => r >= died.from && r < died.to).length} delivered frames inside the died gap ` +
        `(acknowledged after the last mark); clean stop: gap from +${gaps.find((g) => g.reason === CLEAN)!.from - stopAt} ms after SIGTERM`,
    );
  }, 120_000);
});
