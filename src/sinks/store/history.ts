import type { DuckDBValue } from '@duckdb/node-api';
import { GROUP_COLUMNS, type GroupColumn, type HistoryReader, type HistoryRows, type LiquidationFilter, type Step } from '../history-reader.js';
import type { StoreReader } from './reader.js';
import type { TableName } from './tables.js';

/* /api/history over the Parquet store, in DuckDB's dialect: constant statements with bound parameters. */

const STEP_UNITS: Record<Step, string> = { '1m': 'minute', '1h': 'hour', '1d': 'day' };

/** $1…$8 of every liquidation query: the filters, in this order; a retracted liquidation (reorg) is never in an answer. */
const FILTER_SQL = `($1::VARCHAR IS NULL OR venue = $1) AND ($2::VARCHAR IS NULL OR symbol = $2) AND ($3::VARCHAR IS NULL OR base = $3)
  AND ($4::VARCHAR IS NULL OR side = $4) AND usd >= $5::DOUBLE AND event_time >= epoch_ms($6::BIGINT) AND event_time < epoch_ms($7::BIGINT)
  AND list_contains($8::VARCHAR[], kind) AND id NOT IN (SELECT id FROM retractions)`;

const LIQUIDATIONS_SQL = (order: 'time' | 'usd') => `SELECT venue, id, kind, fidelity, symbol, base, side, price, qty, CAST(usd AS DOUBLE) AS usd,
  CAST(epoch_ms(event_time) AS DOUBLE) AS eventTime, CAST(epoch_ms(receive_time) AS DOUBLE) AS receiveTime
  FROM liquidations WHERE ${FILTER_SQL}
  ORDER BY ${order === 'usd' ? 'usd DESC, event_time DESC' : 'event_time DESC, usd DESC'}, venue, id LIMIT $9`;

function minutesSql(step: Step, by: GroupColumn[]): string {
  const dims = by.map((d) => GROUP_COLUMNS[d]);
  const time = `date_trunc('${STEP_UNITS[step]}', event_time)`;
  return `SELECT CAST(epoch_ms(${time}) AS DOUBLE) AS time, ${dims.map((d) => `${d}, `).join('')}CAST(sum(usd) AS DOUBLE) AS usd,
    CAST(sum(CASE WHEN side = 'long' THEN usd ELSE 0 END) AS DOUBLE) AS longUsd, CAST(sum(CASE WHEN side = 'short' THEN usd ELSE 0 END) AS DOUBLE) AS shortUsd,
    CAST(count(*) AS DOUBLE) AS count
    FROM liquidations WHERE ${FILTER_SQL}
    GROUP BY ${[time, ...dims].join(', ')} ORDER BY ${[time, ...dims].join(', ')} LIMIT $9`;
}

const CASCADES_SQL = `SELECT id, CAST(epoch_ms(start_time) AS DOUBLE) AS start, CAST(epoch_ms(end_time) AS DOUBLE) AS "end",
  CAST(epoch_ms(peak_minute) AS DOUBLE) AS peakMinute, peak_minute_usd AS peakMinuteUsd, total_usd AS totalUsd, lower_bound AS lowerBound,
  long_share AS longShare, oi_drawdown_usd AS oiDrawdownUsd, oi_drawdown_pct AS oiDrawdownPct, led_by AS ledBy, baseline_usd AS baselineUsd, by_venue AS byVenue
  FROM cascades WHERE start_time >= epoch_ms($1::BIGINT) AND start_time < epoch_ms($2::BIGINT) ORDER BY start_time LIMIT $3`;

/** What FILTER_SQL reads: a left-out retractions file could leave a retracted liquidation in. */
const LIQUIDATION_TABLES: TableName[] = ['liquidations', 'retractions'];

/** The Parquet store's answers to /api/history, read with `reader` (which bounds time and concurrency). */
export class DuckDbHistory implements HistoryReader {
  constructor(private readonly reader: Pick<StoreReader, 'query' | 'close'>) {}

  /** `sql` over `tables` (the ones whose left-out files make the answer partial). */
  private async run(sql: string, params: unknown[], scope: { venue?: string; from: number; to: number }, tables: TableName[]): Promise<HistoryRows> {
    const { DuckDBListValue } = await import('@duckdb/node-api');
    const bound = params.map((p) => (Array.isArray(p) ? new DuckDBListValue(p) : p)) as DuckDBValue[];
    const { rows, leftOut } = await this.reader.query(sql, bound, { scope });
    return { rows, leftOutFiles: tables.reduce((n, t) => n + (leftOut[t] ?? 0), 0) };
  }

  private static filters(q: LiquidationFilter): unknown[] {
    return [q.venue ?? null, q.symbol ?? null, q.base ?? null, q.side ?? null, q.minUsd, q.from, q.to, q.kind];
  }

  liquidations(q: LiquidationFilter & { sort: 'time' | 'usd'; limit: number }) {
    return this.run(LIQUIDATIONS_SQL(q.sort), [...DuckDbHistory.filters(q), q.limit], q, LIQUIDATION_TABLES);
  }

  minutes(q: LiquidationFilter & { step: Step; by: GroupColumn[]; limit: number }) {
    return this.run(minutesSql(q.step, q.by), [...DuckDbHistory.filters(q), q.limit], q, LIQUIDATION_TABLES);
  }

  cascades(q: { from: number; to: number; limit: number }) {
    return this.run(CASCADES_SQL, [q.from, q.to, q.limit], q, ['cascades']);
  }

  close(): void {
    this.reader.close();
  }
}
