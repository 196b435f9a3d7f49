/**
 * The live history store at a steady rate (issue 19: 2,000 events/s, p99 lag under 1 s). Events are
 * handed to the store sink as the aggregator hands them, on a 10 ms tick, for BENCH_STORE_LIVE_SECONDS
 * (default 60); the lag of an event is from its hand-over to the end of the commit that made it durable
 * and queryable (the sink's onCommitted). At the end a reader counts the rows. The sink runs in this
 * process with the default store settings but flushMs (BENCH_STORE_FLUSH_MS, default the config's).
 * Not a test: it prints what this machine does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/log.js';
import type { NormalizedEvent } from '../src/schema/events.js';
import { StoreConfig } from '../src/sinks/store/config.js';
import { Dataset } from '../src/sinks/store/dataset.js';
import { StoreReader } from '../src/sinks/store/reader.js';
import { StoreSink } from '../src/sinks/store/store-sink.js';
import { prng } from '../src/simulate/prng.js';
import { quietDay } from './store-days.js';
import { fmt } from './stats.js';
import { NO_FIGURES, type Recorder } from './targets.js';

const LAG_TARGET_MS = 1_000;

export async function benchStoreLive(out: (line: string) => void, figures: Recorder = NO_FIGURES): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const rate = Number(process.env.BENCH_STORE_LIVE_RATE ?? 2_000);
  const seconds = Number(process.env.BENCH_STORE_LIVE_SECONDS ?? (quick ? 10 : 60));
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-live-store-'));
  const config = StoreConfig.parse({
    dir,
    ...(process.env.BENCH_STORE_FLUSH_MS ? { flushMs: Number(process.env.BENCH_STORE_FLUSH_MS) } : {}),
    ...(process.env.BENCH_STORE_THREADS ? { threads: Number(process.env.BENCH_STORE_THREADS) } : {}),
  });
  const ds = new Dataset(dir);
  const total = rate * seconds;
  const accepted = new Float64Array(total);
  const lags: number[] = [];
  let durable = 0;
  // The writer in its own thread, as `run` and `aggregate` open it.
  const sink = await StoreSink.open(config, silentLogger(), {
    thread: true,
    onCommitted: (d) => {
      const now = performance.now();
      for (; durable < d.liquidations; durable++) lags.push(now - accepted[durable]!);
    },
  });
  try {
    // Liquidations only (a quiet day's, re-timed to now): the lag is measured on them.
    const r = prng(7);
    const source = (function* () {
      for (;;) for (const batch of quietDay(0, 1_440_000, r)) for (const e of batch) if (e.type === 'liquidation') yield e;
    })();
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    let sent = 0;
    await new Promise<void>((done) => {
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
        const batch: NormalizedEvent[] = [];
        const now = Date.now();
        for (; sent < due; sent++) {
          const e = source.next().value!;
          batch.push({ ...e, eventTime: now, receiveTime: now });
        }
        const t = performance.now();
        for (let i = sent - batch.length; i < sent; i++) accepted[i] = t;
        sink.onEvents(batch);
        if (sent === total) {
          clearInterval(tick);
          done();
        }
      }, 10);
    });
    const sendSeconds = (performance.now() - start) / 1000;
    await sink.flush();
    const cpu = process.cpuUsage(cpu0);
    const reader = await StoreReader.open(dir);
    const stored = Number((await reader.query('SELECT count(*) AS n FROM liquidations')).rows[0]!.n);
    reader.close();
    lags.sort((a, b) => a - b);
    const q = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))]!;
    out(`live history store: ${fmt(total)} liquidations at ${fmt(rate)}/s for ${fmt(sendSeconds, 1)} s, flushMs ${fmt(config.flushMs)}, ${sink.stats.commits} commits; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
    out(`| events/s | lag p50 | p99 | max | process CPU (of the wall time) | rows stored | target: p99 < ${fmt(LAG_TARGET_MS)} ms |`);
    out('|--:|--:|--:|--:|--:|--:|---|');
    out(`| ${fmt(rate)} | ${fmt(q(0.5))} ms | ${fmt(q(0.99))} ms | ${fmt(lags.at(-1)!)} ms | ${fmt(((cpu.user + cpu.system) / 1e6 / sendSeconds) * 100)}% | ${fmt(stored)} of ${fmt(total)} | ${q(0.99) < LAG_TARGET_MS && stored === total ? 'met' : 'MISSED'} |`);
    figures.record('store-live:p99', {
      value: q(0.99),
      note: `p50 ${fmt(q(0.5))} ms, max ${fmt(lags.at(-1)!)} ms; ${fmt(rate)}/s for ${fmt(sendSeconds, 1)} s${rate === 2_000 ? '' : ', not 2,000/s'}`,
      ...(stored === total ? {} : { broken: `${fmt(stored)} of ${fmt(total)} rows stored` }),
    });
    // What the live store leaves on disk: a file per partition a commit touched, until compaction (at close here, every maintenanceMs live).
    const files = () => ds.files('liquidations').length;
    const before = files();
    await sink.close();
    out(`\nliquidations files: ${fmt(before)} in ${fmt(ds.partitions('liquidations').length)} partitions after ${fmt(sendSeconds, 0)} s (${fmt(sink.stats.commits)} commits), ${fmt(files())} after compaction; compactMinFiles ${fmt(config.compactMinFiles)}, maintenanceMs ${fmt(config.maintenanceMs)}`);
    out('');
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  benchStoreLive((line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
