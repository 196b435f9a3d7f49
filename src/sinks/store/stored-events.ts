import { eventTimeOf, type GapEvent, type LiquidationEvent, type NormalizedEvent, type OpenInterestEvent } from '../../schema/events.js';
import type { DuckDBValue } from '@duckdb/node-api';
import type { Scope, StoreReader } from './reader.js';
import type { TableName } from './tables.js';

/** One event as the store keeps it, with the receive time a replay would have read it at. */
export interface StoredEvent {
  recv: number;
  event: NormalizedEvent;
}

const HOUR = 3_600_000;

// With its on-chain detail when it has one (issue 20); a retracted liquidation is left out, as the aggregator would.
const LIQUIDATIONS_SQL = `SELECT l.venue, l.id, kind, fidelity, symbol, base, side, price, qty, notional_usd,
  CAST(epoch_ms(l.event_time) AS DOUBLE) AS event_ms, CAST(epoch_ms(receive_time) AS DOUBLE) AS receive_ms, source,
  o.chain, o.tx_hash, o.log_index, CAST(o.block_number AS DOUBLE) AS block_number, o.block_hash, o.collateral_asset, o.collateral_token,
  o.collateral_amount, o.collateral_usd, o.debt_asset, o.debt_token, o.debt_amount, o.debt_usd, o.provisional
  FROM liquidations l LEFT JOIN onchain o ON o.venue = l.venue AND o.id = l.id
  WHERE l.event_time >= epoch_ms($1::BIGINT) AND l.event_time < epoch_ms($2::BIGINT)
  AND receive_time >= epoch_ms($3::BIGINT) AND receive_time < epoch_ms($4::BIGINT) AND l.id NOT IN (SELECT id FROM retractions)`;

const OPEN_INTEREST_SQL = `SELECT venue, symbol, base, oi_base, oi_usd, mark_price,
  CAST(epoch_ms(event_time) AS DOUBLE) AS event_ms, CAST(epoch_ms(receive_time) AS DOUBLE) AS receive_ms, source
  FROM open_interest WHERE event_time >= epoch_ms($1::BIGINT) AND event_time < epoch_ms($2::BIGINT)
  AND receive_time >= epoch_ms($3::BIGINT) AND receive_time < epoch_ms($4::BIGINT)`;

// Every gap that overlaps the range, whenever it ended: a replay applies the manifests' gaps that end after it stops
// reading once it has stopped (replay.ts, gapsUntil(Infinity)); here they are read at the last receive time, since
// the replay that reads these events stops at the first one received after it.
const GAPS_SQL = `SELECT venue, CAST(epoch_ms(from_time) AS DOUBLE) AS from_ms, CAST(epoch_ms(to_time) AS DOUBLE) AS to_ms, reason
  FROM gaps WHERE to_time > epoch_ms($1::BIGINT) AND from_time < epoch_ms($2::BIGINT)`;

/** The first receive time at or after $3 of a row with event time in [$1, $2). */
const NEXT_RECEIVE_SQL = `SELECT CAST(min(r) AS DOUBLE) AS first FROM (
  SELECT min(epoch_ms(receive_time)) AS r FROM liquidations WHERE event_time >= epoch_ms($1::BIGINT) AND event_time < epoch_ms($2::BIGINT) AND receive_time >= epoch_ms($3::BIGINT)
  UNION ALL SELECT min(epoch_ms(receive_time)) FROM open_interest WHERE event_time >= epoch_ms($1::BIGINT) AND event_time < epoch_ms($2::BIGINT) AND receive_time >= epoch_ms($3::BIGINT))`;

type Row = Record<string, unknown>;

const liquidation = (r: Row): LiquidationEvent => ({
  type: 'liquidation',
  id: String(r.id),
  venue: String(r.venue),
  symbol: String(r.symbol),
  base: String(r.base),
  side: r.side as LiquidationEvent['side'],
  price: Number(r.price),
  qty: Number(r.qty),
  notionalUsd: Number(r.notional_usd),
  eventTime: Number(r.event_ms),
  receiveTime: Number(r.receive_ms),
  fidelity: r.fidelity as LiquidationEvent['fidelity'],
  kind: r.kind as LiquidationEvent['kind'],
  source: String(r.source),
  ...(r.chain === null || r.chain === undefined
    ? {}
    : {
        onchain: {
          chain: String(r.chain),
          txHash: String(r.tx_hash),
          logIndex: Number(r.log_index),
          blockNumber: Number(r.block_number),
          ...(r.block_hash === null || r.block_hash === undefined ? {} : { blockHash: String(r.block_hash) }),
          collateralAsset: String(r.collateral_asset),
          collateralToken: String(r.collateral_token),
          collateralAmount: Number(r.collateral_amount),
          collateralUsd: Number(r.collateral_usd),
          debtAsset: String(r.debt_asset),
          debtToken: String(r.debt_token),
          debtAmount: Number(r.debt_amount),
          debtUsd: Number(r.debt_usd),
          provisional: Boolean(r.provisional),
        },
      }),
});

const openInterest = (r: Row): OpenInterestEvent => ({
  type: 'open_interest',
  venue: String(r.venue),
  symbol: String(r.symbol),
  base: String(r.base),
  oiBase: Number(r.oi_base),
  oiUsd: Number(r.oi_usd),
  markPrice: Number(r.mark_price),
  eventTime: Number(r.event_ms),
  receiveTime: Number(r.receive_ms),
  source: String(r.source),
});

const gap = (r: Row): GapEvent => ({ type: 'gap', venue: String(r.venue), from: Number(r.from_ms), to: Number(r.to_ms), reason: String(r.reason) });

/** A total order: receive time as a replay reads frames, then event time, then what identifies a row. */
const key = (s: StoredEvent): string => {
  const e = s.event;
  switch (e.type) {
    case 'liquidation':
      return `1|${e.venue}|${e.id}`;
    case 'open_interest':
      return `0|${e.venue}|${e.symbol}`;
    case 'gap':
      return `2|${e.venue}|${e.from}|${e.to}|${e.reason}`;
    case 'funding':
      return `3|${e.venue}|${e.symbol}`;
    case 'retraction':
      return `4|${e.venue}|${e.id}`;
  }
};
const time = eventTimeOf;
const byReceive = (a: StoredEvent, b: StoredEvent): number => a.recv - b.recv || time(a.event) - time(b.event) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The stored liquidations and open-interest samples with event time in [from, to), and the gaps that
 * overlap it, in receive-time order (a gap at its end, when its connection was back), read an hour
 * of receive time at a time so a long range is never held in memory at once. Only what a replay of
 * the range reads: receive time up to `lastReceive` (a replay stops reading there).
 */
export async function* storedEvents(
  reader: StoreReader,
  from: number,
  to: number,
  lastReceive: number,
  counts: { liquidations: number; openInterest: number; gaps: number },
  /** Called with the files of the tables read that the store left out (not readable as theirs), when there are any. */
  leftOut?: (files: number) => void,
): AsyncGenerator<StoredEvent> {
  const scope = { from, to };
  /** `sql` over the partitions of `over`; files left out of `tables` (the ones it reads) are reported. */
  const query = async (sql: string, params: DuckDBValue[], over: Scope, tables: TableName[]) => {
    const r = await reader.query(sql, params, { scope: over });
    const files = tables.reduce((n, t) => n + (r.leftOut[t] ?? 0), 0);
    if (files > 0) leftOut?.(files);
    return r;
  };
  const gaps = (await query(GAPS_SQL, [from, to], { to }, ['gaps'])).rows.map((r) => ({ recv: Math.min(Number(r.to_ms), lastReceive), event: gap(r) })).sort(byReceive);
  counts.gaps = gaps.length;
  // Hours in which nothing was received are skipped: one row received far before the range (a recorder whose clock
  // read 1970 at boot) made this step through every hour since, two queries each, for hours.
  const nextReceive = async (after: number): Promise<number | undefined> => {
    const next = (await query(NEXT_RECEIVE_SQL, [from, to, after], scope, ['liquidations', 'open_interest'])).rows[0]?.first;
    return next === null || next === undefined ? undefined : Number(next);
  };
  let g = 0;
  for (let start = await nextReceive(0); start !== undefined && start <= lastReceive; ) {
    const end = Math.min(start + HOUR, lastReceive + 1);
    const [liqs, ois] = await Promise.all([query(LIQUIDATIONS_SQL, [from, to, start, end], scope, ['liquidations', 'onchain', 'retractions']), query(OPEN_INTEREST_SQL, [from, to, start, end], scope, ['open_interest'])]);
    counts.liquidations += liqs.rows.length;
    counts.openInterest += ois.rows.length;
    const chunk: StoredEvent[] = [...liqs.rows.map((r) => ({ recv: Number(r.receive_ms), event: liquidation(r) })), ...ois.rows.map((r) => ({ recv: Number(r.receive_ms), event: openInterest(r) }))];
    for (; g < gaps.length && gaps[g]!.recv < end; g++) chunk.push(gaps[g]!);
    chunk.sort(byReceive);
    yield* chunk;
    start = liqs.rows.length + ois.rows.length > 0 ? end : await nextReceive(end);
  }
  for (; g < gaps.length; g++) yield gaps[g]!;
}
