import type { DuckDBAppender } from '@duckdb/node-api';
import { z } from 'zod';
import type { MinuteBucket } from '../../aggregate/minute-series.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import { toUnits, USD_SCALE } from '../../aggregate/fixed-point.js';
import type { GapEvent, LiquidationEvent, OpenInterestEvent, OnchainLiquidation, RetractionEvent } from '../../schema/events.js';

/**
 * The store's tables. Each is a Parquet dataset under `table=<name>/venue=<venue>/day=<YYYY-MM-DD>/`
 * (hive layout: the venue and day columns live in the path, not in the files). A row is kept once
 * per key within its venue and day: writing it again (a re-import, a Kafka redelivery) adds nothing.
 */
export const TABLE_NAMES = ['liquidations', 'open_interest', 'gaps', 'minutes', 'cascades', 'onchain', 'retractions'] as const;
export const TableName = z.enum(TABLE_NAMES);
export type TableName = z.infer<typeof TableName>;

export interface TableSpec {
  /** Columns of the in-memory buffer, in appender order (times as ms since the epoch). */
  buffer: [name: string, type: string][];
  /** Buffer → file columns; `venue` and `day` (the partition) must be among them. */
  select: string;
  /** What identifies a row within its venue and day. */
  key: string[];
  /** The file column rows are sorted by. */
  time: string;
}

const ts = (ms: string) => `epoch_ms(${ms})`;

export const TABLES: Record<TableName, TableSpec> = {
  liquidations: {
    buffer: [
      ['venue', 'VARCHAR'], ['id', 'VARCHAR'], ['kind', 'VARCHAR'], ['fidelity', 'VARCHAR'], ['symbol', 'VARCHAR'], ['base', 'VARCHAR'],
      ['side', 'VARCHAR'], ['price', 'DOUBLE'], ['qty', 'DOUBLE'], ['usd', 'DECIMAL(18,4)'], ['event_ms', 'BIGINT'], ['receive_ms', 'BIGINT'], ['source', 'VARCHAR'],
      // The event's notional exactly as it was counted (usd is it in 1/10,000 USD): `liqstream report` shows it as a replay does.
      ['notional_usd', 'DOUBLE'],
    ],
    select: `id, kind, fidelity, symbol, base, side, price, qty, usd, ${ts('event_ms')} AS event_time, ${ts('receive_ms')} AS receive_time, source, notional_usd, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'event_time',
  },
  open_interest: {
    buffer: [
      ['venue', 'VARCHAR'], ['symbol', 'VARCHAR'], ['base', 'VARCHAR'], ['oi_base', 'DOUBLE'], ['oi_usd', 'DOUBLE'], ['mark_price', 'DOUBLE'],
      ['event_ms', 'BIGINT'], ['receive_ms', 'BIGINT'], ['source', 'VARCHAR'],
    ],
    select: `symbol, base, oi_base, oi_usd, mark_price, ${ts('event_ms')} AS event_time, ${ts('receive_ms')} AS receive_time, source, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['symbol', 'event_time'],
    time: 'event_time',
  },
  gaps: {
    buffer: [['venue', 'VARCHAR'], ['from_ms', 'BIGINT'], ['to_ms', 'BIGINT'], ['reason', 'VARCHAR']],
    select: `${ts('from_ms')} AS from_time, ${ts('to_ms')} AS to_time, reason, venue, CAST(${ts('from_ms')} AS DATE) AS day`,
    key: ['from_time', 'to_time', 'reason'],
    time: 'from_time',
  },
  minutes: {
    // One row per venue with liquidations in the minute, and one for venue `all` (the sum, and the
    // all-venue open interest at the minute's end).
    buffer: [['venue', 'VARCHAR'], ['minute_ms', 'BIGINT'], ['long_usd', 'DECIMAL(18,4)'], ['short_usd', 'DECIMAL(18,4)'], ['count', 'INTEGER'], ['fidelity', 'VARCHAR'], ['oi_usd', 'DOUBLE']],
    select: `${ts('minute_ms')} AS minute, long_usd, short_usd, count, fidelity, oi_usd, venue, CAST(${ts('minute_ms')} AS DATE) AS day`,
    key: ['minute'],
    time: 'minute',
  },
  cascades: {
    buffer: [
      ['venue', 'VARCHAR'], ['id', 'VARCHAR'], ['start_ms', 'BIGINT'], ['end_ms', 'BIGINT'], ['peak_minute_ms', 'BIGINT'], ['peak_minute_usd', 'DOUBLE'], ['total_usd', 'DOUBLE'],
      ['lower_bound', 'BOOLEAN'], ['long_share', 'DOUBLE'], ['oi_drawdown_usd', 'DOUBLE'], ['oi_drawdown_pct', 'DOUBLE'], ['led_by', 'VARCHAR'], ['baseline_usd', 'DOUBLE'], ['by_venue', 'VARCHAR'],
    ],
    select: `id, ${ts('start_ms')} AS start_time, ${ts('end_ms')} AS end_time, ${ts('peak_minute_ms')} AS peak_minute, peak_minute_usd, total_usd, lower_bound, long_share, oi_drawdown_usd, oi_drawdown_pct, led_by, baseline_usd, by_venue, venue, CAST(${ts('start_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'start_time',
  },
  // On-chain detail of a lending liquidation (issue 20), one row per liquidations row with `onchain`, same id, venue
  // and day: a table of its own so that the liquidations table's files keep their columns (a file whose columns
  // differ is quarantined, dataset.ts fileProblem) and perps rows carry no empty columns.
  onchain: {
    buffer: [
      ['venue', 'VARCHAR'], ['id', 'VARCHAR'], ['chain', 'VARCHAR'], ['tx_hash', 'VARCHAR'], ['log_index', 'INTEGER'], ['block_number', 'BIGINT'], ['block_hash', 'VARCHAR'],
      ['collateral_asset', 'VARCHAR'], ['collateral_token', 'VARCHAR'], ['collateral_amount', 'DOUBLE'], ['collateral_usd', 'DOUBLE'],
      ['debt_asset', 'VARCHAR'], ['debt_token', 'VARCHAR'], ['debt_amount', 'DOUBLE'], ['debt_usd', 'DOUBLE'], ['provisional', 'BOOLEAN'], ['event_ms', 'BIGINT'],
    ],
    select: `id, chain, tx_hash, log_index, block_number, block_hash, collateral_asset, collateral_token, collateral_amount, collateral_usd, debt_asset, debt_token, debt_amount, debt_usd, provisional, ${ts('event_ms')} AS event_time, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'event_time',
  },
  // Retracted liquidations (a reorg orphaned their block): history queries leave out every liquidations row whose
  // id is here. Partitioned by the retracted event's venue and day, so a query's partitions hold both.
  retractions: {
    buffer: [['venue', 'VARCHAR'], ['id', 'VARCHAR'], ['reason', 'VARCHAR'], ['usd', 'DECIMAL(18,4)'], ['event_ms', 'BIGINT'], ['receive_ms', 'BIGINT']],
    select: `id, reason, usd, ${ts('event_ms')} AS event_time, ${ts('receive_ms')} AS receive_time, venue, CAST(${ts('event_ms')} AS DATE) AS day`,
    key: ['id'],
    time: 'event_time',
  },
};

/** 1/10,000 USD units as an exact decimal text (the appender casts it to DECIMAL(18,4) without a float step). */
export function unitsText(units: number): string {
  const sign = units < 0 ? '-' : '';
  const a = Math.abs(units);
  return `${sign}${Math.floor(a / USD_SCALE)}.${String(a % USD_SCALE).padStart(4, '0')}`;
}

const nullable = (a: DuckDBAppender, v: number | string | null | undefined, append: (v: never) => void): void => {
  if (v === null || v === undefined) a.appendNull();
  else append(v as never);
};

export function appendLiquidation(a: DuckDBAppender, e: LiquidationEvent): void {
  a.appendVarchar(e.venue);
  a.appendVarchar(e.id);
  a.appendVarchar(e.kind);
  a.appendVarchar(e.fidelity);
  a.appendVarchar(e.symbol);
  a.appendVarchar(e.base);
  a.appendVarchar(e.side);
  a.appendDouble(e.price);
  a.appendDouble(e.qty);
  // The same rounding as the aggregator's sums (toUnits), so the store's sums equal the report's.
  a.appendVarchar(unitsText(toUnits(e.notionalUsd)));
  a.appendBigInt(BigInt(e.eventTime));
  a.appendBigInt(BigInt(e.receiveTime));
  a.appendVarchar(e.source);
  a.appendDouble(e.notionalUsd);
  a.endRow();
}

export function appendOpenInterest(a: DuckDBAppender, e: OpenInterestEvent): void {
  a.appendVarchar(e.venue);
  a.appendVarchar(e.symbol);
  a.appendVarchar(e.base);
  a.appendDouble(e.oiBase);
  a.appendDouble(e.oiUsd);
  a.appendDouble(e.markPrice);
  a.appendBigInt(BigInt(e.eventTime));
  a.appendBigInt(BigInt(e.receiveTime));
  a.appendVarchar(e.source);
  a.endRow();
}

export function appendGap(a: DuckDBAppender, e: GapEvent): void {
  a.appendVarchar(e.venue);
  a.appendBigInt(BigInt(e.from));
  a.appendBigInt(BigInt(e.to));
  a.appendVarchar(e.reason);
  a.endRow();
}

/** Rows of one closed minute: each venue with data, and `all`. */
export function appendMinute(a: DuckDBAppender, m: MinuteBucket, oiUsd: number | undefined): void {
  const row = (venue: string, long: number, short: number, count: number, fidelity: string | undefined, oi: number | undefined) => {
    a.appendVarchar(venue);
    a.appendBigInt(BigInt(m.minute));
    a.appendVarchar(unitsText(long));
    a.appendVarchar(unitsText(short));
    a.appendInteger(count);
    nullable(a, fidelity, (v: string) => a.appendVarchar(v));
    nullable(a, oi, (v: number) => a.appendDouble(v));
    a.endRow();
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

export function appendCascade(a: DuckDBAppender, c: Omit<CascadeSignal, 'type' | 'phase'>): void {
  a.appendVarchar('all');
  a.appendVarchar(c.id);
  a.appendBigInt(BigInt(c.start));
  if (c.end === null) a.appendNull();
  else a.appendBigInt(BigInt(c.end));
  a.appendBigInt(BigInt(c.peakMinute));
  a.appendDouble(c.peakMinuteUsd);
  a.appendDouble(c.totalUsd);
  a.appendBoolean(c.lowerBound);
  a.appendDouble(c.longShare);
  nullable(a, c.oiDrawdownUsd, (v: number) => a.appendDouble(v));
  nullable(a, c.oiDrawdownPct, (v: number) => a.appendDouble(v));
  nullable(a, c.ledBy, (v: string) => a.appendVarchar(v));
  a.appendDouble(c.baselineUsd);
  a.appendVarchar(JSON.stringify(c.byVenue));
  a.endRow();
}

export function appendOnchain(a: DuckDBAppender, e: LiquidationEvent & { onchain: OnchainLiquidation }): void {
  const o = e.onchain;
  a.appendVarchar(e.venue);
  a.appendVarchar(e.id);
  a.appendVarchar(o.chain);
  a.appendVarchar(o.txHash);
  a.appendInteger(o.logIndex);
  a.appendBigInt(BigInt(o.blockNumber));
  a.appendVarchar(o.blockHash);
  a.appendVarchar(o.collateralAsset);
  a.appendVarchar(o.collateralToken);
  a.appendDouble(o.collateralAmount);
  a.appendDouble(o.collateralUsd);
  a.appendVarchar(o.debtAsset);
  a.appendVarchar(o.debtToken);
  a.appendDouble(o.debtAmount);
  a.appendDouble(o.debtUsd);
  a.appendBoolean(o.provisional);
  a.appendBigInt(BigInt(e.eventTime));
  a.endRow();
}

export function appendRetraction(a: DuckDBAppender, r: RetractionEvent): void {
  a.appendVarchar(r.event.venue);
  a.appendVarchar(r.id);
  a.appendVarchar(r.reason);
  a.appendVarchar(unitsText(toUnits(r.event.notionalUsd)));
  a.appendBigInt(BigInt(r.event.eventTime));
  a.appendBigInt(BigInt(r.receiveTime));
  a.endRow();
}

/** Empty typed relation with a table's file columns plus venue and day, for a table with no files yet. */
export function emptySelect(name: TableName): string {
  const spec = TABLES[name];
  const bufferCols = spec.buffer.map(([n, t]) => `NULL::${t} AS ${n}`).join(', ');
  return `SELECT ${spec.select} FROM (SELECT ${bufferCols}) WHERE false`;
}
