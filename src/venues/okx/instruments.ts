import { Instrument } from '../instruments.js';
import { decimalValue } from '../fields.js';
import { CONTRACT_TYPES, InstrumentRow, RestEnvelope, type ContractInstType, type OkxInstrumentRow } from './schema.js';

export const OKX_REST_URL = 'https://www.okx.com';

/**
 * OKX instrument ids: `BTC-USDT-SWAP` (perpetual) and `BTC-USDT-251226` (expiry future), the first part the
 * base coin and the second the quote: USDT or USDC on linear contracts, USD on inverse (coin-margined) ones.
 */
const INST_ID = /^([A-Z0-9]+)-([A-Z0-9_]+)-(SWAP|\d{6})$/;

/** The base coin of an instrument id (its first part), for names this table does not value as well. */
export const okxBase = (instId: string): string => instId.split('-')[0] || instId;

/**
 * Contract values OKX lists for its largest markets (GET /api/v5/public/instruments `ctVal`; help
 * "Perpetual futures" contract specifications: BTCUSD 100 USD, BTCUSDT 0.01 BTC), the same for a
 * perpetual and the expiry futures of its family. Used when the market list was not read (discovery off
 * or failed, a recording without metadata.json), so that these markets are still valued exactly.
 * linear: base coin per contract; inverse: USD per contract.
 */
export const BUILT_IN_CONTRACT_VALUES: Readonly<Record<string, number>> = {
  'BTC-USDT': 0.01,
  'ETH-USDT': 0.1,
  'SOL-USDT': 1,
  'BTC-USDC': 0.0001,
  'BTC-USD': 100,
  'ETH-USD': 10,
  'SOL-USD': 10,
};

/** The built-in description of `instId`, or undefined when the table does not know its contract value. */
export function okxBuiltInInstrument(instId: string): Instrument | undefined {
  const m = INST_ID.exec(instId);
  if (m === null) return undefined;
  const [, base = '', quote = ''] = m;
  const contractValue = BUILT_IN_CONTRACT_VALUES[`${base}-${quote}`];
  if (contractValue === undefined) return undefined;
  const inverse = quote === 'USD';
  return { symbol: instId, base, quote, settle: inverse ? base : quote, type: inverse ? 'inverse' : 'linear', contractValue, from: 'built-in' };
}

/**
 * The instrument as the market list describes it. Linear: `ctVal` base coins per contract, priced in the
 * settle currency (docs: "margin, P&L, and settlement in the quote currency"); inverse: `ctVal` USD per
 * contract, settled in the base coin. Undefined for a row that cannot be valued (a `preopen` listing has
 * empty fields until shortly before trading; a contract multiplier other than 1 is not a contract this
 * model knows).
 */
export function okxListedInstrument(row: OkxInstrumentRow): Instrument | undefined {
  const contractValue = decimalValue(row.ctVal);
  if (contractValue === undefined || contractValue <= 0) return undefined;
  if (row.ctMult !== undefined && row.ctMult !== '' && decimalValue(row.ctMult) !== 1) return undefined;
  const base = okxBase(row.instId);
  const candidate =
    row.ctType === 'linear'
      ? { symbol: row.instId, base, quote: row.settleCcy, settle: row.settleCcy, type: 'linear', contractValue, from: 'discovery' }
      : row.ctType === 'inverse'
        ? { symbol: row.instId, base, quote: row.ctValCcy, settle: row.settleCcy, type: 'inverse', contractValue, from: 'discovery' }
        : undefined;
  const parsed = Instrument.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Every SWAP and FUTURES instrument from GET /api/v5/public/instruments (one request per type, no paging:
 * the endpoint returns the whole list), by instId. Direct `fetch`, not ccxt: one GET per type is all that is
 * needed, and a local server in tests can stand in for it. Throws on network, HTTP, `code` or format errors.
 */
export async function fetchOkxInstruments(o: { baseUrl?: string; fetchImpl?: typeof fetch; signal?: AbortSignal } = {}): Promise<Record<string, Instrument>> {
  const base = (o.baseUrl ?? OKX_REST_URL).replace(/\/+$/, '');
  const doFetch = o.fetchImpl ?? fetch;
  const found: Record<string, Instrument> = {};
  for (const instType of CONTRACT_TYPES) {
    const rows = await fetchRows(doFetch, `${base}/api/v5/public/instruments?instType=${instType}`, instType, o.signal);
    for (const row of rows) {
      const inst = okxListedInstrument(row);
      if (inst !== undefined) found[inst.symbol] = inst;
    }
  }
  return found;
}

async function fetchRows(doFetch: typeof fetch, url: string, instType: ContractInstType, signal?: AbortSignal): Promise<OkxInstrumentRow[]> {
  const res = await doFetch(url, { signal });
  if (!res.ok) throw new Error(`instruments ${instType}: HTTP ${res.status}`);
  const envelope = RestEnvelope.safeParse(await res.json());
  if (!envelope.success) throw new Error(`instruments ${instType}: unexpected response`);
  if (envelope.data.code !== '0') throw new Error(`instruments ${instType}: code ${envelope.data.code} ${envelope.data.msg}`);
  if (!Array.isArray(envelope.data.data)) throw new Error(`instruments ${instType}: data is not a list`);
  // A malformed row is skipped, not fatal: the rest of the list still values its markets.
  return envelope.data.data.flatMap((r: unknown) => {
    const row = InstrumentRow.safeParse(r);
    return row.success ? [row.data] : [];
  });
}
