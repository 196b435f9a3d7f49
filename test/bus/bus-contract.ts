import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusMessage, ConsumedBatch, Subscription } from '../../src/bus/bus.js';
import { until } from '../support/until.js';

/** Names that no earlier run (or parallel test) on a shared broker has used. */
export const unique = (prefix: string): string => `${prefix}-${Date.now()}-${randomBytes(4).toString('hex')}`;

/** `count` messages spread round-robin over `keys` keys; each value carries its key and per-key sequence. */
export function keyedMessages(count: number, keys: number, tag = 'm'): BusMessage[] {
  const seq = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const key = `${tag}-k${i % keys}`;
    const n = seq.get(key) ?? 0;
    seq.set(key, n + 1);
    return { key, value: `${key}#${n}`, headers: { 'x-origin': 'contract' } };
  });
}

export async function publishInBatches(bus: Bus, topic: string, messages: BusMessage[], batchSize = 100): Promise<void> {
  for (let i = 0; i < messages.length; i += batchSize) await bus.publish(topic, messages.slice(i, i + batchSize));
}

export function collector() {
  const got: BusMessage[] = [];
  const handler = async (batch: ConsumedBatch): Promise<void> => {
    got.push(...batch.messages);
  };
  return { got, handler };
}

const sorted = (xs: unknown[]) => xs.map(String).sort();

/** Every key's values arrive in the order they were published, with none missing or repeated. */
export function expectPerKeyOrder(got: BusMessage[]): void {
  const byKey = new Map<string, number[]>();
  for (const m of got) {
    const [key, n] = String(m.value).split('#');
    expect(m.key).toBe(key);
    byKey.set(m.key, [...(byKey.get(m.key) ?? []), Number(n)]);
  }
  for (const seqs of byKey.values()) expect(seqs).toEqual(seqs.map((_, i) => i));
}

/** Waits for `expected.length` messages, lets `settleMs` pass to catch extra deliveries, then compares as multisets. */
export async function expectExactly(got: BusMessage[], expected: BusMessage[], settleMs: number, what: string): Promise<void> {
  await until(() => got.length >= expected.length, `${what}: ${expected.length} messages (got ${got.length})`, 30_000);
  if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  expect(sorted(got.map((m) => m.value))).toEqual(sorted(expected.map((m) => m.value)));
}

export interface BusFixture {
  bus: Bus;
  /** Two distinct topics, already passed to `bus.start`. */
  topics: [string, string];
}

export interface ContractOptions {
  /** Time to wait after the expected messages arrived, so an asynchronous bus can reveal extra deliveries. */
  settleMs: number;
}

/**
 * Behaviour every Bus must show, whatever the transport: only what applies to a bus that does not
 * retain messages (subscribe first, then publish). Retention, redelivery and commit semantics are
 * transport-specific and tested with the transport.
 */
export function busContract(name: string, create: () => Promise<BusFixture>, options: ContractOptions): void {
  describe(`${name}: Bus contract`, () => {
    let fixture: BusFixture | undefined;
    const open = async () => (fixture = await create());
    afterEach(async () => {
      await fixture?.bus.close();
      fixture = undefined;
    });

    it('delivers every message published after subscribe resolved, once, in per-key order, headers intact', async () => {
      const { bus, topics } = await open();
      const c = collector();
      await bus.subscribe({ topics: [topics[0]], groupId: unique('contract-g') }, c.handler);
      const sent = keyedMessages(1000, 20);
      await publishInBatches(bus, topics[0], sent);
      await expectExactly(c.got, sent, options.settleMs, 'subscriber');
      expectPerKeyOrder(c.got);
      for (const m of c.got) expect(m.headers?.['x-origin']).toBe('contract');
    });

    it('keeps call order for publishes made without waiting for the last one', async () => {
      const { bus, topics } = await open();
      const c = collector();
      await bus.subscribe({ topics: [topics[0]], groupId: unique('contract-g') }, c.handler);
      const sent = keyedMessages(1000, 20);
      const batches = Array.from({ length: 10 }, (_, i) => sent.slice(i * 100, (i + 1) * 100));
      await Promise.all(batches.map((batch) => bus.publish(topics[0], batch)));
      await expectExactly(c.got, sent, options.settleMs, 'subscriber');
      expectPerKeyOrder(c.got);
    });

    it('labels each batch with its topic and keeps topics apart', async () => {
      const { bus, topics } = await open();
      const seen: { topic: string; value: unknown }[] = [];
      await bus.subscribe({ topics, groupId: unique('contract-g') }, async (b) => {
        for (const m of b.messages) seen.push({ topic: b.topic, value: m.value });
      });
      const a = keyedMessages(10, 3, 'a');
      const b = keyedMessages(15, 3, 'b');
      await bus.publish(topics[0], a);
      await bus.publish(topics[1], b);
      await until(() => seen.length >= 25, 'messages on both topics', 30_000);
      await new Promise((r) => setTimeout(r, options.settleMs));
      expect(sorted(seen.filter((s) => s.topic === topics[0]).map((s) => s.value))).toEqual(sorted(a.map((m) => m.value)));
      expect(sorted(seen.filter((s) => s.topic === topics[1]).map((s) => s.value))).toEqual(sorted(b.map((m) => m.value)));
    });

    it('gives each group its own copy, and a closed subscription receives nothing more', async () => {
      const { bus, topics } = await open();
      const one = collector();
      const two = collector();
      const subOne: Subscription = await bus.subscribe({ topics: [topics[0]], groupId: unique('contract-g1') }, one.handler);
      await bus.subscribe({ topics: [topics[0]], groupId: unique('contract-g2') }, two.handler);
      const first = keyedMessages(50, 5, 'first');
      await bus.publish(topics[0], first);
      await expectExactly(one.got, first, options.settleMs, 'group one');
      await expectExactly(two.got, first, 0, 'group two');

      await subOne.close();
      const second = keyedMessages(50, 5, 'second');
      await bus.publish(topics[0], second);
      // Group two still listening is the witness that the second round was delivered.
      await expectExactly(two.got, [...first, ...second], options.settleMs, 'group two, second round');
      expect(sorted(one.got.map((m) => m.value))).toEqual(sorted(first.map((m) => m.value)));
    });

    it('publishing nothing resolves; after close(), close resolves again and publish rejects', async () => {
      const { bus, topics } = await open();
      await expect(bus.publish(topics[0], [])).resolves.toBeUndefined();
      await expect(bus.close()).resolves.toBeUndefined();
      await expect(bus.close()).resolves.toBeUndefined();
      await expect(bus.publish(topics[0], keyedMessages(1, 1))).rejects.toThrow(/closed/);
    });
  });
}
