/**
 * The shapes the page reads from the API (docs/api.md), as the browser sees them, and one fetch rule:
 * an endpoint this server does not have (404, or 400 for a parameter it does not take) is `undefined`,
 * and the page hides the view that needs it. Only the fields the page reads are typed.
 */

export type Side = 'long' | 'short';
export interface LongShort {
  longUsd: number;
  shortUsd: number;
}
export interface Counted extends LongShort {
  count: number;
}
export interface Liquidation {
  id: string;
  venue: string;
  symbol: string;
  base?: string;
  side: Side;
  price?: number;
  notionalUsd: number;
  eventTime: number;
  receiveTime: number;
  kind?: string;
}
export interface Status {
  mode?: string;
  venues?: Record<string, boolean>;
  busUp?: boolean;
}
export interface Totals {
  asOf: number | null;
  windowsEnd: number | null;
  usd: number;
  count: number;
  lowerBound: boolean;
  byVenue: Record<string, Counted & { lowerBound: boolean; fidelity?: string }>;
  adl?: Record<string, Counted>;
  vault?: Record<string, Counted>;
  gaps?: number;
  windows: Record<string, { usd: number; byVenue: Record<string, LongShort> }>;
  openInterest?: Record<string, { usd: number; ageSeconds: number; change1h: number | null }>;
  topSymbols?: { venue: string; symbol: string; windows: Record<string, number> }[];
  status?: Status;
  /** On-chain lending totals, when the server has them (issue 20; docs/api.md). */
  defi?: Defi;
}
/** `/api/totals` `defi`: lending protocols by chain, collateral seized in USD, net of retractions. */
export interface Defi {
  usd: number;
  count: number;
  debtUsd: number;
  retracted: { usd: number; count: number };
  byProtocol: Record<string, { byChain: Record<string, { usd: number; debtUsd: number; count: number }> }>;
  windows: Record<string, { usd: number; byProtocol: Record<string, Record<string, number>> }>;
}
/** `GET /api/totals?by=base`. */
export interface BaseTotals {
  asOf: number | null;
  windowsEnd: number | null;
  by: 'base';
  bases: Record<string, Counted & { usd: number; adlUsd: number; venues: string[]; mark: '' | '≥' | '≈'; windows: Record<string, LongShort & { usd: number; count: number }> }>;
}
export interface Minute {
  minute: number;
  usd?: number;
  longUsd?: number;
  shortUsd?: number;
  byVenue?: Record<string, LongShort>;
  /** Mark price at the minute (per-coin minutes only). */
  price?: number | null;
}
export interface Funding {
  venue: string;
  symbol: string;
  base: string;
  rate: number;
  intervalHours: number;
  ratePerHour: number;
  markPrice?: number | null;
  nextFundingTime?: number | null;
  eventTime: number;
}
export interface CascadeSignal {
  phase: 'start' | 'update' | 'end';
  start: number;
  peakMinute: number;
  peakMinuteUsd: number;
  totalUsd: number;
  longShare: number;
  oiDrawdownPct: number | null;
  ledBy?: string | null;
}
export interface VenueCatalogue {
  venues: { id: string; name: string; lowerBound: boolean; fidelity?: string }[];
  summary: string;
}
export type StreamMessage = { type: 'totals'; totals: Totals } | { type: 'liquidations'; events: Liquidation[] } | { type: 'cascade'; signal: CascadeSignal };

/** The JSON answer, or undefined when the endpoint or parameter does not exist here; throws when the server is unreachable. */
export async function getJson<T>(path: string): Promise<T | undefined> {
  const res = await fetch(path, { cache: 'no-store' });
  if (res.status === 404 || res.status === 400) return undefined;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** A query string of the parameters that are set (empty strings and zero USD left out). */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && !(k === 'minUsd' && v === 0)) q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}
