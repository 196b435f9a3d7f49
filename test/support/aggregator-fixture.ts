import { writeFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { stringify } from 'yaml';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import type { BusMessage } from '../../src/bus/bus.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { unique } from '../bus/bus-contract.js';
import { parsePromText, type Sample } from './prom-text.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';
import { liquidation } from './events.js';
import { onlyVenues } from './config-file.js';
import { tempDir } from './recording.js';
import { until } from './until.js';
import { TEST_KAFKA } from './kafka-test-options.js';

export const MIN = 60_000;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'BNBUSDT'];

/**
 * Minutes of event time, two liquidations per symbol per minute ($50k-ish each, about $0.6M a minute),
 * $5M each in the `hot` minutes (about $60M a minute: a cascade under the default parameters).
 */
export function marketMinutes(base: number, from: number, to: number, hot: Set<number>): LiquidationEvent[] {
  const out: LiquidationEvent[] = [];
  for (let m = from; m < to; m++)
    for (let k = 0; k < 2; k++)
      SYMBOLS.forEach((symbol, s) => {
        const eventTime = base + m * MIN + (k + 1) * 20_000 + s * 100;
        const usd = hot.has(m) ? 5_000_000 : 50_000 + s * 1_000 + k;
        out.push(liquidation(`bybit-linear:${symbol}:${eventTime}:Sell:${usd}`, eventTime, usd, { symbol, base: symbol.replace('USDT', ''), side: k ? 'short' : 'long' }));
      });
  return out;
}

/** Unique topic names for one test; `outputs` gives aggregates/cascades topics of their own (a reference aggregator). */
export function testTopics(run = unique('agg')) {
  const names = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `${run}.${t}`]));
  return names as Record<'raw' | 'liquidations' | 'openInterest' | 'gaps' | 'deadLetter' | 'aggregates' | 'cascades' | 'partials', string>;
}

/** A config file for `liqstream aggregate`/`connect` on the given topics and group (venues off unless given). */
export function aggregatorConfig(brokers: string, topics: Record<string, string>, groupId: string, extra: Record<string, unknown> = {}, venues: Record<string, unknown> = {}): string {
  const file = join(tempDir(), `${groupId}.yaml`);
  writeFileSync(
    file,
    stringify({
      bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [brokers], partitions: 3 }, topics, lingerMs: 5 },
      metrics: { port: 0 },
      aggregator: { groupId, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, ...extra },
      venues: onlyVenues(venues as Record<string, Record<string, unknown>>),
    }),
  );
  return file;
}

/** Publishes events as a connector would (keyed venue:symbol), in event-time order, 100 per call. */
export async function publishEvents(bus: KafkaBus, topic: string, events: LiquidationEvent[]): Promise<void> {
  const sorted = [...events].sort((a, b) => a.eventTime - b.eventTime);
  for (let i = 0; i < sorted.length; i += 100) await bus.publish(topic, sorted.slice(i, i + 100).map(eventMessage));
}

export async function metricsOf(url: string): Promise<Sample[]> {
  return parsePromText(await (await fetch(`${url}/metrics`)).text());
}

export const sumOf = (samples: Sample[], name: string): number => samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);

/** The samples of `name`, as "labels value" lines sorted, for comparing two processes. */
export const seriesOf = (samples: Sample[], name: string): string[] =>
  samples
    .filter((s) => s.name === name)
    .map((s) => `${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`)
    .sort();

export async function health(url: string): Promise<{ code: number; status: string }> {
  const res = await fetch(`${url}/healthz`);
  return { code: res.status, status: ((await res.json()) as { status: string }).status };
}

/** Everything on `topics` from the beginning, collected as it arrives (in group `groupId`, for untilSettled). */
export async function readTopics(bus: KafkaBus, topics: string[], groupId = unique('reader')): Promise<Map<string, BusMessage[]>> {
  const got = new Map<string, BusMessage[]>(topics.map((t) => [t, []]));
  await bus.subscribe({ topics, groupId, fromBeginning: true }, async (b) => {
    got.get(b.topic)!.push(...b.messages);
  });
  return got;
}

/** Starts `liqstream` processes that are stopped (SIGTERM) after the test file; `onCleanup` adds other teardown. */
export function serviceProcesses() {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });
  return {
    onCleanup: (c: () => Promise<unknown>) => void cleanup.push(c),
    started: async (args: string[]): Promise<ServiceProcess> => {
      // Each connector its own disk spill: two processes may not share one (the spill's lock refuses it).
      const p = await startServiceProcess(args, args[0] === 'connect' ? { LIQSTREAM_BUS__SPILL__DIR: join(tempDir(), 'spill') } : {});
      cleanup.push(() => p.stop());
      return p;
    },
  };
}

/** A kafkajs admin client for the duration of `use`. */
async function withAdmin<T>(brokers: string, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ brokers: [brokers], clientId: 'test-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until `groupId` has committed every partition of `topics` up to its log end. A member counts a
 * batch in its handler and commits it after: a process killed (-9) right after its metrics showed the
 * count may not have committed yet, and its successor would count the batch again.
 */
export const untilCommitted = (brokers: string, groupId: string, topics: string[], timeoutMs = 30_000): Promise<void> =>
  withAdmin(brokers, async (admin) => {
    const behind = async () => {
      const committed = new Map((await admin.fetchOffsets({ groupId, topics })).flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, Number(p.offset)] as const)));
      for (const topic of topics)
        for (const p of await admin.fetchTopicOffsets(topic)) if (Math.max(0, committed.get(`${topic}:${p.partition}`) ?? -1) < Number(p.high)) return true;
      return false;
    };
    await until(async () => !(await behind()), `group ${groupId} committed ${topics.join(',')} to the log end`, timeoutMs);
  });

/**
 * A barrier for `liqstream aggregate` groups, instead of a sleep before asserting that nothing more came: each
 * group committed its `inputs` to the log end (its partials are published before that commit), then its detector
 * (group `<group>-detect`) committed the partials topic (after its sinks flushed the aggregates and cascades
 * records), then each reader group (readTopics) committed what it collects (after its handler kept it). Reaching
 * a record (minute 78) is not enough: a record counted twice, or a later one, could still be on its way.
 */
export async function untilSettled(brokers: string, groups: { groupId: string; inputs: string[]; partials: string }[], readers: { groupId: string; topics: string[] }[] = [], timeoutMs = 30_000): Promise<void> {
  for (const g of groups) await untilCommitted(brokers, g.groupId, g.inputs, timeoutMs);
  for (const g of groups) await untilCommitted(brokers, `${g.groupId}-detect`, [g.partials], timeoutMs);
  for (const r of readers) await untilCommitted(brokers, r.groupId, r.topics, timeoutMs);
}

/** The members the broker lists in `groupId` now. */
export const groupMembers = (brokers: string, groupId: string): Promise<number> =>
  withAdmin(brokers, async (admin) => (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0);
