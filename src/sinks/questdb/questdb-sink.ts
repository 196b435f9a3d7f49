import type { Sender } from '@questdb/nodejs-client';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MinuteBucket } from '../../aggregate/minute-series.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import type { Logger } from '../../log.js';
import type { NormalizedEvent } from '../../schema/events.js';
import type { Sink } from '../sink.js';
import { TABLE_NAMES, type TableName } from '../store/tables.js';
import type { QuestDbConfig } from './config.js';
import { cascadeRow, gapRow, liquidationRow, minuteRows, onchainRow, openInterestRow, QUESTDB_DDL, retractionRow, type QueuedRow } from './tables.js';
import { splitHostPort } from '../../host-port.js';

export interface QuestDbStats {
  /** Rows handed to the sink, per table. */
  received: Record<TableName, number>;
  /** Rows QuestDB acknowledged, per table (a row sent again is acknowledged again: QuestDB keeps it once). */
  written: Record<TableName, number>;
  /** Rows dropped from a full buffer while QuestDB did not answer, per table, and their event-time range. */
  dropped: Record<TableName, number>;
  droppedFrom?: number;
  droppedTo?: number;
  flushes: number;
  failedFlushes: number;
  lastError?: string;
}

const zeroes = () => Object.fromEntries(TABLE_NAMES.map((t) => [t, 0])) as Record<TableName, number>;
/** While QuestDB is down, one error line per this long (and one when it answers again). */
const LOG_EVERY_MS = 30_000;

function sinkMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    written: new Counter({ name: 'liqstream_questdb_rows_written_total', help: 'Rows QuestDB acknowledged, by table', labelNames: ['table'], registers }),
    failed: new Counter({ name: 'liqstream_questdb_failed_flushes_total', help: 'ILP requests to QuestDB that failed (their rows are kept and sent again)', registers }),
    dropped: new Counter({ name: 'liqstream_questdb_rows_dropped_total', help: 'Rows dropped because the buffer was full while QuestDB did not answer, by table', labelNames: ['table'], registers }),
    buffered: new Gauge({ name: 'liqstream_questdb_buffered_rows', help: 'Rows waiting to be sent to QuestDB', registers }),
  };
}

/**
 * The history store on a QuestDB server, as a sink. Rows are queued in memory and sent over ILP/HTTP
 * (acknowledged requests) every `flushMs`, or as soon as `flushRows` are queued, `flushRows` at most per
 * request. A request that fails (QuestDB down, frozen past `requestTimeoutMs`, refusing) leaves its
 * rows at the head of the queue: they are sent again at the next flush, counted and logged, and the
 * process goes on. If QuestDB stays away until `maxBufferedRows` are queued, the oldest rows are
 * dropped, counted per table with their event-time range and logged: memory is bounded and the live
 * pipeline is never held back by its history. A re-send is harmless: every table deduplicates by key.
 */
export class QuestDbSink implements Sink {
  readonly name = 'questdb';
  readonly stats: QuestDbStats = { received: zeroes(), written: zeroes(), dropped: zeroes(), flushes: 0, failedFlushes: 0 };
  private queue: QueuedRow[] = [];
  private inFlight = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private sender: Sender | undefined;
  private tablesReady = false;
  private failingSince: number | undefined;
  private lastErrorLog = 0;
  private droppedInOutage = 0;
  private closed = false;
  private kicked = false;
  private readonly metrics: ReturnType<typeof sinkMetrics>;

  private constructor(
    private readonly config: QuestDbConfig,
    private readonly log: Logger,
    registry: Registry | undefined,
  ) {
    this.metrics = sinkMetrics(registry);
  }

  /**
   * Never fails because QuestDB is away: tables are created (IF NOT EXISTS) before the first send that
   * reaches it, and until then rows wait in the queue like during any outage.
   */
  static open(config: QuestDbConfig, log: Logger, registry?: Registry): QuestDbSink {
    const sink = new QuestDbSink(config, log, registry);
    sink.timer = setInterval(() => sink.kick(), config.flushMs);
    sink.timer.unref();
    return sink;
  }

  onEvent(event: NormalizedEvent): void {
    this.onEvents([event]);
  }

  onEvents(events: readonly NormalizedEvent[]): void {
    for (const e of events) {
      if (e.type === 'liquidation') {
        this.push(liquidationRow(e));
        if (e.onchain) this.push(onchainRow({ ...e, onchain: e.onchain }));
      } else if (e.type === 'open_interest') this.push(openInterestRow(e));
      else if (e.type === 'gap') this.push(gapRow(e));
      else if (e.type === 'retraction') this.push(retractionRow(e));
      // Funding is not stored yet, as in the Parquet store.
    }
  }

  onMinuteClosed(minute: MinuteBucket, oiUsd: number | undefined): void {
    for (const row of minuteRows(minute, oiUsd)) this.push(row);
  }

  /** Episodes are stored once, when they end, as in the Parquet store. */
  onCascade(episode: CascadeSignal): void {
    if (episode.phase === 'end') this.push(cascadeRow(episode));
  }

  /** Rows waiting (queued and in a request). */
  get buffered(): number {
    return this.queue.length + this.inFlight;
  }

  /** Sends everything queued so far (resolves once QuestDB acknowledged it, rejects on the first failed request). */
  flush(): Promise<void> {
    const next = this.chain.then(() => this.send());
    this.chain = next.catch(() => {});
    return next;
  }

  /**
   * A last flush; rejects if QuestDB does not take everything, or if rows were dropped from a full buffer
   * meanwhile (naming how many and their time range), so an import never reports success with rows missing.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      await this.flush();
    } finally {
      const left = this.buffered;
      await this.sender?.close().catch(() => {});
      this.sender = undefined;
      if (left > 0) this.log.error({ rows: left, questdb: this.config.http }, 'questdb: closed with rows not written');
    }
    const dropped = TABLE_NAMES.reduce((n, t) => n + this.stats.dropped[t], 0);
    if (dropped > 0) {
      const range = `${new Date(this.stats.droppedFrom!).toISOString()} to ${new Date(this.stats.droppedTo!).toISOString()}`;
      throw new Error(`${dropped} rows with event time from ${range} were dropped while QuestDB did not answer (store.questdb.maxBufferedRows); write them again (store import)`);
    }
  }

  private push(row: QueuedRow): void {
    this.stats.received[row.table] += 1;
    if (this.buffered >= this.config.maxBufferedRows && this.queue.length > 0) this.drop(this.queue.shift()!);
    this.queue.push(row);
    this.metrics.buffered.set(this.buffered);
    if (this.queue.length >= this.config.flushRows) this.kick();
  }

  /**
   * A flush of its own cadence (the timer, a full request's worth queued) unless one is running: while
   * QuestDB does not answer, each waits out its timeout, and they must not pile up behind each other.
   */
  private kick(): void {
    if (this.kicked) return;
    this.kicked = true;
    void this.flush()
      .catch(() => {})
      .finally(() => (this.kicked = false));
  }

  private drop(row: QueuedRow): void {
    this.stats.dropped[row.table] += 1;
    this.metrics.dropped.inc({ table: row.table });
    this.stats.droppedFrom = Math.min(this.stats.droppedFrom ?? row.time, row.time);
    this.stats.droppedTo = Math.max(this.stats.droppedTo ?? row.time, row.time);
    if (this.droppedInOutage++ === 0)
      this.log.error(
        { questdb: this.config.http, maxBufferedRows: this.config.maxBufferedRows, table: row.table, eventTime: new Date(row.time).toISOString() },
        'questdb: buffer full while QuestDB does not answer; dropping the oldest rows (counted in liqstream_questdb_rows_dropped_total; a restart within rebuildMs or `store import` writes them again)',
      );
  }

  private async connect(): Promise<Sender> {
    if (!this.tablesReady) {
      await this.createTables();
      this.tablesReady = true;
    }
    if (!this.sender) {
      const { Sender } = await import('@questdb/nodejs-client');
      const c = this.config;
      // Retries inside one request are short: the queue is the retry (next flush), so a frozen server costs one timeout per flush.
      // The timeout grows by a request's size at 10 MiB/s (about 0.2 s for flushRows 10,000).
      // In the client's configuration string a ';' inside a value is written ';;'.
      const esc = (v: string) => v.replaceAll(';', ';;');
      const auth = c.password === '' ? '' : `username=${esc(c.username)};password=${esc(c.password)};`;
      this.sender = await Sender.fromConfig(
        `http::addr=${c.http};${auth}auto_flush=off;request_timeout=${c.requestTimeoutMs};retry_timeout=${Math.min(1_000, c.requestTimeoutMs)};request_min_throughput=10485760;protocol_version=1`,
      );
    }
    return this.sender;
  }

  private async createTables(): Promise<void> {
    const client = await pgClient(this.config);
    try {
      for (const t of TABLE_NAMES) await client.query(QUESTDB_DDL[t]);
    } finally {
      await client.end().catch(() => {});
    }
  }

  private async send(): Promise<void> {
    while (this.queue.length > 0) {
      const chunk = this.queue.splice(0, this.config.flushRows);
      this.inFlight = chunk.length;
      try {
        const sender = await this.connect();
        sender.reset();
        for (const row of chunk) await row.write(sender);
        await sender.flush();
      } catch (err) {
        this.inFlight = 0;
        // Back at the head, oldest first; rows that came meanwhile stay behind them.
        this.queue.unshift(...chunk);
        while (this.queue.length > this.config.maxBufferedRows) this.drop(this.queue.shift()!);
        this.failed(err);
        throw err;
      } finally {
        this.inFlight = 0;
        this.metrics.buffered.set(this.buffered);
      }
      this.stats.flushes += 1;
      for (const row of chunk) {
        this.stats.written[row.table] += 1;
      }
      for (const t of TABLE_NAMES) {
        const n = chunk.filter((r) => r.table === t).length;
        if (n > 0) this.metrics.written.inc({ table: t }, n);
      }
      if (this.failingSince !== undefined) {
        this.log.warn({ questdb: this.config.http, downMs: Date.now() - this.failingSince, failedFlushes: this.stats.failedFlushes, dropped: this.droppedInOutage }, 'questdb: writing again');
        this.failingSince = undefined;
        this.droppedInOutage = 0;
      }
    }
  }

  private failed(err: unknown): void {
    this.stats.failedFlushes += 1;
    this.metrics.failed.inc();
    this.stats.lastError = err instanceof Error ? err.message : String(err);
    // A new sender next time: the old one's connection may be to a server that is gone.
    void this.sender?.close().catch(() => {});
    this.sender = undefined;
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.lastErrorLog >= LOG_EVERY_MS) {
      this.lastErrorLog = now;
      this.log.error({ err, questdb: this.config.http, buffered: this.buffered, failedFlushes: this.stats.failedFlushes }, 'questdb: write failed; rows kept and sent again at the next flush');
    }
  }
}

/** A PostgreSQL-wire connection to QuestDB (table creation, reads), bounded in time. */
export async function pgClient(c: QuestDbConfig): Promise<import('pg').Client> {
  const { default: pg } = await import('pg');
  const [host, port] = splitHostPort(c.pg);
  const client = new pg.Client({ host, port, user: c.username, password: c.password, database: c.database, connectionTimeoutMillis: c.requestTimeoutMs, query_timeout: c.queryTimeoutMs });
  client.on('error', () => {}); // a dropped connection fails its query; the client is not reused
  await client.connect();
  return client;
}
