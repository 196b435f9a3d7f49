import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';

/**
 * A small disk under the spill: writes to segment files take what is left of `capacity` bytes and then
 * fail with ENOSPC (a write that does not fit is short, as write(2) is); deleting or truncating a segment
 * gives its bytes back. Only the spill's own writeSync/ftruncateSync/rmSync calls are affected.
 */
const disk = vi.hoisted(() => ({ capacity: Infinity }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buf: Buffer, ...rest: unknown[]) => {
    if (Buffer.isBuffer(buf) && rest.length === 0 && disk.capacity !== Infinity) {
      if (disk.capacity <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      const n = Math.min(buf.length, disk.capacity);
      disk.capacity -= n;
      return fs.writeSync(fd, buf, 0, n);
    }
    return (fs.writeSync as (...a: unknown[]) => number)(fd, buf, ...rest);
  }) as typeof fs.writeSync;
  const ftruncateSync = ((fd: number, len?: number) => {
    const before = fs.fstatSync(fd).size;
    fs.ftruncateSync(fd, len);
    if (disk.capacity !== Infinity) disk.capacity += before - (len ?? 0);
  }) as typeof fs.ftruncateSync;
  const rmSync = ((path: string, options?: import('node:fs').RmOptions) => {
    if (disk.capacity !== Infinity && String(path).endsWith('.spill') && fs.existsSync(path)) disk.capacity += fs.statSync(path).size;
    fs.rmSync(path, options);
  }) as typeof fs.rmSync;
  const patched = { writeSync, ftruncateSync, rmSync };
  return { ...fs, ...patched, default: { ...fs, ...patched } };
});

const { SpillConfig } = await import('../../src/bus/spill-log.js');
const { SpillingBus } = await import('../../src/bus/spilling-bus.js');
const { PublishQueue } = await import('../../src/bus/publish-queue.js');
const { defaultTopics } = await import('../../src/bus/topics.js');
const { createMetrics } = await import('../../src/metrics/metrics.js');
const { Ingestor } = await import('../../src/pipeline/ingest.js');
const { tempDir } = await import('../support/recording.js');
const { until } = await import('../support/until.js');
const { countingBus, metricSum, testLiquidation } = await import('../support/spill-ingest.js');
type Bus = import('../../src/bus/bus.js').Bus;
type BusMessage = import('../../src/bus/bus.js').BusMessage;
type GapEvent = import('../../src/schema/events.js').GapEvent;
type LiquidationEvent = import('../../src/schema/events.js').LiquidationEvent;

/** A broker stand-in with the Bus contract's ordering and failure rules, which the test takes down and back. */
class SwitchableBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly delivered: { topic: string; value: unknown }[] = [];
  down = false;
  startFails = false;
  latencyMs = 1;
  private readonly queue = new PublishQueue();
  async start(): Promise<void> {
    if (this.startFails) throw new Error('no broker');
  }
  publish(topic: string, messages: BusMessage[]): Promise<void> {
    return this.queue.add(async () => {
      await new Promise((r) => setTimeout(r, this.latencyMs));
      if (this.down) throw new Error('broker unavailable');
      for (const m of messages) this.delivered.push({ topic, value: m.value });
    });
  }
  subscribe(): never {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const VENUE = 'binance-usdm';
/** Frame `i` is received at 10_000 + i ms and yields one liquidation whose receive time is its own. */
const recvOf = (i: number) => 10_000 + i;

function setup() {
  const topics = defaultTopics();
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const inner = new SwitchableBus();
  const spilling = new SpillingBus(inner, { ...SpillConfig.parse({ dir: tempDir(), fsync: 'never', retry: { initialMs: 5, maxMs: 60_000 } }), maxInMemory: 50, sendTimeoutMs: 60_000 }, log);
  const { bus: counting, attempted } = countingBus(spilling, { startWaitMs: 100, closeDeadlineMs: 50 });
  const metrics = createMetrics();
  const ing = new Ingestor({
    bus: counting,
    topics,
    metrics,
    log,
    parserFor: () => (frame, recv) => ({ ok: true, events: [testLiquidation(frame, recv, recv)] }),
    publishRaw: false,
    batchSize: 10,
    lingerMs: 1_000,
    maxBuffered: 100_000,
    spill: spilling,
  });
  const value = (name: string, labels: Record<string, string> = {}) => metricSum(metrics, name, labels);
  const frames = async (from: number, to: number) => {
    for (let i = from; i < to; i++) await ing.handleFrame({ venue: VENUE, recv: recvOf(i), frame: String(i) });
    await ing.flush().catch(() => {});
  };
  /** A spill record of `n` of the frames' liquidation messages, as many bytes as it takes on disk. */
  const recordBytes = (from: number, to: number) => 16 + Buffer.byteLength(JSON.stringify({ t: Date.now(), topic: topics.liquidations, messages: attempted.slice(from, to) }));
  /** Once the spill has drained and the disk takes data again: what reached the broker, judged frame by frame. */
  const outcome = async (frameCount: number) => {
    await until(() => spilling.status().spillBytes === 0 && spilling.status().memoryEvents === 0, 'everything sent');
    await counting.close();
    const delivered = new Set(inner.delivered.filter((d) => d.topic === topics.liquidations).map((d) => (d.value as LiquidationEvent).receiveTime));
    const gaps = inner.delivered.filter((d) => d.topic === topics.gaps).map((d) => d.value as GapEvent);
    const inGap = (recv: number) => gaps.some((g) => g.from <= recv && recv < g.to);
    const missing = Array.from({ length: frameCount }, (_, i) => recvOf(i)).filter((r) => !delivered.has(r));
    return {
      gaps,
      missing,
      missingOutsideGaps: missing.filter((r) => !inGap(r)),
      deliveredInsideGaps: [...delivered].filter(inGap),
      trulyLost: attempted.length - inner.delivered.length,
    };
  };
  return { lines, inner, spilling, ing, value, frames, counting, recordBytes, outcome };
}

const frameRange = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => recvOf(from + i));

describe('SpillingBus + Ingestor: the disk refuses writes during a broker outage', () => {
  it('a refused append (ENOSPC): one gap from the first frame of the refused batch to the first frame taken again; exact counts', async () => {
    const { inner, spilling, ing, value, frames, counting, recordBytes, outcome } = setup();
    inner.startFails = true;
    inner.down = true;
    await counting.start([]);
    await frames(0, 10); // one record on disk
    // Room for exactly two more records (frames 10–29: their two-digit ids make each 10 bytes longer).
    disk.capacity = 2 * (spilling.status().spillBytes + 10);
    // frames 0–29 go to disk (3 records), 30–39 are refused (ENOSPC), 40–99 dropped while the disk is full.
    await frames(10, 100);
    expect(spilling.full).toBe(true);
    expect(ing.stats.dropped).toBe(60);
    disk.capacity = 0; // still full while the broker comes back; the drained spill gives its space back
    inner.startFails = false;
    inner.down = false;
    await until(() => spilling.status().spillBytes === 0, 'spill drained');
    disk.capacity = Infinity;
    await frames(100, 150);
    const o = await outcome(150);
    expect(o.missing).toEqual(frameRange(30, 100));
    expect(o.missingOutsideGaps).toEqual([]);
    expect(o.deliveredInsideGaps).toEqual([]);
    // Before: no gap at all (the refused publish was counted, the drop was not recorded as the disk was not "full").
    expect(o.gaps).toEqual([{ type: 'gap', venue: VENUE, from: recvOf(30), to: recvOf(100), reason: 'spill write failed (ENOSPC): frames lost' }]);
    expect(await value('liqstream_unpublished_messages_total')).toBe(o.trulyLost);
    expect(await value('liqstream_unpublished_messages_total', { reason: 'spill_write' })).toBe(10);
    expect(await value('liqstream_frames_dropped_total', { venue: VENUE })).toBe(60);
  });

  it('in-flight records the disk refuses: the ones written are kept and sent, exactly the rest is counted and covered by a gap, and the log says which', async () => {
    const { lines, inner, spilling, ing, value, frames, counting, recordBytes, outcome } = setup();
    await counting.start([]);
    await frames(0, 100); // broker up: sent direct
    await until(() => inner.delivered.length === 100, 'first 100 delivered');
    // The broker vanishes with 40 events in flight (4 records of 10); the disk has room for 2½ of them.
    inner.down = true;
    inner.latencyMs = 50;
    await frames(100, 140);
    disk.capacity = 2 * recordBytes(100, 110) + Math.floor(recordBytes(100, 110) / 2);
    await until(() => !spilling.status().up && spilling.status().memoryEvents === 0, 'in-flight records moved or lost');
    // The disk refused the third record (short write): from then on frames are dropped, not taken.
    await frames(140, 240);
    expect(spilling.full).toBe(true);
    expect(ing.stats.dropped).toBe(100);
    inner.latencyMs = 1;
    inner.down = false;
    await until(() => spilling.status().spillBytes === 0, 'spill drained');
    disk.capacity = Infinity;
    await frames(240, 300); // taken again: the gaps are published at frame 240
    const o = await outcome(300);
    // 120–139: the in-flight records the disk refused; 140–239: dropped while it was full.
    expect(o.missing).toEqual(frameRange(120, 240));
    expect(o.missingOutsideGaps).toEqual([]);
    expect(o.deliveredInsideGaps).toEqual([]);
    expect(o.gaps).toEqual([
      { type: 'gap', venue: VENUE, from: recvOf(120), to: recvOf(140), reason: 'spill write failed (short): messages lost' },
      { type: 'gap', venue: VENUE, from: recvOf(140), to: recvOf(240), reason: 'spill write failed (short): frames dropped' },
    ]);
    // Before: the 20 lost in-flight messages were in no counter, and the log called all 40 lost.
    expect(await value('liqstream_unpublished_messages_total')).toBe(o.trulyLost);
    expect(await value('liqstream_unpublished_messages_total', { reason: 'spill_write' })).toBe(20);
    expect(await value('liqstream_frames_dropped_total', { venue: VENUE })).toBe(100);
    const line = lines.find((l) => l.msg === 'spill: could not write the records in flight to disk; they are lost');
    expect(line).toMatchObject({ lostRecords: 2, lostMessages: 20, keptRecords: 2, keptMessages: 20 });
  });
});
