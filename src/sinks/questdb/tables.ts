import type { Sender } from '@questdb/nodejs-client';
import type { MinuteBucket } from '../../aggregate/minute-series.js';
import { toUnits } from '../../aggregate/fixed-point.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import type { GapEvent, LiquidationEvent, OnchainLiquidation, OpenInterestEvent, RetractionEvent } from '../../schema/events.js';
import type { TableName } from '../store/tables.js';

/**
 * The store's tables in QuestDB: the columns of the Parquet store (src/sinks/store/tables.ts), with
 * two differences QuestDB 9.0 imposes. It has no DECIMAL, so exact USD sums are LONG columns in
 * 1/10,000 USD (`usd_e4`, `long_usd_e4`, `short_usd_e4`: the aggregator's own units, toUnits), and the
 * partition (venue, day) is a column and `PARTITION BY DAY`. Every table is a WAL table with
 * `DEDUP UPSERT KEYS`: the Parquet store's key plus the designated timestamp (which QuestDB requires
 * in the key; it is a function of the key anyway), so a row sent twice (a retried request, a Kafka
 * redelivery, a restart that re-reads, an import run again) is stored once.
 */
export const QUESTDB_DDL: Record<TableName, string> = {
  liquidations: `CREATE TABLE IF NOT EXISTS liquidations (venue SYMBOL, id VARCHAR, kind SYMBOL, fidelity SYMBOL, symbol SYMBOL, base SYMBOL, side SYMBOL,
    price DOUBLE, qty DOUBLE, usd_e4 LONG, event_time TIMESTAMP, receive_time TIMESTAMP, source VARCHAR, notional_usd DOUBLE)
    TIMESTAMP(event_time) PARTITION BY DAY WAL DEDUP UPSERT KEYS(event_time, venue, id)`,
  open_interest: `CREATE TABLE IF NOT EXISTS open_interest (venue SYMBOL, symbol SYMBOL, base SYMBOL, oi_base DOUBLE, oi_usd DOUBLE, mark_price DOUBLE,
    event_time TIMESTAMP, receive_time TIMESTAMP, source VARCHAR)
    TIMESTAMP(event_time) PARTITION BY DAY WAL DEDUP UPSERT KEYS(event_time, venue, symbol)`,
  gaps: `CREATE TABLE IF NOT EXISTS gaps (venue SYMBOL, from_time TIMESTAMP, to_time TIMESTAMP, reason VARCHAR)
    TIMESTAMP(from_time) PARTITION BY DAY WAL DEDUP UPSERT KEYS(from_time, venue, to_time, reason)`,
  minutes: `CREATE TABLE IF NOT EXISTS minutes (venue SYMBOL, minute TIMESTAMP, long_usd_e4 LONG, short_usd_e4 LONG, count INT, fidelity SYMBOL, oi_usd DOUBLE)
    TIMESTAMP(minute) PARTITION BY DAY WAL DEDUP UPSERT KEYS(minute, venue)`,
  cascades: `CREATE TABLE IF NOT EXISTS cascades (venue SYMBOL, id VARCHAR, start_time TIMESTAMP, end_time TIMESTAMP, peak_minute TIMESTAMP,
    peak_minute_usd DOUBLE, total_usd DOUBLE, lower_bound BOOLEAN, long_share DOUBLE, oi_drawdown_usd DOUBLE, oi_drawdown_pct DOUBLE,
    led_by SYMBOL, baseline_usd DOUBLE, by_venue VARCHAR)
    TIMESTAMP(start_time) PARTITION BY DAY WAL DEDUP UPSERT KEYS(start_time, id)`,
  // On-chain detail per liquidation id and retracted liquidations, as in the Parquet store (src/sinks/store/tables.ts).
  onchain: `CREATE TABLE IF NOT EXISTS onchain (venue SYMBOL, id VARCHAR, chain SYMBOL, tx_hash VARCHAR, log_index INT, block_number LONG, block_hash VARCHAR,
    collateral_asset SYMBOL, collateral_token VARCHAR, collateral_amount DOUBLE, collateral_usd DOUBLE, debt_asset SYMBOL, debt_token VARCHAR,
    debt_amount DOUBLE, debt_usd DOUBLE, provisional BOOLEAN, event_time TIMESTAMP)
    TIMESTAMP(event_time) PARTITION BY DAY WAL DEDUP UPSERT KEYS(event_time, id)`,
  retractions: `CREATE TABLE IF NOT EXISTS retractions (venue SYMBOL, id VARCHAR, reason SYMBOL, usd_e4 LONG, event_time TIMESTAMP, receive_time TIMESTAMP)
    TIMESTAMP(event_time) PARTITION BY DAY WAL DEDUP UPSERT KEYS(event_time, id)`,
};

/** One row waiting to be sent: its table, its designated time (ms, for what a drop loses) and how it is written. */
export interface QueuedRow {
  table: TableName;
  time: number;
  write(s: Sender): Promise<void>;
}

const opt = (s: Sender, write: (s: Sender) => void, v: unknown): void => {
  // An absent column is NULL in ILP.
  if (v !== null && v !== undefined) write(s);
};

export const liquidationRow = (e: LiquidationEvent): QueuedRow => ({
  table: 'liquidations',
  time: e.eventTime,
  write: (s) =>
    s
      .table('liquidations')
      .symbol('venue', e.venue)
      .symbol('kind', e.kind)
      .symbol('fidelity', e.fidelity)
      .symbol('symbol', e.symbol)
      .symbol('base', e.base)
      .symbol('side', e.side)
      .stringColumn('id', e.id)
      .floatColumn('price', e.price)
      .floatColumn('qty', e.qty)
      // The aggregator's rounding (toUnits), so the store's sums equal the report's.
      .intColumn('usd_e4', toUnits(e.notionalUsd))
      .timestampColumn('receive_time', e.receiveTime, 'ms')
      .stringColumn('source', e.source)
      .floatColumn('notional_usd', e.notionalUsd)
      .at(e.eventTime, 'ms'),
});

export const openInterestRow = (e: OpenInterestEvent): QueuedRow => ({
  table: 'open_interest',
  time: e.eventTime,
  write: (s) =>
    s
      .table('open_interest')
      .symbol('venue', e.venue)
      .symbol('symbol', e.symbol)
      .symbol('base', e.base)
      .floatColumn('oi_base', e.oiBase)
      .floatColumn('oi_usd', e.oiUsd)
      .floatColumn('mark_price', e.markPrice)
      .timestampColumn('receive_time', e.receiveTime, 'ms')
      .stringColumn('source', e.source)
      .at(e.eventTime, 'ms'),
});

export const gapRow = (e: GapEvent): QueuedRow => ({
  table: 'gaps',
  time: e.from,
  write: (s) => s.table('gaps').symbol('venue', e.venue).timestampColumn('to_time', e.to, 'ms').stringColumn('reason', e.reason).at(e.from, 'ms'),
});

export const onchainRow = (e: LiquidationEvent & { onchain: OnchainLiquidation }): QueuedRow => ({
  table: 'onchain',
  time: e.eventTime,
  write: (s) => {
    const o = e.onchain;
    const row = s
      .table('onchain')
      .symbol('venue', e.venue)
      .symbol('chain', o.chain)
      .symbol('collateral_asset', o.collateralAsset)
      .symbol('debt_asset', o.debtAsset)
      .stringColumn('id', e.id)
      .stringColumn('tx_hash', o.txHash)
      .intColumn('log_index', o.logIndex)
      .intColumn('block_number', o.blockNumber)
      .stringColumn('collateral_token', o.collateralToken)
      .floatColumn('collateral_amount', o.collateralAmount)
      .floatColumn('collateral_usd', o.collateralUsd)
      .stringColumn('debt_token', o.debtToken)
      .floatColumn('debt_amount', o.debtAmount)
      .floatColumn('debt_usd', o.debtUsd)
      .booleanColumn('provisional', o.provisional);
    // A Solana event names no block hash (its slot names the block): the column stays null.
    return (o.blockHash === undefined ? row : row.stringColumn('block_hash', o.blockHash)).at(e.eventTime, 'ms');
  },
});

export const retractionRow = (e: RetractionEvent): QueuedRow => ({
  table: 'retractions',
  time: e.event.eventTime,
  write: (s) =>
    s
      .table('retractions')
      .symbol('venue', e.venue)
      .symbol('reason', e.reason)
      .stringColumn('id', e.id)
      .intColumn('usd_e4', toUnits(e.event.notionalUsd))
      .timestampColumn('receive_time', e.receiveTime, 'ms')
      .at(e.event.eventTime, 'ms'),
});

/** Rows of one closed minute: each venue with data, and `all` (the sum, and the all-venue open interest). */
export function minuteRows(m: MinuteBucket, oiUsd: number | undefined): QueuedRow[] {
  const row = (venue: string, long: number, short: number, count: number, fidelity: string | undefined, oi: number | undefined): QueuedRow => ({
    table: 'minutes',
    time: m.minute,
    write: (s) => {
      s.table('minutes').symbol('venue', venue);
      opt(s, () => s.symbol('fidelity', fidelity!), fidelity);
      s.intColumn('long_usd_e4', long).intColumn('short_usd_e4', short).intColumn('count', count);
      opt(s, () => s.floatColumn('oi_usd', oi!), oi);
      return s.at(m.minute, 'ms');
    },
  });
  const rows: QueuedRow[] = [];
  let long = 0;
  let short = 0;
  for (const [venue, v] of Object.entries(m.byVenue)) {
    rows.push(row(venue, v.long, v.short, v.count, v.fidelity, undefined));
    long += v.long;
    short += v.short;
  }
  rows.push(row('all', long, short, m.count, undefined, oiUsd));
  return rows;
}

export const cascadeRow = (c: Omit<CascadeSignal, 'type' | 'phase'>): QueuedRow => ({
  table: 'cascades',
  time: c.start,
  write: (s) => {
    s.table('cascades').symbol('venue', 'all');
    opt(s, () => s.symbol('led_by', c.ledBy!), c.ledBy);
    s.stringColumn('id', c.id);
    opt(s, () => s.timestampColumn('end_time', c.end!, 'ms'), c.end);
    s.timestampColumn('peak_minute', c.peakMinute, 'ms').floatColumn('peak_minute_usd', c.peakMinuteUsd).floatColumn('total_usd', c.totalUsd);
    s.booleanColumn('lower_bound', c.lowerBound).floatColumn('long_share', c.longShare);
    opt(s, () => s.floatColumn('oi_drawdown_usd', c.oiDrawdownUsd!), c.oiDrawdownUsd);
    opt(s, () => s.floatColumn('oi_drawdown_pct', c.oiDrawdownPct!), c.oiDrawdownPct);
    s.floatColumn('baseline_usd', c.baselineUsd).stringColumn('by_venue', JSON.stringify(c.byVenue));
    return s.at(c.start, 'ms');
  },
});
