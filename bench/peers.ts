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
import { BUILT_IN_CONTRACTS } from '../src/venues/bitmex/instruments.js';
import { deribitInstrument } from '../src/venues/deribit/instruments.js';
import { gateInstrument } from '../src/venues/gate/instruments.js';
import { fillSize, instrumentLookup, type Instrument } from '../src/venues/instruments.js';
import { krakenInstrument } from '../src/venues/kraken/instruments.js';
import { okxBuiltInInstrument } from '../src/venues/okx/instruments.js';
import { HTX_CONTRACT_SIZE } from '../src/simulate/htx-frames.js';
import { perpsMetadata } from '../src/simulate/venue-frames.js';

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

/** A fill of `size` contracts at `price` valued through the venue's instrument (its contract size), NaN for an unknown market. */
const contractUsd = (instrumentOf: (symbol: string) => Instrument | undefined) => (f: PeerFill) => {
  const inst = instrumentOf(f.symbol);
  return inst === undefined ? NaN : fillSize(inst, f.size, f.price).quoteNotional;
};
/** Contract values as the recording's metadata.json lists them (discovery), else the venue's documented table. */
const listed = (venue: VenueId) => instrumentLookup(perpsMetadata()[venue]?.instruments) ?? (() => undefined);
const okxUsd = contractUsd((s) => listed('okx')(s) ?? okxBuiltInInstrument(s));
const gateUsd = (settle: 'usdt' | 'btc') => contractUsd((s) => listed(settle === 'usdt' ? 'gate-usdt' : 'gate-btc')(s) ?? gateInstrument(s, settle));
/** HTX linear swaps: base coins per contract (HTX's contract specifications), quoted in USDT. */
const htxUsd = (f: PeerFill) => f.size * HTX_CONTRACT_SIZE[f.symbol.split('-')[0]!]! * f.price;
const bitmexUsd = contractUsd((s) => BUILT_IN_CONTRACTS.get(s)?.instrument);
const deribitUsd = contractUsd(deribitInstrument);
const krakenUsd = contractUsd(krakenInstrument);

interface OkxPush {
  data: { instId: string; details: unknown[] }[];
}
interface GatePush {
  result: Record<string, unknown>[];
}

/** ccxt.pro's okx and gate `parseWsLiquidation`, on each item of a push as its `handleLiquidation` calls it. */
function ccxtOkx(): Peer {
  const exchange = new ccxt.pro.okx();
  return {
    parse(frame) {
      return (JSON.parse(frame) as OkxPush).data.map((item) => {
        const l = exchange.parseWsLiquidation(item) as CcxtLiquidation;
        return { size: l.contracts ?? NaN, price: l.price ?? NaN, symbol: item.instId };
      });
    },
    usd: okxUsd,
    differs: 'ccxt reads only `details[0]` of each item (docs/venues/okx.md)',
  };
}

function ccxtGate(settle: 'usdt' | 'btc'): Peer {
  const exchange = new ccxt.pro.gate();
  return {
    parse(frame) {
      return (JSON.parse(frame) as GatePush).result.map((entry) => {
        const l = exchange.parseWsLiquidation(entry) as CcxtLiquidation;
        return { size: l.contracts ?? NaN, price: l.price ?? NaN, symbol: String(entry.contract) };
      });
    },
    usd: gateUsd(settle),
    differs: "ccxt's gate parseWsLiquidation reads the private liquidation feed's fields (`left`, `fill_price`): on the public `futures.public_liquidates` entries it finds no size and no price",
  };
}

/**
 * tardis-dev's mappers check `canHandle` before `map`; the bench reports whether the mapper takes these
 * frames, and times `map` on them either way (the parse work is the same).
 */
type TardisExchange = 'binance-futures' | 'binance-delivery' | 'bybit' | 'okex-swap' | 'huobi-dm-linear-swap' | 'deribit' | 'dydx-v4' | 'bitmex' | 'bitfinex-derivatives' | 'cryptofacilities';

/** Why tardis-dev's sums differ from liqstream's on a venue, where the cause is known. */
const TARDIS_DIFFERS: Partial<Record<TardisExchange, string>> = {
  'binance-futures': "tardis-dev prices a Binance liquidation at `p` (the order's limit price), liqstream and ccxt at `ap` (the average fill price)",
  'binance-delivery': "tardis-dev prices a Binance liquidation at `p` (the order's limit price), liqstream and ccxt at `ap` (the average fill price)",
  'okex-swap': 'tardis-dev drops the first `liquidation-orders` push its mapper sees (the subscribe snapshot); liqstream drops only its details older than the connection less 10 minutes',
  'huobi-dm-linear-swap': "tardis-dev reports contracts (`volume`), valued here at HTX's contract size; liqstream counts HTX's own `trade_turnover`, which HTX rounds to 4 decimals",
  deribit: 'tardis-dev counts an `MT` trade (maker and taker both liquidated) once, liqstream twice: two positions were closed',
  'dydx-v4': 'tardis-dev reads `LIQUIDATED` trades only; liqstream also counts the insolvent taker of a `DELEVERAGED` trade as a liquidation (docs/venues/dydx.md)',
  'bitfinex-derivatives': "tardis-dev prices a Bitfinex liquidation at BASE_PRICE (the position's entry price), liqstream at PRICE_ACQUIRED",
};

function tardis(exchange: TardisExchange, usd: (f: PeerFill) => number, sample: string | undefined): Peer {
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
    note: handles ? undefined : `its canHandle refuses these frames (${TARDIS_REFUSES[exchange] ?? 'a shape it does not expect'}): map() is called directly`,
    differs: TARDIS_DIFFERS[exchange],
  };
}

/** Why a tardis-dev mapper's canHandle refuses liqstream's frames, where it does. */
const TARDIS_REFUSES: Partial<Record<TardisExchange, string>> = {
  'binance-futures': 'it reads per-symbol `<symbol>@forceOrder` streams, liqstream the all-market `!forceOrder@arr`',
  'binance-delivery': 'it reads per-symbol `<symbol>@forceOrder` streams, liqstream the all-market `!forceOrder@arr`',
  'bitfinex-derivatives': 'it learns the channel id from the `subscribed` event, which a recording replayed from its middle does not have',
};

const NO_CCXT = 'n/a — ccxt.pro has no public liquidation parser for this venue';

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
    case 'okx':
      return { ccxt: ccxtOkx(), tardis: tardis('okex-swap', okxUsd, sample) };
    case 'gate-usdt':
      return { ccxt: ccxtGate('usdt'), tardisAbsent: 'n/a — tardis-dev has no Gate liquidations mapper' };
    case 'gate-btc':
      return { ccxt: ccxtGate('btc'), tardisAbsent: 'n/a — tardis-dev has no Gate liquidations mapper' };
    case 'htx-linear':
      return { ccxtAbsent: NO_CCXT, tardis: tardis('huobi-dm-linear-swap', htxUsd, sample) };
    case 'deribit':
      return { ccxtAbsent: NO_CCXT, tardis: tardis('deribit', deribitUsd, sample) };
    case 'dydx':
      return { ccxtAbsent: NO_CCXT, tardis: tardis('dydx-v4', linearUsd, sample) };
    case 'bitmex':
      return { ccxtAbsent: NO_CCXT, tardis: tardis('bitmex', bitmexUsd, sample) };
    case 'kraken-futures':
      return { ccxtAbsent: NO_CCXT, tardis: tardis('cryptofacilities', krakenUsd, sample) };
    case 'bitfinex':
      return { ccxtAbsent: NO_CCXT, tardis: tardis('bitfinex-derivatives', linearUsd, sample) };
    case 'bitget':
      return { ccxtAbsent: NO_CCXT, tardisAbsent: 'n/a — tardis-dev has no Bitget liquidations mapper' };
    default:
      return { ccxtAbsent: 'n/a — no peer wired in bench/peers.ts', tardisAbsent: 'n/a — no peer wired in bench/peers.ts' };
  }
}
