import type { Pool } from 'pg';
import type { Logger } from '../../log.js';
import { GROUP_COLUMNS, QueryBusyError, QueryTimeoutError, type GroupColumn, type HistoryReader, type HistoryRows, type LiquidationFilter, type Row, type Step } from '../history-reader.js';
import type { QuestDbConfig } from './config.js';
import { splitHostPort } from '../../host-port.js';

/*
 * /api/history over QuestDB's PostgreSQL wire, in QuestDB's dialect, answering exactly as the Parquet
 * store does (src/sinks/store/history.ts): the same columns, the same numbers. USD is stored in
 * 1/10,000 units (LONG, QuestDB has no DECIMAL), so sums are exact integers divided once by 10,000.0,
 * which is the same IEEE double DuckDB makes from its DECIMAL sum. Times are micros in QuestDB, ms here.
 */

const STEP_UNITS: Record<Step, string> = { '1m': 'm', '1h': 'h', '1d': 'd' };
const MS = (col: string) => `${col}::long / 1000`;

/**
 * $1…$10: venue, symbol, base, side, minUsd, from and to in micros, and the kinds (four places; fewer
 * kinds repeat the first). A bound NULL must be typed for QuestDB to compare it.
 */
const FILTER_SQL = `($1::varchar IS NULL OR l.venue = $1::varchar) AND ($2::varchar IS NULL OR l.symbol = $2::varchar) AND ($3::varchar IS NULL OR l.base = $3::varchar)
  AND ($4::varchar IS NULL OR l.side = $4::varchar) AND l.usd_e4 / 10000.0 >= $5::double AND l.event_time >= $6::long AND l.event_time < $7::long
  AND l.kind IN ($8::varchar, $9::varchar, $10::varchar, $11::varchar)`;

/**
 * The filtered liquidations that were not retracted (a reorg orphaned their block), as DuckDB's
 * `id NOT IN (SELECT id FROM retractions)` leaves them out. QuestDB 9.0 refuses a subquery in NOT IN
 * ("constant expected"); an anti-join it runs: LEFT JOIN, keep the rows without a match. Its columns
 * come out under their own names (a GROUP BY over the join itself finds `event_time` ambiguous).
 */
const LIVE = (columns: string[]) =>
  `(SELECT ${columns.map((c) => `l.${c} AS ${c}`).join(', ')} FROM liquidations l LEFT JOIN retractions r ON (id) WHERE ${FILTER_SQL} AND r.id = null)`;

const LIQUIDATIONS_SQL = (order: 'time' | 'usd') => `SELECT venue, id, kind, fidelity, symbol, base, side, price, qty, usd_e4 / 10000.0 AS usd,
  ${MS('event_time')} AS eventTime, ${MS('receive_time')} AS receiveTime
  FROM ${LIVE(['venue', 'id', 'kind', 'fidelity', 'symbol', 'base', 'side', 'price', 'qty', 'usd_e4', 'event_time', 'receive_time'])}
  ORDER BY ${order === 'usd' ? 'usd_e4 DESC, event_time DESC' : 'event_time DESC, usd_e4 DESC'}, venue, id LIMIT $12::long`;

function minutesSql(step: Step, by: GroupColumn[]): string {
  const dims = by.map((d) => GROUP_COLUMNS[d]);
  const time = `timestamp_floor('${STEP_UNITS[step]}', event_time)`;
  return `SELECT ${MS('t')} AS time, ${dims.map((d) => `${d}, `).join('')}usd / 10000.0 AS usd, longUsd / 10000.0 AS longUsd, shortUsd / 10000.0 AS shortUsd, count FROM (
    SELECT ${time} AS t, ${dims.map((d) => `${d}, `).join('')}sum(usd_e4) AS usd, sum(CASE WHEN side = 'long' THEN usd_e4 ELSE 0 END) AS longUsd,
      sum(CASE WHEN side = 'short' THEN usd_e4 ELSE 0 END) AS shortUsd, count() AS count
    FROM ${LIVE([...new Set([...dims, 'side', 'usd_e4', 'event_time'])])}
    GROUP BY ${['t', ...dims].join(', ')}) ORDER BY ${['t', ...dims].join(', ')} LIMIT $12::long`;
}

const CASCADES_SQL = `SELECT id, ${MS('start_time')} AS start, ${MS('end_time')} AS "end", ${MS('peak_minute')} AS peakMinute, peak_minute_usd AS peakMinuteUsd,
  total_usd AS totalUsd, lower_bound AS lowerBound, long_share AS longShare, oi_drawdown_usd AS oiDrawdownUsd, oi_drawdown_pct AS oiDrawdownPct,
  led_by AS ledBy, baseline_usd AS baselineUsd, by_venue AS byVenue
  FROM cascades WHERE start_time >= $1::long AND start_time < $2::long ORDER BY start_time LIMIT $3::long`;

/** ms → QuestDB micros, as exact decimal text (a JS number would print 8.64e18 in exponent form past 1e21; this never does). */
const micros = (ms: number): string => (BigInt(ms) * 1000n).toString();

/** The Parquet store's column names (DuckDB keeps the case of an alias; QuestDB's pg wire lowercases it). */
const NAMES = ['eventTime', 'receiveTime', 'longUsd', 'shortUsd', 'peakMinute', 'peakMinuteUsd', 'totalUsd', 'lowerBound', 'longShare', 'oiDrawdownUsd', 'oiDrawdownPct', 'ledBy', 'baselineUsd', 'byVenue'];
const CASED = new Map(NAMES.map((n) => [n.toLowerCase(), n]));

/** QuestDB's pg wire sends LONG as int8 text and a NULL double as NaN on some paths: numbers and nulls as DuckDB answers them. */
function normal(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[CASED.get(k) ?? k] = typeof v === 'number' && Number.isNaN(v) ? null : v;
  return out;
}

export class QuestDbHistory implements HistoryReader {
  private pool: Pool | undefined;
  private running = 0;

  constructor(
    private readonly config: QuestDbConfig,
    private readonly log: Logger,
  ) {}

  private async getPool(): Promise<Pool> {
    if (this.pool) return this.pool;
    const { default: pg } = await import('pg');
    const [host, port] = splitHostPort(this.config.pg);
    const c = this.config;
    this.pool = new pg.Pool({
      host,
      port,
      user: c.username,
      password: c.password,
      database: c.database,
      max: c.maxConcurrent,
      connectionTimeoutMillis: c.queryTimeoutMs,
      query_timeout: c.queryTimeoutMs,
      idleTimeoutMillis: 30_000,
      // int8 (LONG) as a JS number: counts and times fit in 2^53.
      types: { getTypeParser: ((oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as never))) as never },
    });
    // A connection QuestDB dropped while idle is replaced by the pool; the next query reports any error.
    this.pool.on('error', (err) => this.log.warn({ err, questdb: this.config.pg }, 'questdb: an idle history connection failed'));
    return this.pool;
  }

  private async run(sql: string, params: unknown[]): Promise<HistoryRows> {
    if (this.running >= this.config.maxConcurrent) throw new QueryBusyError(`${this.running} history queries are running; try again`);
    this.running += 1;
    try {
      const pool = await this.getPool();
      const r = await pool.query(sql, params);
      // QuestDB reads its own tables whole: nothing is left out.
      return { rows: r.rows.map(normal), leftOutFiles: 0 };
    } catch (err) {
      if (/timeout/i.test(String(err))) throw new QueryTimeoutError(`query stopped after ${this.config.queryTimeoutMs} ms`);
      throw err;
    } finally {
      this.running -= 1;
    }
  }

  private static filters(q: LiquidationFilter): unknown[] {
    const kinds = [0, 1, 2, 3].map((i) => q.kind[i] ?? q.kind[0]);
    return [q.venue ?? null, q.symbol ?? null, q.base ?? null, q.side ?? null, q.minUsd, micros(q.from), micros(q.to), ...kinds];
  }

  liquidations(q: LiquidationFilter & { sort: 'time' | 'usd'; limit: number }) {
    return this.run(LIQUIDATIONS_SQL(q.sort), [...QuestDbHistory.filters(q), q.limit]);
  }

  minutes(q: LiquidationFilter & { step: Step; by: GroupColumn[]; limit: number }) {
    return this.run(minutesSql(q.step, q.by), [...QuestDbHistory.filters(q), q.limit]);
  }

  cascades(q: { from: number; to: number; limit: number }) {
    return this.run(CASCADES_SQL, [micros(q.from), micros(q.to), q.limit]);
  }

  async close(): Promise<void> {
    await this.pool?.end().catch(() => {});
    this.pool = undefined;
  }
}
