import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from '../../src/bus/bus.js';
import { PublishQueue } from '../../src/bus/publish-queue.js';
import { SpillConfig } from '../../src/bus/spill-log.js';
import { SpillFullError, SpillingBus } from '../../src/bus/spilling-bus.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../support/recording.js';
import { until } from '../support/until.js';

/**
 * A broker stand-in with the Bus contract's ordering and failure rules (PublishQueue), which the
 * test can take down, slow down and bring back. Unit tests only: Kafka tests use a real broker.
 */
class SwitchableBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly delivered: number[] = [];
  down = false;
  /** Publishes wait this long before they fail (a broker that vanished without refusing connections). */
  hangMs = 0;
  startFails = false;
  /** A connection attempt that never ends (a broker address that drops the packets). */
  startHangs = false;
  /** How long a connection attempt takes before it succeeds or fails. */
  startDelayMs = 0;
  /** What `reachable` answers (a broker that accepts connections), and how often it was asked. */
  answers = true;
  probes = 0;
  reachable(): Promise<boolean> {
    this.probes += 1;
    return Promise.resolve(this.answers);
  }
  latencyMs = 1;
  private readonly queue = new PublishQueue();
  async start(): Promise<void> {
    if (this.startHangs) await new Promise(() => {});
    if (this.startDelayMs > 0) await new Promise((r) => setTimeout(r, this.startDelayMs));
    if (this.startFails) throw new Error('no broker');
  }
  publish(_topic: string, messages: BusMessage[]): Promise<void> {
    return this.queue.add(async () => {
      await new Promise((r) => setTimeout(r, this.latencyMs));
      if (this.hangMs > 0) {
        await new Promise((r) => setTimeout(r, this.hangMs));
        throw new Error('request timed out');
      }
      if (this.down) throw new Error('broker unavailable');
      for (const m of messages) this.delivered.push(m.value as number);
    });
  }
  subscribe(_o: SubscribeOptions, _h: (b: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const spillConfig = (over: Partial<SpillConfig> = {}) => ({ ...SpillConfig.parse({ dir: tempDir(), fsync: 'never', retry: { initialMs: 5, maxMs: 20 }, ...over }), maxInMemory: 50, sendTimeoutMs: 1_000 });
const batch = (from: number, n: number): BusMessage[] => Array.from({ length: n }, (_, i) => ({ key: 'k', value: from + i }));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** What a next start on the same spill directory sends, once it has sent `count` messages (a broker that answers). */
async function sentByNextStart(config: ReturnType<typeof spillConfig>, count: number): Promise<number[]> {
  const next = new SwitchableBus();
  const again = new SpillingBus(next, config, silentLogger());
  await again.start(['t']);
  await until(() => next.delivered.length === count, 'the records kept on disk, sent by the next start');
  await again.close();
  return next.delivered;
}

/** A bus whose broker was down when `values` were published: they are on disk, the drainer in its back-off. */
async function spilledWhileDown(config: ReturnType<typeof spillConfig>, values: BusMessage[]): Promise<{ inner: SwitchableBus; bus: SpillingBus }> {
  const inner = new SwitchableBus();
  inner.down = true;
  const bus = new SpillingBus(inner, config, silentLogger());
  await bus.start(['t']);
  await bus.publish('t', values);
  await until(() => !bus.status().up && bus.status().spillBytes > 0, 'spilled, the drainer pausing');
  return { inner, bus };
}

describe('SpillingBus', () => {
  it('keeps call order through an outage: in-flight publishes go to disk ahead of those spilled meanwhile, all delivered once the broker is back', async () => {
    const inner = new SwitchableBus();
    const bus = new SpillingBus(inner, spillConfig(), silentLogger());
    await bus.start([]);
    for (let i = 0; i < 10; i++) await bus.publish('t', batch(i * 10, 10));
    await until(() => inner.delivered.length === 100, 'first 100');
    inner.down = true;
    inner.latencyMs = 20;
    for (let i = 10; i < 100; i++) await bus.publish('t', batch(i * 10, 10)); // all accepted at once, broker or not
    await until(() => !bus.status().up && bus.status().spillBytes > 0, 'spilling');
    expect(bus.status().memoryEvents).toBe(0);
    inner.latencyMs = 1;
    inner.down = false;
    await until(() => inner.delivered.length >= 1000 && bus.status().spillBytes === 0, 'drained', 10_000);
    expect(inner.delivered).toEqual(range(1000));
    expect(bus.status().up).toBe(true);
    // Direct again: the next publish goes straight through.
    await bus.publish('t', batch(1000, 1));
    await until(() => inner.delivered.length === 1001, 'direct');
    await bus.close();
  });

  it('holds at most maxInMemory unacknowledged events in memory when the broker is slow; the rest waits on disk, in order', async () => {
    const inner = new SwitchableBus();
    inner.latencyMs = 30;
    const bus = new SpillingBus(inner, spillConfig(), silentLogger());
    await bus.start([]);
    let maxMemory = 0;
    for (let i = 0; i < 40; i++) {
      await bus.publish('t', batch(i * 10, 10));
      maxMemory = Math.max(maxMemory, bus.status().memoryEvents);
    }
    expect(maxMemory).toBe(50);
    expect(bus.status().spillBytes).toBeGreaterThan(0);
    await until(() => inner.delivered.length === 400, 'all', 10_000);
    expect(inner.delivered).toEqual(range(400));
    await bus.close();
  });

  it('a send that stays unacknowledged past sendTimeoutMs moves to disk at once, without waiting for the client to give up', async () => {
    const inner = new SwitchableBus();
    const bus = new SpillingBus(inner, spillConfig(), silentLogger());
    await bus.start([]);
    inner.hangMs = 3_000;
    const t0 = Date.now();
    await bus.publish('t', batch(0, 10));
    await bus.publish('t', batch(10, 10));
    await until(() => !bus.status().up, 'down');
    const detectedMs = Date.now() - t0;
    expect(detectedMs).toBeGreaterThanOrEqual(1_000);
    expect(detectedMs).toBeLessThan(2_000);
    expect(bus.status().memoryEvents).toBe(0);
    expect(bus.status().spillBytes).toBeGreaterThan(0);
    inner.hangMs = 0;
    await until(() => inner.delivered.length === 20 && bus.status().up, 'sent from the spill', 10_000);
    expect(inner.delivered).toEqual(range(20));
    await bus.close();
  });

  it('closes at once when the broker never answered and nothing is to send; with records on disk it still gives them the deadline', async () => {
    const idle = new SwitchableBus();
    idle.startHangs = true;
    const quiet = new SpillingBus(idle, spillConfig(), silentLogger());
    await quiet.start(['t'], 50);
    let t = performance.now();
    await quiet.close(2_000);
    expect(performance.now() - t).toBeLessThan(500); // waited for the connection attempt: 2,000

    const inner = new SwitchableBus();
    inner.startHangs = true;
    const config = spillConfig();
    const bus = new SpillingBus(inner, config, silentLogger());
    await bus.start(['t'], 50);
    await bus.publish('t', batch(0, 3));
    t = performance.now();
    await bus.close(600);
    expect(performance.now() - t).toBeGreaterThanOrEqual(590);
    // Kept for the next start: the same directory, a broker that answers.
    expect(await sentByNextStart(config, 3)).toEqual([0, 1, 2]);
  });

  it('a connection attempt that fails after close() returned: nothing logged, no back-off armed, the drainer ends', async () => {
    const inner = new SwitchableBus();
    inner.startFails = true;
    inner.startDelayMs = 200;
    const errors: string[] = [];
    const log = silentLogger();
    log.error = ((_obj: unknown, msg?: string) => void errors.push(msg ?? '')) as typeof log.error;
    const bus = new SpillingBus(inner, spillConfig({ retry: { initialMs: 60_000, maxMs: 60_000 } }), log);
    await bus.start(['t'], 20);
    const before = errors.length;
    await bus.close(2_000);
    await new Promise((r) => setTimeout(r, 400)); // the attempt has failed meanwhile
    expect(errors.slice(before)).toEqual([]);
    // Its 60 s back-off would have kept the process alive (reviewed: the drainer slept after close).
    expect((bus as unknown as { draining?: Promise<void> }).draining).toBeUndefined();
  });

  it('at close, records on disk get one more attempt though the drainer is in a long back-off: sent when the broker is back, kept when not', async () => {
    const config = spillConfig({ retry: { initialMs: 60_000, maxMs: 60_000 } });
    const { inner, bus } = await spilledWhileDown(config, batch(0, 5));
    inner.down = false; // back, while the drainer sleeps
    let t = performance.now();
    await bus.close(2_000);
    expect(performance.now() - t).toBeLessThan(1_000);
    expect(inner.delivered).toEqual([0, 1, 2, 3, 4]);
    expect(await sentByNextStart(config, 0)).toEqual([]); // nothing left

    // Still away: the attempt fails, ends the drainer (no new 60 s pause), and the records stay on disk.
    const { bus: third } = await spilledWhileDown(config, batch(10, 2));
    t = performance.now();
    await third.close(2_000);
    expect(performance.now() - t).toBeLessThan(1_000);
    expect((third as unknown as { draining?: Promise<void> }).draining).toBeUndefined();
    expect(await sentByNextStart(config, 2)).toEqual([10, 11]);
  });

  it('at close, no such attempt while the brokers refuse connections: a send kafkajs would retry for ≈ 20 s is not started', async () => {
    const config = spillConfig({ retry: { initialMs: 60_000, maxMs: 60_000 } });
    const { inner, bus } = await spilledWhileDown(config, batch(0, 4));
    inner.answers = false;
    inner.hangMs = 20_000; // a send to brokers that refuse connections: kafkajs retries it, then fails
    const t = performance.now();
    await bus.close(2_000);
    expect(performance.now() - t).toBeLessThan(500); // before: the whole deadline, and the send went on after it
    expect(inner.probes).toBe(1);
    expect(inner.delivered).toEqual([]);
    expect(await sentByNextStart(config, 4)).toEqual([0, 1, 2, 3]);
  });

  it('nor waits for a drainer caught mid-send while the brokers refuse connections (a send kafkajs retries ≈ 20 s)', async () => {
    const config = spillConfig({ retry: { initialMs: 5, maxMs: 20 } });
    const { inner, bus } = await spilledWhileDown(config, batch(0, 4));
    inner.answers = false;
    inner.hangMs = 20_000;
    await new Promise((r) => setTimeout(r, 100)); // the drainer's short pause is over: it is in a 20 s send
    const t = performance.now();
    await bus.close(2_000);
    expect(performance.now() - t).toBeLessThan(500); // found in review: the whole deadline (2,003 ms)
    expect(await sentByNextStart(config, 4)).toEqual([0, 1, 2, 3]);
  });

  it('a second close() returns with the first, once the spill is closed and its lock released', async () => {
    const inner = new SwitchableBus();
    const config = spillConfig();
    const bus = new SpillingBus(inner, config, silentLogger());
    await bus.start(['t']);
    inner.down = true;
    await bus.publish('t', batch(0, 3));
    await until(() => !bus.status().up && bus.status().spillBytes > 0, 'spilled');
    inner.down = false;
    inner.latencyMs = 500; // the drainer is mid-send when close runs
    await new Promise((r) => setTimeout(r, 30));
    const first = bus.close(2_000);
    await new Promise((r) => setTimeout(r, 10));
    await bus.close(2_000);
    expect(existsSync(join(config.dir, 'lock'))).toBe(false);
    await first;
    expect(inner.delivered).toEqual([0, 1, 2]);
  });

  it('starts with the broker away, spills, and sends everything once it appears', async () => {
    const inner = new SwitchableBus();
    inner.startFails = true;
    const bus = new SpillingBus(inner, spillConfig(), silentLogger());
    await bus.start([]);
    expect(bus.status().up).toBe(false);
    await bus.publish('t', batch(0, 30));
    inner.startFails = false;
    await until(() => inner.delivered.length === 30, 'sent after start succeeded');
    expect(inner.delivered).toEqual(range(30));
    await bus.close();
  });

  it('reports full at maxBytes yet keeps what is published after (nothing read is lost), refuses only past twice the limit, and takes data again after draining', async () => {
    const inner = new SwitchableBus();
    inner.down = true;
    const bus = new SpillingBus(inner, spillConfig({ maxBytes: 4096 }), silentLogger());
    await bus.start([]);
    await bus.publish('t', batch(0, 10)); // in memory, fails, moves to disk
    await until(() => !bus.status().up, 'down');
    let accepted = 10;
    let refused: unknown;
    let fullAt: number | undefined;
    for (let i = 1; i < 1000 && !refused; i++) {
      if (bus.full) fullAt ??= bus.status().spillBytes;
      await bus.publish('t', batch(i * 10, 10)).then(() => (accepted += 10), (err: unknown) => (refused = err));
    }
    expect(fullAt).toBeGreaterThanOrEqual(4096);
    expect(fullAt).toBeLessThan(4096 + 400); // one record past the limit at most
    expect(refused).toBeInstanceOf(SpillFullError);
    expect(bus.status().spillBytes).toBeGreaterThan(4096);
    expect(bus.status().spillBytes).toBeLessThanOrEqual(8192);
    inner.down = false;
    await until(() => inner.delivered.length === accepted, 'drained', 10_000);
    expect(inner.delivered).toEqual(range(accepted));
    expect(bus.full).toBe(false);
    await bus.close();
  });

  it('a restart on the same directory sends what an earlier process left unsent, before anything new', async () => {
    const cfg = spillConfig();
    const inner = new SwitchableBus();
    inner.down = true;
    const first = new SpillingBus(inner, cfg, silentLogger());
    await first.start([]);
    await first.publish('t', batch(0, 20));
    await first.publish('t', batch(20, 20));
    await first.close(50);
    expect(inner.delivered).toEqual([]);

    inner.down = false;
    const second = new SpillingBus(inner, cfg, silentLogger());
    await second.start([]);
    await second.publish('t', batch(40, 5));
    await until(() => inner.delivered.length === 45, 'sent');
    expect(inner.delivered).toEqual(range(45));
    await second.close();
  });
});
