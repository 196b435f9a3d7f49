import { Counter, Gauge, type Registry } from 'prom-client';
import type { MinuteBucket } from '../../aggregate/minute-series.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import { MAX_EXACT_UNITS, USD_SCALE } from '../../aggregate/fixed-point.js';
import type { Logger } from '../../log.js';
import { valueLimitBreach, type ValueLimits } from '../../pipeline/value-limits.js';
import type { NormalizedEvent } from '../../schema/events.js';
import type { Sink } from '../sink.js';
import type { StoreConfig } from './config.js';
import { ColumnRows } from './columns.js';
import { Dataset } from './dataset.js';
import { openWriter, type WriterPort } from './store-thread.js';
import { zeroes, type WriterStats } from './store-writer.js';
import { TABLE_NAMES, TABLES, writeCascade, writeGap, writeLiquidation, writeMinute, writeOnchain, writeOpenInterest, writeRetraction, type TableName } from './tables.js';

export interface StoreStats extends WriterStats {
  /** Rows handed to the sink, per table. */
  received: Record<TableName, number>;
  /** Of the rows received, how many are durable and queryable (committed, or found already stored): received − durable is the commit lag in rows. */
  durable: Record<TableName, number>;
  /** Events refused because a value is beyond what the store keeps exactly (STORE_LIMITS), per table; not received. */
  refused: Record<TableName, number>;
  /** Chunks handed to the writer's thread that it has not taken yet. */
  queued: number;
  /** How long the pipeline waited for the writer (backpressure), and how many waits ran out (live path only). */
  backpressure: { seconds: number; timeouts: number };
}

/**
 * What the store keeps exactly: USD travels as 1/10,000 units in a double (exact up to MAX_EXACT_UNITS, $900.7B)
 * and is stored as DECIMAL(18,4). Every event reaching a sink is within the pipeline's limits already
 * (value-limits.ts, at most $100B); one beyond these (a caller that skipped them) would fail every commit after
 * it, its row being kept for the next. Such an event is refused here, counted and logged, and the rows beside it
 * are stored.
 */
const STORE_MAX_USD = MAX_EXACT_UNITS / USD_SCALE;
const STORE_LIMITS: ValueLimits = { maxNotionalUsd: STORE_MAX_USD, maxOpenInterestUsd: STORE_MAX_USD };

export interface StoreOptions {
  /** Commit when flushRows are buffered and at close, not every flushMs (a backfill). */
  bySizeOnly?: boolean;
  /** Told after each commit how many rows of each table received so far are durable. */
  onCommitted?: (durable: Record<TableName, number>) => void;
  /**
   * The writer (DuckDB) in a thread of its own (store-thread.ts), from the compiled worker file: the
   * composition roots ask for it; tests of the store's logic run it in their thread.
   */
  thread?: boolean;
  /** The thread's entry file, if not the compiled store-worker.js (tests wrap it: a writer slowed on purpose). */
  threadEntry?: URL;
  /** Where the store's counts are exported (`liqstream_store_*`, read from `stats` at each scrape). */
  registry?: Registry;
  /**
   * A live pipeline (`run`, `aggregate`): `backpressure` waits at most `maxWaitMs` for a writer past
   * `maxQueuedChunks`, and then not again until it has caught up. Otherwise (a replay, an import) it waits as
   * long as the writer takes.
   */
  live?: boolean;
}

/**
 * The sink's counts as metrics, read from `stats` when scraped: the commit lag is received − durable (it
 * grows while the writer's thread, which runs at a lower priority, waits for a busy machine).
 */
/** What a counter adds at a scrape of a total now at `now`: what grew since the last scrape (a counter is only added to). */
function grown(reported: Map<string, number>, key: string, now: number): number {
  const had = reported.get(key) ?? 0;
  reported.set(key, Math.max(now, had));
  return now > had ? now - had : 0;
}

function storeMetrics(registry: Registry, stats: () => StoreStats): void {
  const counter = (name: string, help: string, label: string, values: (s: StoreStats) => Record<string, number>) => {
    // A counter is only added to: each scrape adds what grew since the last one. Every table (outcome) is
    // exported from the first scrape, at 0 until it grows: a series that first appears at 3 shows no increase()
    // (one failed commit would never alert), and one that never appears leaves StoreStalled's `and` nothing to match.
    const reported = new Map<string, number>();
    return new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        for (const [key, now] of Object.entries(values(stats()))) this.inc({ [label]: key }, grown(reported, key, now));
      },
    });
  };
  counter('liqstream_store_rows_received_total', 'Rows handed to the history store, by table', 'table', (s) => s.received);
  counter('liqstream_store_rows_durable_total', 'Of the rows received, those committed to the store (or found there already), by table', 'table', (s) => s.durable);
  counter('liqstream_store_rows_written_total', 'Rows the store added (the others were stored already: same key), by table', 'table', (s) => s.written);
  counter('liqstream_store_rows_refused_total', 'Events refused: a value beyond what the store keeps exactly, by table', 'table', (s) => s.refused);
  counter('liqstream_store_commits_total', 'Commits of the history store, by outcome', 'outcome', (s) => ({ ok: s.commits, failed: s.failedCommits }));
  new Gauge({
    name: 'liqstream_store_queued_chunks',
    help: 'Chunks of rows (up to 16,384) handed to the store writer\'s thread and not yet taken by it',
    registers: [registry],
    collect() {
      this.set(stats().queued);
    },
  });
  const total = (name: string, help: string, value: (s: StoreStats) => number) => {
    const reported = new Map<string, number>();
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.inc(grown(reported, name, value(stats())));
      },
    });
  };
  total('liqstream_store_backpressure_seconds_total', 'Time the pipeline waited for the store writer to take queued chunks', (s) => s.backpressure.seconds);
  total('liqstream_store_backpressure_timeouts_total', 'Waits for the store writer that ran out (store.maxWaitMs, run/aggregate): the pipeline went on without waiting', (s) => s.backpressure.timeouts);
}

/**
 * The history store as a sink: rows are gathered column by column as they come (columns.ts), handed
 * to the writer 16,384 at a time (in its own thread: store-thread.ts), and committed to the Parquet dataset every `flushMs` or `flushRows`
 * (store-writer.ts). A commit that fails (disk full) keeps its rows and is retried with the next one;
 * close() fails if the last retry fails, so a backfill never reports success with rows missing.
 */
export class StoreSink implements Sink {
  readonly name = 'store';
  private readonly refused = zeroes();
  private durable = zeroes();
  /** Per table, the rows received when the last commit started (flushRows counts from there). */
  private readonly flushedAt = zeroes();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** The timer's commits under way or waiting (tick). */
  private ticking = 0;
  private readonly rows: Record<TableName, ColumnRows>;
  private closing: Promise<void> | undefined;
  readonly dataset: Dataset;
  private readonly waited = { seconds: 0, timeouts: 0 };
  /** Live path: a wait ran out and the writer has not caught up since (no more waits until it has). */
  private overrun = false;

  private writer!: WriterPort;

  private constructor(
    private readonly config: StoreConfig,
    private readonly log: Logger,
    private readonly onCommitted?: (durable: Record<TableName, number>) => void,
    private readonly live = false,
  ) {
    this.dataset = new Dataset(config.dir);
    this.rows = Object.fromEntries(TABLE_NAMES.map((t) => [t, new ColumnRows(TABLES[t].buffer, (chunk) => this.writer.append(t, chunk))])) as Record<TableName, ColumnRows>;
  }

  get stats(): StoreStats {
    return { ...this.writer.stats, received: this.received(), durable: this.durable, refused: this.refused, queued: this.writer.queued, backpressure: { ...this.waited } };
  }

  /** Opens (and recovers) the dataset at config.dir; DuckDB is loaded by the writer, not at CLI start. */
  static async open(config: StoreConfig, log: Logger, options: StoreOptions = {}): Promise<StoreSink> {
    const sink = new StoreSink(config, log, options.onCommitted, options.live);
    sink.writer = await openWriter(config, log, options.thread ?? false, (table, columns) => sink.rows[table].recycle(columns), options.threadEntry);
    try {
      if (options.registry) storeMetrics(options.registry, () => sink.stats);
    } catch (err) {
      // A registry that has them already (a second sink on it): the store is left unlocked for the next open.
      await sink.writer.close();
      throw err;
    }
    // A backfill commits by size only: a commit every flushMs adds files (and work) without making anything visible sooner that matters.
    if (!options.bySizeOnly) {
      sink.timer = setInterval(() => sink.tick(), config.flushMs);
      sink.timer.unref();
    }
    return sink;
  }

  /** One event (the Sink hook); `onEvents` is the same for a list. */
  onEvent(e: NormalizedEvent): void {
    // Funding is not stored (below): its bound is not the store's.
    const breach = e.type === 'funding' ? undefined : valueLimitBreach(e, STORE_LIMITS);
    if (breach !== undefined) {
      const table: TableName = e.type === 'retraction' ? 'retractions' : e.type === 'open_interest' ? 'open_interest' : 'liquidations';
      this.refused[table] += 1;
      this.log.error({ store: this.config.dir, reason: breach }, 'store: event refused, beyond what the store keeps exactly');
      return;
    }
    if (e.type === 'liquidation') {
      writeLiquidation(this.rows.liquidations, e);
      this.gathered('liquidations');
      if (e.onchain) {
        writeOnchain(this.rows.onchain, { ...e, onchain: e.onchain });
        this.gathered('onchain');
      }
    } else if (e.type === 'open_interest') {
      writeOpenInterest(this.rows.open_interest, e);
      this.gathered('open_interest');
    } else if (e.type === 'gap') {
      writeGap(this.rows.gaps, e);
      this.gathered('gaps');
    } else if (e.type === 'retraction') {
      writeRetraction(this.rows.retractions, e);
      this.gathered('retractions');
    }
    // Funding is not stored yet (market state; issue 21 keeps the last per market in the aggregator).
  }

  onEvents(events: readonly NormalizedEvent[]): void {
    for (const e of events) this.onEvent(e);
  }

  onMinuteClosed(minute: MinuteBucket, oiUsd: number | undefined): void {
    writeMinute(this.rows.minutes, minute, oiUsd);
    this.gathered('minutes');
  }

  /** Episodes are stored once, when they end (start and update signals are the live view of one). */
  onCascade(episode: CascadeSignal): void {
    if (episode.phase !== 'end') return;
    writeCascade(this.rows.cascades, episode);
    this.gathered('cascades');
  }

  /**
   * The Sink hook after each batch of events the pipeline applied: undefined while at most `maxQueuedChunks`
   * chunks wait for the writer's thread; else a promise the pipeline awaits before its next batch, resolved once
   * the writer has taken enough. Without it, a writer starved of CPU let chunks pile up in its port without bound.
   * Live (`run`, `aggregate`), the wait ends after `maxWaitMs` at the latest: ingest is never held longer than that
   * for a writer that falls behind, and is not held again until the writer has caught up (the queue then grows, as
   * `liqstream_store_queued_chunks` shows; timeouts are counted). A writer that is gone ends every wait.
   */
  backpressure(): Promise<void> | undefined {
    const max = this.config.maxQueuedChunks;
    if (this.writer.queued <= max) {
      this.overrun = false;
      return undefined;
    }
    if (this.overrun) return undefined;
    const drained = this.writer.drained(max);
    if (drained === undefined) return undefined;
    const started = performance.now();
    const waited = () => void (this.waited.seconds += (performance.now() - started) / 1_000);
    if (!this.live) return drained.then(waited);
    let timer: NodeJS.Timeout | undefined;
    const ranOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.config.maxWaitMs)));
    // The episode ends when the writer is back within the bound, even if no batch asks in that moment (a batch
    // may append enough chunks to be behind again by the next ask, and would otherwise never wait again).
    const back = drained.then(() => {
      this.overrun = false;
      return false;
    });
    return Promise.race([back, ranOut]).then((timedOut) => {
      clearTimeout(timer);
      waited();
      if (!timedOut) return;
      this.overrun = true;
      this.waited.timeouts += 1;
      this.log.warn({ store: this.config.dir, queued: this.writer.queued, maxQueuedChunks: max, maxWaitMs: this.config.maxWaitMs }, 'store: the writer is behind; the pipeline goes on without waiting for it until it catches up');
    });
  }

  /** Commits everything received so far (resolves once it is in the dataset, rejects if it is not). */
  flush(): Promise<void> {
    // The rows still gathering go to the writer now, so the commit covers every row counted in `through`.
    for (const t of TABLE_NAMES) this.rows[t].drain();
    const through = this.received();
    Object.assign(this.flushedAt, through);
    const next = this.chain.then(async () => {
      const committed = await this.writer.commit();
      this.durable = through;
      if (committed) this.onCommitted?.(through);
    });
    this.chain = next.catch(() => {});
    return next;
  }

  /** The last commit, then the writer ends; every call waits for the same close. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      clearInterval(this.timer);
      try {
        await this.flush();
      } finally {
        await this.writer.close();
      }
    })());
  }

  /**
   * The timer's commit, unless one it asked for is under way and another waits behind it (that one will take
   * every row received until it starts): a writer slower than flushMs (its thread starved at its lower
   * priority) would otherwise gather a queue of commits, growing while it lasts, that durable (one queued
   * commit after another) and close (after all of them) wait out.
   */
  private tick(): void {
    if (this.ticking === 2) return;
    this.ticking += 1;
    void this.flush()
      .catch(() => {})
      .finally(() => (this.ticking -= 1));
  }

  /** Rows handed to the sink so far, per table. */
  private received(): Record<TableName, number> {
    return Object.fromEntries(TABLE_NAMES.map((t) => [t, this.rows[t].ended])) as Record<TableName, number>;
  }

  /** After rows of `table` are gathered (its ColumnRows counts them): enough of them since the last commit start one. */
  private gathered(table: TableName): void {
    if (this.rows[table].ended - this.flushedAt[table] >= this.config.flushRows) void this.flush().catch(() => {});
  }
}
