import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { LiquidationKind, Side, VenueId } from '../schema/events.js';
import { QueryBusyError, QueryTimeoutError, StoreReader } from '../sinks/store/reader.js';
import { MinUsdParam, readQuery, TimeParam } from './http-answers.js';

/*
 * /api/history/*: the history store, read with DuckDB. Every statement is a constant text with bound
 * parameters; the only parts chosen by the request are identifiers and units from the fixed maps below
 * (group-by columns, the step), never the request's own text.
 */

// Times as /api/minutes and the CLI read them: a 10-digit number (seconds) is refused, not read as January 1970.
const FROM = TimeParam.default(0);
const TO = TimeParam.default(8.64e15);
/** A whole number as people write it: Number() would also take '' (as 0), '+5', hex and exponents. */
const limit = (max: number) =>
  z.string().regex(/^\d{1,6}$/, `expected a whole number from 1 to ${max}`).transform(Number).pipe(z.number().min(1).max(max));
const text = z.string().regex(/^[A-Za-z0-9:_.\-/]{1,40}$/);
const Filters = {
  venue: VenueId.optional(),
  symbol: text.optional(),
  base: text.optional(),
  side: Side.optional(),
  minUsd: MinUsdParam,
  from: FROM,
  to: TO,
};

const ordered = (q: { from: number; to: number }) => q.from < q.to;
const FROM_BEFORE_TO = { message: 'from must be before to', path: ['from'] };

const kindsParam = z
  .string()
  .transform((s) => s.split(','))
  .pipe(z.array(LiquidationKind).min(1).max(4));

const LiquidationsQuery = z.strictObject({
  ...Filters,
  kind: kindsParam.default(['liquidation', 'backstop', 'adl', 'vault']),
  sort: z.enum(['time', 'usd']).default('time'),
  limit: limit(10_000).default(100),
}).refine(ordered, FROM_BEFORE_TO);

const GROUP_COLUMNS = { venue: 'venue', symbol: 'symbol', base: 'base', side: 'side' } as const;
const STEPS = { '1m': 'minute', '1h': 'hour', '1d': 'day' } as const;
const MinutesQuery = z.strictObject({
  ...Filters,
  // Liquidation totals count these two kinds (ADL and vault fills are not liquidations: docs/mapping.md).
  kind: kindsParam.default(['liquidation', 'backstop']),
  step: z.enum(Object.keys(STEPS) as [keyof typeof STEPS]).default('1m'),
  by: z
    .string()
    .transform((s) => (s === '' ? [] : s.split(',')))
    .pipe(z.array(z.enum(Object.keys(GROUP_COLUMNS) as [keyof typeof GROUP_COLUMNS])).max(4).refine((by) => new Set(by).size === by.length, 'a column is named twice'))
    .default([]),
  limit: limit(100_000).default(10_000),
}).refine(ordered, FROM_BEFORE_TO);

const CascadesQuery = z.strictObject({ from: FROM, to: TO, limit: limit(10_000).default(100) }).refine(ordered, FROM_BEFORE_TO);

/** $1…$8 of every liquidation query: the filters, in this order; a retracted liquidation (reorg) is never in an answer. */
const FILTER_SQL = `($1::VARCHAR IS NULL OR venue = $1) AND ($2::VARCHAR IS NULL OR symbol = $2) AND ($3::VARCHAR IS NULL OR base = $3)
  AND ($4::VARCHAR IS NULL OR side = $4) AND usd >= $5::DOUBLE AND event_time >= epoch_ms($6::BIGINT) AND event_time < epoch_ms($7::BIGINT)
  AND list_contains($8::VARCHAR[], kind) AND id NOT IN (SELECT id FROM retractions)`;

const LIQUIDATIONS_SQL = (order: 'time' | 'usd') => `SELECT venue, id, kind, fidelity, symbol, base, side, price, qty, CAST(usd AS DOUBLE) AS usd,
  CAST(epoch_ms(event_time) AS DOUBLE) AS eventTime, CAST(epoch_ms(receive_time) AS DOUBLE) AS receiveTime
  FROM liquidations WHERE ${FILTER_SQL}
  ORDER BY ${order === 'usd' ? 'usd DESC, event_time DESC' : 'event_time DESC, usd DESC'}, venue, id LIMIT $9`;

function minutesSql(step: keyof typeof STEPS, by: (keyof typeof GROUP_COLUMNS)[]): string {
  const dims = by.map((d) => GROUP_COLUMNS[d]);
  const time = `date_trunc('${STEPS[step]}', event_time)`;
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

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

type Filters = { venue?: string; symbol?: string; base?: string; side?: string; minUsd: number; from: number; to: number; kind: string[] };
const filterParams = (q: Filters) => [q.venue ?? null, q.symbol ?? null, q.base ?? null, q.side ?? null, q.minUsd, q.from, q.to, q.kind];

/** The history endpoints over `reader`; `handle` answers (asynchronously) and returns true for its paths. */
export function historyApi(reader: StoreReader, log: Logger) {
  const run = async (res: ServerResponse, sql: string, params: unknown[], scope: { venue?: string; from: number; to: number }, shape: (rows: Record<string, unknown>[]) => unknown) => {
    try {
      const { DuckDBListValue } = await import('@duckdb/node-api');
      const bound = params.map((p) => (Array.isArray(p) ? new DuckDBListValue(p) : p)) as never[];
      const { rows } = await reader.query(sql, bound, { scope });
      json(res, 200, shape(rows));
    } catch (err) {
      if (err instanceof QueryBusyError) return json(res, 503, { error: err.message });
      if (err instanceof QueryTimeoutError) return json(res, 504, { error: err.message });
      log.error({ err }, 'history query failed');
      json(res, 500, { error: 'history query failed (logged)' });
    }
  };

  return {
    handle(url: URL, res: ServerResponse): boolean {
      switch (url.pathname) {
        case '/api/history/liquidations': {
          const q = readQuery(url, LiquidationsQuery);
          if ('error' in q) return json(res, 400, { error: q.error }), true;
          void run(res, LIQUIDATIONS_SQL(q.data.sort), [...filterParams(q.data), q.data.limit], q.data, (rows) => ({ liquidations: rows, limit: q.data.limit }));
          return true;
        }
        case '/api/history/minutes': {
          const q = readQuery(url, MinutesQuery);
          if ('error' in q) return json(res, 400, { error: q.error }), true;
          void run(res, minutesSql(q.data.step, q.data.by), [...filterParams(q.data), q.data.limit], q.data, (rows) => ({ step: q.data.step, by: q.data.by, rows, limit: q.data.limit }));
          return true;
        }
        case '/api/history/cascades': {
          const q = readQuery(url, CascadesQuery);
          if ('error' in q) return json(res, 400, { error: q.error }), true;
          void run(res, CASCADES_SQL, [q.data.from, q.data.to, q.data.limit], q.data, (rows) => ({
            cascades: rows.map((r) => ({ ...r, byVenue: JSON.parse(String(r.byVenue)) as unknown })),
          }));
          return true;
        }
        default:
          return false;
      }
    },

    close(): void {
      reader.close();
    },
  };
}

export type HistoryApi = ReturnType<typeof historyApi>;

/** The history endpoints over the store in `dir` (DuckDB is loaded here). */
export async function openHistoryApi(dir: string, limits: { threads: number; memoryLimit: string }, log: Logger): Promise<HistoryApi> {
  return historyApi(await StoreReader.open(dir, { log, ...limits }), log);
}
