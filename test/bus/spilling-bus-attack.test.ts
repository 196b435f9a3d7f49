import { existsSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from '../../src/bus/bus.js';
import { PublishQueue } from '../../src/bus/publish-queue.js';
import { SpillConfig } from '../../src/bus/spill-log.js';
import { SpillingBus } from '../../src/bus/spilling-bus.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../support/recording.js';
import { until } from '../support/until.js';

/** A broker that accepts the connection and then never answers (black hole), or answers normally. */
class BlackHoleBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly delivered: number[] = [];
  blackHole = false;
  down = false;
  private readonly queue = new PublishQueue();
  async start(): Promise<void> {}
  publish(_topic: string, messages: BusMessage[]): Promise<void> {
    return this.queue.add(async () => {
      await new Promise((r) => setTimeout(r, 1));
      // kafkajs against a broker that never answers: requestTimeout (30 s) times retries; here "never".
      if (this.blackHole) await new Promise(() => {});
      if (this.down) throw new Error('broker unavailable');
      for (const m of messages) this.delivered.push(m.value as number);
    });
  }
  subscribe(_o: SubscribeOptions, _h: (b: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const config = (dir: string, sendTimeoutMs = 1_000) => ({ ...SpillConfig.parse({ dir, fsync: 'never', retry: { initialMs: 5, maxMs: 20 } }), maxInMemory: 50, sendTimeoutMs });
const batch = (from: number, n: number): BusMessage[] => Array.from({ length: n }, (_, i) => ({ key: 'k', value: from + i }));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SpillingBus under attack', () => {
  it('close() keeps its deadline against a broker that never answers, and what was in flight is on disk for the next start', async () => {
    const dir = tempDir();
    const inner = new BlackHoleBus();
    const bus = new SpillingBus(inner, config(dir, 60_000), silentLogger());
    await bus.start([]);
    inner.blackHole = true;
    await bus.publish('t', batch(0, 10)); // goes direct, never acknowledged
    expect(bus.status().memoryEvents).toBe(10);
    const started = Date.now();
    // Before the fix close() awaited the in-flight send without a deadline: it never resolved, and the
    // CLI's 30 s hard exit then lost those 10 events (the watchdog that would have spilled them was cleared).
    const closed = await Promise.race([bus.close(200).then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 3_000))]);
    expect(closed).toBe('closed');
    expect(Date.now() - started).toBeLessThan(2_000);
    const next = new BlackHoleBus();
    const second = new SpillingBus(next, config(dir), silentLogger());
    await second.start([]);
    await until(() => next.delivered.length === 10, 'in-flight events sent by the next process');
    expect(next.delivered).toEqual(range(10));
    await second.close();
  });

  it('close() keeps its deadline while the drainer is stuck on a broker that never answers; the spill stays intact', async () => {
    const dir = tempDir();
    const inner = new BlackHoleBus();
    const bus = new SpillingBus(inner, config(dir, 60_000), silentLogger());
    inner.down = true;
    await bus.start([]);
    await bus.publish('t', batch(0, 10));
    await until(() => !bus.status().up && bus.status().spillBytes > 0, 'spilling');
    inner.blackHole = true; // the broker "comes back" as a black hole: the drainer's send hangs
    inner.down = false;
    await new Promise((r) => setTimeout(r, 100));
    const closed = await Promise.race([bus.close(200).then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 3_000))]);
    expect(closed).toBe('closed');
    const next = new BlackHoleBus();
    const second = new SpillingBus(next, config(dir), silentLogger());
    await second.start([]);
    await until(() => next.delivered.length === 10, 'spilled events sent by the next process');
    expect(next.delivered).toEqual(range(10));
    await second.close();
  });

  it('the send watchdog survives the wall clock stepping back: an unanswered send still moves to disk after sendTimeoutMs', async () => {
    const inner = new BlackHoleBus();
    const bus = new SpillingBus(inner, config(tempDir(), 300), silentLogger());
    await bus.start([]);
    inner.blackHole = true;
    await bus.publish('t', batch(0, 10));
    // NTP steps the clock back an hour right after the send: Date.now() - sentAt is negative for an hour.
    const real = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => real() - 3_600_000);
    await until(() => bus.status().memoryEvents === 0 && !bus.status().up, 'in-flight send timed out', 3_000);
    expect(bus.status().spillBytes).toBeGreaterThan(0);
    vi.restoreAllMocks();
    await bus.close(50);
  });

  it('a spill I/O failure (directory removed while running) neither crashes the process nor throws at the caller: the publish is rejected', async () => {
    const dir = tempDir();
    const inner = new BlackHoleBus();
    const bus = new SpillingBus(inner, config(dir), silentLogger());
    await bus.start([]);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      rmSync(dir, { recursive: true, force: true });
      inner.down = true;
      // Sent direct, refused: moving it to the spill fails with ENOENT inside the send's rejection
      // handler. Before the fix that was an unhandled rejection, which ends a Node 20 process.
      await bus.publish('t', batch(0, 1));
      await until(() => bus.status().memoryEvents === 0, 'send failed');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      let result: Promise<void> | undefined;
      // More than maxInMemory (50) events go to the spill. Before the fix the ENOENT from opening a
      // segment was thrown synchronously out of publish(), and from there out of Ingestor.handleFrame
      // into the venue socket's message handler.
      expect(() => {
        result = bus.publish('t', batch(1, 51));
      }).not.toThrow();
      await expect(result).rejects.toThrow(/ENOENT/);
      expect(existsSync(dir)).toBe(false);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    await bus.close(50);
  });
});

describe('SpillingBus: spill directory removed while spilling', () => {
  // Found in review: the open tail segment became an unlinked inode that silently took appends, and the
  // drainer retried the missing files for ever. Now an append notices the unlinked tail and a read the
  // missing files: those records are counted as lost and logged, the directory is made again, and the
  // bus carries on.
  it('recovers once the broker is back: later publishes are delivered (what the deleted files held is counted as lost)', async () => {
    const dir = tempDir();
    const inner = new BlackHoleBus();
    const bus = new SpillingBus(inner, config(dir), silentLogger());
    await bus.start([]);
    inner.down = true;
    await bus.publish('t', batch(0, 5));
    await until(() => bus.status().spillBytes > 0, 'spilling');
    rmSync(dir, { recursive: true, force: true });
    await bus.publish('t', batch(5, 5)); // accepted: written to the deleted segment
    inner.down = false;
    await bus.publish('t', batch(10, 5));
    try {
      await until(() => inner.delivered.includes(14), 'later publishes delivered', 2_000);
    } finally {
      await bus.close(50);
    }
  });
});
