import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { StoreSink as SinkInThisThread } from '../../src/sinks/store/store-sink.js';
import { liquidation, openInterest } from '../support/events.js';
import { writeTestConfig } from '../support/config-file.js';
import { startServiceProcess } from '../support/service-process.js';
import { storeRows } from '../support/store-rows.js';

/*
 * The history store's writer in its own thread (src/sinks/store/store-thread.ts), as `run`, `aggregate`,
 * `replay --store` and `store import` open it. The worker file is compiled JavaScript, so this file
 * drives the built sink (dist/, built for this project by test/setup/build.ts); the other store tests
 * run the same writer in their own thread.
 */
const DIST_SINK = new URL('../../dist/src/sinks/store/store-sink.js', import.meta.url).href;
const { StoreSink } = (await import(DIST_SINK)) as typeof import('../../src/sinks/store/store-sink.js');

const root = mkdtempSync(join(tmpdir(), 'liqstream-store-thread-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const silent = pino({ level: 'silent' });
let n = 0;
const config = (over: Partial<StoreConfig> = {}) => StoreConfig.parse({ dir: join(root, `s${n++}`), flushMs: 60_000, ...over });
const T0 = Date.UTC(2025, 9, 10, 21, 0);

const rows = storeRows;

/** Odd strings, nulls, many chunks (each bringing dictionary strings of its own), every table kind the replay writes. */
function feed(sink: SinkInThisThread): void {
  sink.onEvents([
    liquidation('q1', T0, 123_456_789_012.3456, { symbol: "O'BRIEN-PERP", base: "O'B", source: "src';DROP TABLE x;--" }),
    liquidation('q2\u0000\n"', T0 + 1, 0.0001, { symbol: 'Ünïcødé/€', side: 'short' }),
    liquidation('q3', 8_640_000_000_000 - 1, 1.23455, { symbol: '' }),
  ]);
  // 9,000 rows: five chunks, a new symbol every 100 rows (so each chunk carries fresh dictionary strings).
  sink.onEvents(Array.from({ length: 9_000 }, (_, i) => liquidation(`m${i}`, T0 + 10 + i, 1 + i / 10_000, { symbol: `S${Math.floor(i / 100)}USDT`, side: i % 3 ? 'long' : 'short' })));
  sink.onEvents([openInterest('BTCUSDT', T0, 123.456, { source: 'test' })]);
  sink.onMinuteClosed({ minute: T0, count: 1, byVenue: { 'bybit-linear': { long: 10_000, short: 0, count: 1, fidelity: 'complete' } } } as never, undefined);
}

const dump = (dir: string) =>
  Promise.all([
    rows(dir, `SELECT id, kind, fidelity, symbol, base, side, price, qty, CAST(usd AS VARCHAR) AS usd, epoch_ms(event_time) AS t, epoch_ms(receive_time) AS r, source, notional_usd, venue FROM liquidations ORDER BY id`),
    rows(dir, `SELECT * FROM open_interest`),
    rows(dir, `SELECT epoch_ms(minute) AS m, CAST(long_usd AS VARCHAR) AS l, count, fidelity, oi_usd, venue FROM minutes ORDER BY venue`),
  ]);

describe('the store writer in its own thread', () => {
  it('stores exactly what the writer in the caller’s thread stores, and says so in its stats', async () => {
    const inThread = config();
    const there = await SinkInThisThread.open(inThread, silent);
    feed(there);
    await there.close();
    const threaded = config();
    const sink = await StoreSink.open(threaded, silent, { thread: true });
    feed(sink);
    await sink.close();
    expect(sink.stats).toMatchObject({ commits: 1, failedCommits: 0, written: { liquidations: 9_003, open_interest: 1, minutes: 2 }, received: { liquidations: 9_003 }, durable: { liquidations: 9_003 } });
    const [liquidations, oi, minutes] = await dump(threaded.dir);
    expect(liquidations).toHaveLength(9_003);
    expect(liquidations.find((r) => r.id === 'q2\u0000\n"')).toMatchObject({ symbol: 'Ünïcødé/€', side: 'short', usd: '0.0001' });
    expect(minutes).toContainEqual(expect.objectContaining({ venue: 'bybit-linear', oi_usd: null }));
    expect([liquidations, oi, minutes]).toEqual(await dump(inThread.dir));
  });

  it('a commit that fails there rejects here with its message, is counted, and its rows are committed by the next one, each once', async () => {
    const c = config();
    const lines: { msg: string }[] = [];
    const sink = await StoreSink.open(c, pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) }), { thread: true });
    // A file where the writer stages its Parquet files: the commit cannot write them.
    rmSync(join(c.dir, '_staging'), { recursive: true, force: true });
    writeFileSync(join(c.dir, '_staging'), 'in the way');
    sink.onEvents([liquidation('a', T0, 10), liquidation('b', T0 + 1, 20)]);
    await expect(sink.flush()).rejects.toThrow(/_staging/);
    expect(sink.stats).toMatchObject({ commits: 0, failedCommits: 1, durable: { liquidations: 0 }, lastError: expect.stringMatching(/_staging/) });
    // The thread's log lines reach this logger.
    expect(lines).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/commit failed/) }));
    rmSync(join(c.dir, '_staging'));
    mkdirSync(join(c.dir, '_staging'));
    sink.onEvents([liquidation('c', T0 + 2, 30)]);
    await sink.close();
    expect(sink.stats).toMatchObject({ commits: 1, failedCommits: 1, written: { liquidations: 3 }, durable: { liquidations: 3 } });
    expect(await rows(c.dir, `SELECT count(*) AS n, count(DISTINCT id) AS d, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations`)).toEqual([{ n: '3', d: '3', usd: '60.0000' }]);
  });

  it('a store another process writes is refused at open with the writer’s reason', async () => {
    const c = config();
    const first = await StoreSink.open(c, silent, { thread: true });
    await expect(StoreSink.open(c, silent, { thread: true })).rejects.toThrow(/being written by process/);
    await first.close();
    await (await StoreSink.open(c, silent, { thread: true })).close();
  });

  it('a thread that dies: the waiting commit and every later one are refused, logged once; close ends (it does not hang)', async () => {
    const c = config();
    const lines: { msg: string }[] = [];
    const sink = await StoreSink.open(c, pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) }), { thread: true });
    sink.onEvents([liquidation('a', T0, 10)]);
    const waiting = sink.flush();
    await (sink as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer.worker.terminate();
    await expect(waiting).rejects.toThrow(/writer thread exited/);
    sink.onEvents([liquidation('b', T0, 10)]);
    await expect(sink.flush()).rejects.toThrow(/writer thread exited/);
    await expect(sink.close()).rejects.toThrow(/writer thread exited/);
    expect(lines.filter((l) => /writer thread stopped/.test(l.msg))).toHaveLength(1);
    expect(sink.stats.durable.liquidations).toBe(0);
  });

  /** A writer thread that sleeps `ms` before each message (test/support/slow-store-worker.mjs): starved, as at writerNice 10 on a saturated host. */
  const slowWriter = async (c: StoreConfig, ms: number, options: { live?: boolean } = {}) => {
    process.env.SLOW_STORE_WORKER_MS = String(ms); // read by the thread as it starts
    try {
      return await StoreSink.open(c, silent, { thread: true, threadEntry: new URL('../support/slow-store-worker.mjs', import.meta.url), ...options });
    } finally {
      delete process.env.SLOW_STORE_WORKER_MS;
    }
  };
  const CHUNK = 16_384;
  const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => liquidation(`bp${from + i}`, T0 + from + i, 1 + ((from + i) % 7)));
  const totals = (dir: string) => rows(dir, 'SELECT count(*) AS n, count(DISTINCT id) AS d, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations');
  const usdOf = (n: number) => `${Array.from({ length: n }, (_, i) => 1 + (i % 7)).reduce((a, b) => a + b, 0)}.0000`;

  it('backpressure: a replay feeding a starved writer waits once maxQueuedChunks are queued (never more than a batch beyond); every row stored once', async () => {
    const n = 6 * CHUNK;
    const batch = CHUNK / 4;
    const replay = async (c: StoreConfig, wait: boolean) => {
      const sink = await slowWriter(c, 150);
      let most = 0;
      let waits = 0;
      for (let i = 0; i < n; i += batch) {
        sink.onEvents(many(i, batch));
        most = Math.max(most, sink.stats.queued);
        const behind = wait ? sink.backpressure() : undefined;
        if (behind) {
          waits += 1;
          await behind;
          expect(sink.stats.queued).toBeLessThanOrEqual(2);
        }
      }
      await sink.close();
      return { most, waits, sink };
    };
    // Control: without waiting, every chunk waits in the thread's port (the queue grows with the replay).
    const control = config({ maxQueuedChunks: 2 });
    expect((await replay(control, false)).most).toBe(6);
    const c = config({ maxQueuedChunks: 2 });
    const { most, waits, sink } = await replay(c, true);
    expect(most).toBe(3);
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(sink.stats.backpressure.seconds).toBeGreaterThan(0);
    expect(sink.stats.backpressure.timeouts).toBe(0); // a replay waits as long as the writer takes
    expect(sink.stats).toMatchObject({ queued: 0, written: { liquidations: n }, durable: { liquidations: n } });
    expect(await totals(c.dir)).toEqual([{ n: String(n), d: String(n), usd: usdOf(n) }]);
    expect(await totals(control.dir)).toEqual(await totals(c.dir));
  });

  it('backpressure, live: a wait ends after maxWaitMs and is counted; no further wait until the writer has caught up; every row stored once', async () => {
    const c = config({ maxQueuedChunks: 1, maxWaitMs: 50 });
    // 400 ms a message: each 50 ms wait ends long before the writer takes the next chunk, even on a loaded host.
    const sink = await slowWriter(c, 400, { live: true });
    sink.onEvents(many(0, 3 * CHUNK));
    expect(sink.stats.queued).toBe(3);
    const first = sink.backpressure();
    expect(first).toBeInstanceOf(Promise);
    await first;
    expect(sink.stats.backpressure.timeouts).toBe(1);
    // Behind, and it waited once: the pipeline goes on without waiting, the queue growing meanwhile.
    sink.onEvents(many(3 * CHUNK, CHUNK));
    expect(sink.stats.queued).toBeGreaterThan(1);
    expect(sink.backpressure()).toBeUndefined();
    // Caught up: the next time it is behind, the pipeline waits again.
    const deadline = Date.now() + 60_000;
    while (sink.stats.queued > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sink.backpressure()).toBeUndefined();
    sink.onEvents(many(4 * CHUNK, 2 * CHUNK));
    const again = sink.backpressure();
    expect(again).toBeInstanceOf(Promise);
    await again;
    expect(sink.stats.backpressure.timeouts).toBe(2);
    // Each wait lasted its maxWaitMs (a timer may fire up to a millisecond early): a wait that ended at once, counted
    // as run out (maxWaitMs taken as seconds, say), passed the counts above.
    expect(sink.stats.backpressure.seconds).toBeGreaterThanOrEqual(2 * 0.049);
    await sink.close();
    const n = 6 * CHUNK;
    expect(sink.stats).toMatchObject({ queued: 0, written: { liquidations: n } });
    expect(await totals(c.dir)).toEqual([{ n: String(n), d: String(n), usd: usdOf(n) }]);
  });

  it('a wait for the writer keeps the process alive (a replay waiting here may have nothing else pending)', () => {
    const dir = config().dir;
    const script = `
      const { StoreSink } = await import(${JSON.stringify(DIST_SINK)});
      const { StoreConfig } = await import(${JSON.stringify(new URL('../../dist/src/sinks/store/config.js', import.meta.url).href)});
      const sink = await StoreSink.open(StoreConfig.parse({ dir: ${JSON.stringify(dir)}, flushMs: 60000, maxQueuedChunks: 1 }), { info() {}, warn() {}, error() {} }, { thread: true, threadEntry: new URL(${JSON.stringify(new URL('../support/slow-store-worker.mjs', import.meta.url).href)}) });
      const one = ${JSON.stringify(liquidation('x', T0, 5))};
      sink.onEvents(Array.from({ length: 3 * 16384 }, (_, i) => ({ ...one, id: 'w' + i })));
      // Nothing else is pending: only the wait keeps the process running until the writer has taken the chunks.
      sink.backpressure().then(() => sink.close()).then(() => console.log('stored', sink.stats.written.liquidations));
    `;
    const file = join(root, 'waiting.mjs');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SLOW_STORE_WORKER_MS: '300' } });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('stored 49152');
    expect(run.status).toBe(0);
  });

  it('a thread that dies ends the waits for it (the next commit says why)', async () => {
    const c = config({ maxQueuedChunks: 1 });
    const sink = await slowWriter(c, 1_000);
    sink.onEvents(many(0, 3 * CHUNK));
    const waiting = sink.backpressure();
    expect(waiting).toBeInstanceOf(Promise);
    await (sink as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer.worker.terminate();
    await waiting;
    await expect(sink.close()).rejects.toThrow(/writer thread exited/);
  });

  it('an idle thread does not keep the process alive, and a commit asked for does', () => {
    const dir = config().dir;
    const script = `
      const { StoreSink } = await import(${JSON.stringify(DIST_SINK)});
      const { StoreConfig } = await import(${JSON.stringify(new URL('../../dist/src/sinks/store/config.js', import.meta.url).href)});
      const sink = await StoreSink.open(StoreConfig.parse({ dir: ${JSON.stringify(dir)}, flushMs: 60000 }), { info() {}, warn() {}, error() {} }, { thread: true });
      sink.onEvent(${JSON.stringify(liquidation('x', T0, 5))});
      // Nothing awaits this: only the request keeps the process running until the commit is done.
      sink.flush().then(() => console.log('committed', sink.stats.written.liquidations));
    `;
    const file = join(root, 'alive.mjs');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('committed 1');
    expect(run.status).toBe(0);
    writeFileSync(file, script.replace(/sink\.flush\(\)[^\n]*/, "console.log('idle')"));
    const idle = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
    expect(idle.stdout.trim()).toBe('idle');
    expect(idle.status).toBe(0);
  });

  // Linux keeps a nice value per thread (/proc/self/task/<tid>/stat, field 19).
  const nices = () =>
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  it.runIf(process.platform === 'linux')('the writer’s thread runs at store.writerNice, and only it: the pipeline’s threads keep theirs', async () => {
    const before = nices();
    expect(before.every((v) => v === before[0] && v < 7)).toBe(true);
    const sink = await StoreSink.open(config({ writerNice: 7 }), silent, { thread: true });
    feed(sink);
    await sink.flush();
    const during = nices();
    expect(during.filter((v) => v === 7)).toHaveLength(1);
    expect(during.filter((v) => v !== before[0])).toHaveLength(1);
    await sink.close();
    const plain = await StoreSink.open(config({ writerNice: 0 }), silent, { thread: true });
    expect(nices().every((v) => v === before[0])).toBe(true);
    await plain.close();
  });

  // A process already niced (`nice -n 15 liqstream run`, systemd's Nice=15): the writer must still run below the
  // pipeline, never above it (an absolute nice of 10 would raise it, as root; as another user it fails).
  it.runIf(process.platform === 'linux')('under a niced process the writer runs writerNice lower than the pipeline (at most 19), never higher', () => {
    const script = (writerNice: number) => `
      import { readdirSync, readFileSync } from 'node:fs';
      const { StoreSink } = await import(${JSON.stringify(DIST_SINK)});
      const { StoreConfig } = await import(${JSON.stringify(new URL('../../dist/src/sinks/store/config.js', import.meta.url).href)});
      const nices = () => readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
      const warned = [];
      const log = { info() {}, warn: (o, m) => warned.push(m), error() {} };
      const sink = await StoreSink.open(StoreConfig.parse({ dir: ${JSON.stringify(config().dir)}, flushMs: 60000, writerNice: ${writerNice} }), log, { thread: true });
      sink.onEvent(${JSON.stringify(liquidation('x', T0, 5))});
      await sink.flush();
      const during = nices();
      await sink.close();
      console.log(JSON.stringify({ during, warned }));
    `;
    const run = (writerNice: number) => {
      const file = join(root, `niced-${writerNice}.mjs`);
      writeFileSync(file, script(writerNice));
      const r = spawnSync('nice', ['-n', '15', process.execPath, file], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as { during: number[]; warned: string[] };
    };
    const base = Math.min(19, nices()[0]! + 15);
    const lowered = run(10);
    expect(lowered.warned).toEqual([]);
    expect(lowered.during.filter((v) => v !== base)).toEqual([Math.min(19, base + 10)]);
    const same = run(0);
    expect(same.warned).toEqual([]);
    expect(same.during.every((v) => v === base)).toBe(true);
  });

  it('`run` with a store exports its counts on /metrics from the start, every table and outcome at 0', async () => {
    const dir = config().dir;
    const service = await startServiceProcess(['run', '--config', writeTestConfig({})], { LIQSTREAM_STORE__ENABLED: 'true', LIQSTREAM_STORE__DIR: dir });
    try {
      const text = await (await fetch(`${service.metricsUrl}/metrics`)).text();
      const value = (series: string) => text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1];
      for (const t of ['liquidations', 'open_interest', 'gaps', 'minutes', 'cascades', 'onchain', 'retractions'])
        for (const name of ['received', 'durable', 'written', 'refused']) expect(value(`liqstream_store_rows_${name}_total{table="${t}"}`), `${name} ${t}`).toBe('0');
      expect([value('liqstream_store_commits_total{outcome="ok"}'), value('liqstream_store_commits_total{outcome="failed"}')]).toEqual(['0', '0']);
      expect(['liqstream_store_queued_chunks', 'liqstream_store_backpressure_seconds_total', 'liqstream_store_backpressure_timeouts_total'].map(value)).toEqual(['0', '0', '0']);
    } finally {
      await service.stop();
    }
  });
  it('DuckDB spills into the store’s _spill folder, not the working folder; what a killed writer left there goes at the next open', () => {
    const dir = config().dir;
    const cwd = mkdtempSync(join(root, 'cwd-'));
    mkdirSync(join(dir, '_spill'), { recursive: true });
    writeFileSync(join(dir, '_spill', 'left-by-a-killed-writer.tmp'), 'x');
    const script = `
      import { existsSync, readdirSync } from 'node:fs';
      const { StoreSink } = await import(${JSON.stringify(DIST_SINK)});
      const { StoreConfig } = await import(${JSON.stringify(new URL('../../dist/src/sinks/store/config.js', import.meta.url).href)});
      const spill = ${JSON.stringify(join(dir, '_spill'))};
      const sink = await StoreSink.open(StoreConfig.parse({ dir: ${JSON.stringify(dir)}, flushMs: 600000, flushRows: 10000000, memoryLimit: '64MB' }), { info() {}, warn() {}, error() {} }, { thread: true });
      const leftover = existsSync(spill + '/left-by-a-killed-writer.tmp');
      const e = ${JSON.stringify(liquidation('x', T0, 5))};
      for (let i = 0; i < 400000; i++) sink.onEvent({ ...e, id: 'hyperliquid:' + (912790032823 + i) + ':0x' + (i * 7919).toString(16).padStart(40, 'a'), eventTime: e.eventTime + i });
      let spilled = 0;
      const watch = setInterval(() => { try { spilled = Math.max(spilled, readdirSync(spill).length); } catch {} }, 5);
      await sink.flush();
      clearInterval(watch);
      await sink.close();
      console.log(JSON.stringify({ leftover, spilled: spilled > 0, here: readdirSync('.'), written: sink.stats.written.liquidations }));
    `;
    const file = join(cwd, 'spill.mjs');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ leftover: false, spilled: true, here: ['spill.mjs'], written: 400_000 });
  });
});
