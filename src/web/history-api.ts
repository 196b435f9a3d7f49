import type { ServerResponse } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { LiquidationKind, Side, VenueId } from '../schema/events.js';
import { GROUP_COLUMNS, QueryBusyError, QueryTimeoutError, STEPS, type HistoryReader, type HistoryRows, type Row } from '../sinks/history-reader.js';
import type { StoreConfig } from '../sinks/store/config.js';
import { MinUsdParam, readQuery, TimeParam } from './http-answers.js';

/*
 * /api/history/*: parameters validated here, answered by the configured store (a HistoryReader: the
 * Parquet store through DuckDB, or QuestDB). Stores run constant statements with bound parameters; the
 * only parts chosen by the request are identifiers and units from fixed maps (group-by columns, the
 * step), never the request's own text.
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

const MinutesQuery = z.strictObject({
  ...Filters,
  // Liquidation totals count these two kinds (ADL and vault fills are not liquidations: docs/mapping.md).
  kind: kindsParam.default(['liquidation', 'backstop']),
  step: z.enum(STEPS).default('1m'),
  by: z
    .string()
    .transform((s) => (s === '' ? [] : s.split(',')))
    .pipe(z.array(z.enum(Object.keys(GROUP_COLUMNS) as [keyof typeof GROUP_COLUMNS])).max(4).refine((by) => new Set(by).size === by.length, 'a column is named twice'))
    .default([]),
  limit: limit(100_000).default(10_000),
}).refine(ordered, FROM_BEFORE_TO);

const CascadesQuery = z.strictObject({ from: FROM, to: TO, limit: limit(10_000).default(100) }).refine(ordered, FROM_BEFORE_TO);

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The history endpoints over `reader`; `handle` answers (asynchronously) and returns true for its paths. */
export function historyApi(reader: HistoryReader, log: Logger, registry?: Registry) {
  const failed = new Counter({
    name: 'liqstream_history_requests_failed_total',
    help: 'History requests answered without rows, by status: 503 (too many at once), 504 (the store did not answer in time), 500 (the store failed or could not be reached)',
    labelNames: ['status'],
    registers: registry ? [registry] : [],
  });
  const fail = (res: ServerResponse, status: 500 | 503 | 504, error: string) => {
    failed.inc({ status });
    json(res, status, { error });
  };
  const run = async (res: ServerResponse, answer: () => Promise<HistoryRows>, shape: (rows: Row[]) => object) => {
    try {
      const { rows, leftOutFiles } = await answer();
      // Files the store could not read: the answer is of the rest, its sums and counts lower bounds, and says so.
      json(res, 200, leftOutFiles > 0 ? { ...shape(rows), partial: true, leftOutFiles } : shape(rows));
    } catch (err) {
      if (err instanceof QueryBusyError) return fail(res, 503, err.message);
      if (err instanceof QueryTimeoutError) return fail(res, 504, err.message);
      log.error({ err }, 'history query failed');
      fail(res, 500, 'history query failed (logged)');
    }
  };

  return {
    handle(url: URL, res: ServerResponse): boolean {
      switch (url.pathname) {
        case '/api/history/liquidations': {
          const q = readQuery(url, LiquidationsQuery);
          if ('error' in q) return json(res, 400, { error: q.error }), true;
          void run(res, () => reader.liquidations(q.data), (rows) => ({ liquidations: rows, limit: q.data.limit }));
          return true;
        }
        case '/api/history/minutes': {
          const q = readQuery(url, MinutesQuery);
          if ('error' in q) return json(res, 400, { error: q.error }), true;
          void run(res, () => reader.minutes(q.data), (rows) => ({ step: q.data.step, by: q.data.by, rows, limit: q.data.limit }));
          return true;
        }
        case '/api/history/cascades': {
          const q = readQuery(url, CascadesQuery);
          if ('error' in q) return json(res, 400, { error: q.error }), true;
          void run(res, () => reader.cascades(q.data), (rows) => ({
            cascades: rows.map((r) => ({ ...r, byVenue: JSON.parse(String(r.byVenue)) as unknown })),
          }));
          return true;
        }
        default:
          return false;
      }
    },

    close(): Promise<void> | void {
      return reader.close();
    },
  };
}

export type HistoryApi = ReturnType<typeof historyApi>;

/** The history endpoints over the configured store (DuckDB or the PostgreSQL client is loaded here). */
export async function openHistoryApi(store: StoreConfig, log: Logger, registry?: Registry): Promise<HistoryApi> {
  if (store.kind === 'questdb') return historyApi(new (await import('../sinks/questdb/history.js')).QuestDbHistory(store.questdb, log), log, registry);
  const [{ StoreReader }, { DuckDbHistory }] = await Promise.all([import('../sinks/store/reader.js'), import('../sinks/store/history.js')]);
  return historyApi(new DuckDbHistory(await StoreReader.open(store.dir, { log, threads: store.threads, memoryLimit: store.memoryLimit })), log, registry);
}
