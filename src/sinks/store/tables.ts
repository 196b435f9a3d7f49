import { z } from 'zod';
import type { MinuteBucket } from '../../aggregate/minute-series.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import { toUnits, USD_SCALE } from '../../aggregate/fixed-point.js';
import type { GapEvent, LiquidationEvent, OpenInterestEvent, OnchainLiquidation, RetractionEvent } from '../../schema/events.js';
import { LOGICAL_TYPE, type BufferColumn, type ColumnRows } from './columns.js';

/**
 * The store's tables. Each is a Parquet dataset under `table=<name>/venue=<venue>/day=<YYYY-MM-DD>/`
 * (hive layout: the venue and day columns live in the path, not in the files). A row is kept once
 * per key within its venue and day: writing it again (a re-import, a Kafka redelivery) adds nothing.
 */
export const TABLE_NAMES = ['liquidations', 'open_interest', 'gaps', 'minutes', 'cascades', 'onchain', 'retractions'] as const;
export const TableName = z.enum(TABLE_NAMES);
export type TableName = z.infer<typeof TableName>;

export interface TableSpec {
  /** Columns of the in-memory buffer, in write order (columns.ts says how each kind is fed and decoded). */
  buffer: readonly BufferColumn[];
  /** Decoded buffer → file columns; `venue` and `day` (the partition) must be among them. */
  select: string;
  /** What identifies a row within its venue and day. */
  key: string[];
  /** The file column a compacted file's rows are sorted by (a commit writes them in arrival order). */
  time: string;
}

const ts = (ms: string) => `epoch_ms(${ms})`;

export const TABLES: Record<TableName, TableSpec> = {
  liquidations: {
    buffer: [
      ['venue', 'code'], ['id', 'text'], ['kind', 'code'], ['fidelity', 'code'], ['symbol', 'code'], ['base', 'code'],
      ['side', 'code'], ['price', 'double'], ['qty', 'double'], ['usd', 'units'], ['event_ms', 'ms'], ['receive_ms', 'ms'], ['source', 'code'],
      // The event's notional exactly as it was counted (usd is it in 1/10,000 USD): `liqstream report` shows it as a replay does.
      ['notional_usd', 'double'],
    ],
    select: `id, kind, fidelity, symbol, base, side, price, qty, usd, ${ts('event_ms')} AS event_time, ${ts('receive_ms')} AS receive_time, source, notional_usd, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'event_time',
  },
  open_interest: {
    buffer: [
      ['venue', 'code'], ['symbol', 'code'], ['base', 'code'], ['oi_base', 'double'], ['oi_usd', 'double'], ['mark_price', 'double'],
      ['event_ms', 'ms'], ['receive_ms', 'ms'], ['source', 'code'],
    ],
    select: `symbol, base, oi_base, oi_usd, mark_price, ${ts('event_ms')} AS event_time, ${ts('receive_ms')} AS receive_time, source, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['symbol', 'event_time'],
    time: 'event_time',
  },
  gaps: {
    buffer: [['venue', 'code'], ['from_ms', 'ms'], ['to_ms', 'ms'], ['reason', 'text']],
    select: `${ts('from_ms')} AS from_time, ${ts('to_ms')} AS to_time, reason, venue, CAST(${ts('from_ms')} AS DATE) AS day`,
    key: ['from_time', 'to_time', 'reason'],
    time: 'from_time',
  },
  minutes: {
    // One row per venue with liquidations in the minute, and one for venue `all` (the sum, and the
    // all-venue open interest at the minute's end).
    buffer: [['venue', 'code'], ['minute_ms', 'ms'], ['long_usd', 'units'], ['short_usd', 'units'], ['count', 'int'], ['fidelity', 'code'], ['oi_usd', 'double']],
    select: `${ts('minute_ms')} AS minute, long_usd, short_usd, count, fidelity, oi_usd, venue, CAST(${ts('minute_ms')} AS DATE) AS day`,
    key: ['minute'],
    time: 'minute',
  },
  cascades: {
    buffer: [
      ['venue', 'code'], ['id', 'text'], ['start_ms', 'ms'], ['end_ms', 'ms'], ['peak_minute_ms', 'ms'], ['peak_minute_usd', 'double'], ['total_usd', 'double'],
      ['lower_bound', 'bool'], ['long_share', 'double'], ['oi_drawdown_usd', 'double'], ['oi_drawdown_pct', 'double'], ['led_by', 'text'], ['baseline_usd', 'double'], ['by_venue', 'text'],
    ],
    select: `id, ${ts('start_ms')} AS start_time, ${ts('end_ms')} AS end_time, ${ts('peak_minute_ms')} AS peak_minute, peak_minute_usd, total_usd, lower_bound, long_share, oi_drawdown_usd, oi_drawdown_pct, led_by, baseline_usd, by_venue, venue, CAST(${ts('start_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'start_time',
  },
  // On-chain detail of a lending liquidation (issue 20), one row per liquidations row with `onchain`, same id, venue
  // and day: a table of its own so that the liquidations table's files keep their columns (a file whose columns
  // differ is quarantined, dataset.ts fileProblem) and perps rows carry no empty columns.
  onchain: {
    // block_number travels as an 'ms' column: a whole number below 2^53 cast to BIGINT, as times are.
    buffer: [
      ['venue', 'code'], ['id', 'text'], ['chain', 'code'], ['tx_hash', 'text'], ['log_index', 'int'], ['block_number', 'ms'], ['block_hash', 'text'],
      ['collateral_asset', 'code'], ['collateral_token', 'text'], ['collateral_amount', 'double'], ['collateral_usd', 'double'],
      ['debt_asset', 'code'], ['debt_token', 'text'], ['debt_amount', 'double'], ['debt_usd', 'double'], ['provisional', 'bool'], ['event_ms', 'ms'],
    ],
    select: `id, chain, tx_hash, log_index, block_number, block_hash, collateral_asset, collateral_token, collateral_amount, collateral_usd, debt_asset, debt_token, debt_amount, debt_usd, provisional, ${ts('event_ms')} AS event_time, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'event_time',
  },
  // Retracted liquidations (a reorg orphaned their block): history queries leave out every liquidations row whose
  // id is here. Partitioned by the retracted event's venue and day, so a query's partitions hold both.
  retractions: {
    buffer: [['venue', 'code'], ['id', 'text'], ['reason', 'code'], ['usd', 'units'], ['event_ms', 'ms'], ['receive_ms', 'ms']],
    select: `id, reason, usd, ${ts('event_ms')} AS event_time, ${ts('receive_ms')} AS receive_time, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'event_time',
  },
};

/** 1/10,000 USD units as exact decimal text, the way DuckDB prints a DECIMAL(18,4) (rows carry units as numbers: columns.ts). */
export function unitsText(units: number): string {
  const sign = units < 0 ? '-' : '';
  const a = Math.abs(units);
  return `${sign}${Math.floor(a / USD_SCALE)}.${String(a % USD_SCALE).padStart(4, '0')}`;
}

export function writeLiquidation(r: ColumnRows, e: LiquidationEvent): void {
  r.code(e.venue);
  r.text(e.id);
  r.code(e.kind);
  r.code(e.fidelity);
  r.code(e.symbol);
  r.code(e.base);
  r.code(e.side);
  r.num(e.price);
  r.num(e.qty);
  // The same rounding as the aggregator's sums (toUnits), so the store's sums equal the report's.
  r.num(toUnits(e.notionalUsd));
  r.num(e.eventTime);
  r.num(e.receiveTime);
  r.code(e.source);
  r.num(e.notionalUsd);
  r.end();
}

export function writeOpenInterest(r: ColumnRows, e: OpenInterestEvent): void {
  r.putCode(e.venue);
  r.putCode(e.symbol);
  r.putCode(e.base);
  r.put(e.oiBase);
  r.put(e.oiUsd);
  r.put(e.markPrice);
  r.put(e.eventTime);
  r.put(e.receiveTime);
  r.putCode(e.source);
  r.end();
}

export function writeGap(r: ColumnRows, e: GapEvent): void {
  r.putCode(e.venue);
  r.put(e.from);
  r.put(e.to);
  r.put(e.reason);
  r.end();
}

/** Rows of one closed minute: each venue with data, and `all`. Returns the number of rows. */
export function writeMinute(r: ColumnRows, m: MinuteBucket, oiUsd: number | undefined): void {
  const row = (venue: string, long: number, short: number, count: number, fidelity: string | undefined, oi: number | undefined) => {
    r.putCode(venue);
    r.put(m.minute);
    r.put(long);
    r.put(short);
    r.put(count);
    r.putCode(fidelity);
    r.put(oi);
    r.end();
  };
  let long = 0;
  let short = 0;
  for (const [venue, v] of Object.entries(m.byVenue)) {
    row(venue, v.long, v.short, v.count, v.fidelity, undefined);
    long += v.long;
    short += v.short;
  }
  row('all', long, short, m.count, undefined, oiUsd);
}

export function writeCascade(r: ColumnRows, c: Omit<CascadeSignal, 'type' | 'phase'>): void {
  r.putCode('all');
  r.put(c.id);
  r.put(c.start);
  r.put(c.end);
  r.put(c.peakMinute);
  r.put(c.peakMinuteUsd);
  r.put(c.totalUsd);
  r.put(c.lowerBound);
  r.put(c.longShare);
  r.put(c.oiDrawdownUsd);
  r.put(c.oiDrawdownPct);
  r.put(c.ledBy);
  r.put(c.baselineUsd);
  r.put(JSON.stringify(c.byVenue));
  r.end();
}

export function writeOnchain(r: ColumnRows, e: LiquidationEvent & { onchain: OnchainLiquidation }): void {
  const o = e.onchain;
  r.putCode(e.venue);
  r.put(e.id);
  r.putCode(o.chain);
  r.put(o.txHash);
  r.put(o.logIndex);
  r.put(o.blockNumber);
  r.put(o.blockHash);
  r.putCode(o.collateralAsset);
  r.put(o.collateralToken);
  r.put(o.collateralAmount);
  r.put(o.collateralUsd);
  r.putCode(o.debtAsset);
  r.put(o.debtToken);
  r.put(o.debtAmount);
  r.put(o.debtUsd);
  r.put(o.provisional);
  r.put(e.eventTime);
  r.end();
}

export function writeRetraction(r: ColumnRows, e: RetractionEvent): void {
  r.putCode(e.event.venue);
  r.put(e.id);
  r.putCode(e.reason);
  r.put(toUnits(e.event.notionalUsd));
  r.put(e.event.eventTime);
  r.put(e.receiveTime);
  r.end();
}

/** Empty typed relation with a table's file columns plus venue and day, for a table with no files yet. */
export function emptySelect(name: TableName): string {
  const spec = TABLES[name];
  const bufferCols = spec.buffer.map(([n, kind]) => `NULL::${LOGICAL_TYPE[kind]} AS ${n}`).join(', ');
  return `SELECT ${spec.select} FROM (SELECT ${bufferCols}) WHERE false`;
}
