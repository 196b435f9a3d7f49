/**
 * The parsers of the liquidation feeds that exist as packages, run on liqstream's frames: ccxt's
 * `parseWsLiquidation` (ccxt.pro classes) and tardis-dev's `normalizeLiquidations` mappers. Each peer is
 * timed as a consumer would call it (JSON.parse of the frame, then the peer's own parse), and its output
 * is summed so the bench can show that it did the same work as liqstream on the same frames.
 */
import ccxt from 'ccxt';
import { normalizeLiquidations } from 'tardis-dev';
import type { VenueId } from '../src/schema/events.js';
import { documentedCoinmContractUsd } from '../src/venues/binance/instruments.js';

/** What a peer made of one frame: its liquidations' sizes as the peer reports them (contracts or base units) and prices. */
export interface PeerFill {
  size: number;
  price: number;
  symbol: string;
}

export interface Peer {
  /** JSON.parse and the peer's parse of one frame; returns the fills it read (timed as is). */
  parse: (frame: string) => PeerFill[];
  /** USD notional of one fill. Inverse contracts are valued at the venue's documented contract size: the peers leave that to their caller (it needs the venue's market list, which needs the network). */
  usd: (fill: PeerFill) => number;
  /** What a reader must know to read this peer's figures (undefined: nothing). */
  note?: string;
  /** Why its sums may differ from liqstream's: printed only when they do. */
  differs?: string;
}

export interface VenuePeers {
  ccxt?: Peer;
  tardis?: Peer;
  /** Why a peer has no entry for this venue. */
  ccxtAbsent?: string;
  tardisAbsent?: string;
}

interface ForceOrderMessage {
  stream?: string;
  data: { o: Record<string, unknown> };
}
interface AllLiquidationMessage {
  topic?: string;
  data: Record<string, unknown>[];
}
interface CcxtLiquidation {
  contracts?: number;
  price?: number;
  symbol?: string;
}
interface TardisLiquidation {
  amount: number;
  price: number;
  symbol: string;
}
interface TardisMapper {
  canHandle(message: unknown): boolean;
  map(message: unknown, localTimestamp: Date): IterableIterator<TardisLiquidation>;
}

const linearUsd = (f: PeerFill) => f.size * f.price;
/** Binance COIN-M: USD per contract by pair (BTCUSD_PERP → BTCUSD), as Binance documents it. */
const coinmUsd = (f: PeerFill) => f.size * documentedCoinmContractUsd(f.symbol.split('_')[0]!);
/** Bybit inverse contracts are worth 1 USD each. */
const bybitInverseUsd = (f: PeerFill) => f.size;

function ccxtBinance(exchange: InstanceType<typeof ccxt.pro.binance>, usd: (f: PeerFill) => number): Peer {
  return {
    parse(frame) {
      const o = (JSON.parse(frame) as ForceOrderMessage).data.o;
      const l = exchange.parseWsLiquidation(o) as CcxtLiquidation;
      return [{ size: l.contracts ?? NaN, price: l.price ?? NaN, symbol: String(o.s) }];
    },
    usd,
    differs: 'ccxt sizes a Binance liquidation by `l` (the last fill), liqstream by `z` (all fills)',
  };
}

function ccxtBybit(usd: (f: PeerFill) => number): Peer {
  const exchange = new ccxt.pro.bybit();
  return {
    parse(frame) {
      const msg = JSON.parse(frame) as AllLiquidationMessage;
      return msg.data.map((entry) => {
        const l = exchange.parseWsLiquidation(entry) as CcxtLiquidation;
        return { size: l.contracts ?? NaN, price: l.price ?? NaN, symbol: String(entry.s) };
      });
    },
    usd,
  };
}

/**
 * tardis-dev's mappers check `canHandle` before `map`; the bench reports whether the mapper takes these
 * frames, and times `map` on them either way (the parse work is the same).
 */
function tardis(exchange: 'binance-futures' | 'binance-delivery' | 'bybit', usd: (f: PeerFill) => number, sample: string | undefined): Peer {
  // A date after Bybit's allLiquidation launch (2025-02-26) selects tardis-dev's mapper for that feed.
  const when = new Date('2025-10-10T21:00:00Z');
  const mapper = normalizeLiquidations(exchange, when) as unknown as TardisMapper;
  const handles = sample === undefined || mapper.canHandle(JSON.parse(sample));
  return {
    parse(frame) {
      const fills: PeerFill[] = [];
      for (const l of mapper.map(JSON.parse(frame), when)) fills.push({ size: l.amount, price: l.price, symbol: l.symbol });
      return fills;
    },
    usd,
    note: handles ? undefined : 'its canHandle refuses these frames (it reads per-symbol `<symbol>@forceOrder` streams, liqstream the all-market `!forceOrder@arr`): map() is called directly',
    differs: exchange.startsWith('binance') ? "tardis-dev prices a Binance liquidation at `p` (the order's limit price), liqstream and ccxt at `ap` (the average fill price)" : undefined,
  };
}

/** The peers of each venue liqstream has; `sample` is one of the venue's liquidation frames. */
export function peersOf(venue: VenueId, sample: string | undefined): VenuePeers {
  switch (venue) {
    case 'binance-usdm':
      return { ccxt: ccxtBinance(new ccxt.pro.binanceusdm(), linearUsd), tardis: tardis('binance-futures', linearUsd, sample) };
    case 'binance-coinm':
      return { ccxt: ccxtBinance(new ccxt.pro.binancecoinm(), coinmUsd), tardis: tardis('binance-delivery', coinmUsd, sample) };
    case 'bybit-linear':
      return { ccxt: ccxtBybit(linearUsd), tardis: tardis('bybit', linearUsd, sample) };
    case 'bybit-inverse':
      return { ccxt: ccxtBybit(bybitInverseUsd), tardis: tardis('bybit', bybitInverseUsd, sample) };
    case 'hyperliquid':
      return {
        ccxtAbsent: 'n/a — ccxt parses no Hyperliquid liquidations',
        tardisAbsent: 'n/a — tardis-dev has no Hyperliquid liquidations mapper',
      };
    default:
      return { ccxtAbsent: 'n/a — no peer wired in bench/peers.ts', tardisAbsent: 'n/a — no peer wired in bench/peers.ts' };
  }
}
