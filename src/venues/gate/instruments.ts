import { decimalValue, isMarketName } from '../fields.js';
import type { Instrument } from '../instruments.js';
import { rejectInvalid } from '../venue.js';
import { ContractRow, ContractRows, type GateContractRow } from './schema.js';

export type GateVenue = 'gate-usdt' | 'gate-btc';
export type GateSettle = 'usdt' | 'btc';

export const GATE_SETTLE: Record<GateVenue, GateSettle> = { 'gate-usdt': 'usdt', 'gate-btc': 'btc' };
export const GATE_REST_URL = 'https://api.gateio.ws';

/**
 * Contract values used when the contract list was not read (discovery off or failed), from
 * GET /api/v4/futures/usdt/contracts `quanto_multiplier`: base units per contract. A USDT contract not
 * listed here cannot be valued without the list, so its liquidations are dead-lettered until a poll of the
 * list (the open-interest poller reads the same endpoint) names its multiplier.
 */
export const GATE_BUILT_IN_MULTIPLIERS: Readonly<Record<string, number>> = { BTC_USDT: 0.0001, ETH_USDT: 0.01, SOL_USDT: 1 };

/** Gate's only BTC-settled perpetual, BTC_USD, is an inverse contract of 1 USD (its quanto_multiplier reads "0"). */
export const GATE_INVERSE_CONTRACT_USD = 1;

/** `BASE_QUOTE` as Gate names perpetuals (`BTC_USDT`, `1000PEPE_USDT`, `BTC_USD`); undefined for anything else. */
function split(contract: string): { base: string; quote: string } | undefined {
  const parts = contract.split('_');
  if (parts.length !== 2 || !parts[0] || !parts[1] || !isMarketName(contract)) return undefined;
  return { base: parts[0], quote: parts[1] };
}

/**
 * The instrument of a Gate perpetual: BTC-settled `X_USD` contracts are inverse (1 USD each, settled in BTC),
 * USDT-settled `X_USDT` ones linear with the listed multiplier, else the built-in one. Undefined when the name is
 * not such a contract of the settle, or a linear contract's multiplier is unknown.
 */
export function gateInstrument(contract: string, settle: GateSettle, listedMultiplier?: number): Instrument | undefined {
  const names = split(contract);
  if (names === undefined) return undefined;
  if (settle === 'btc') {
    if (names.quote !== 'USD') return undefined;
    return { symbol: contract, base: names.base, quote: names.quote, settle: 'BTC', type: 'inverse', contractValue: GATE_INVERSE_CONTRACT_USD, from: listedMultiplier === undefined ? 'built-in' : 'discovery' };
  }
  if (names.quote !== 'USDT') return undefined;
  const contractValue = listedMultiplier ?? GATE_BUILT_IN_MULTIPLIERS[contract];
  if (contractValue === undefined || !(contractValue > 0)) return undefined;
  return { symbol: contract, base: names.base, quote: names.quote, settle: 'USDT', type: 'linear', contractValue, from: listedMultiplier === undefined ? 'built-in' : 'discovery' };
}

/** The instrument a contract-list row describes; undefined when the row does not fit the settle's contract type. */
export function listedGateInstrument(row: GateContractRow, settle: GateSettle): Instrument | undefined {
  if ((row.type === 'inverse') !== (settle === 'btc')) return undefined;
  return gateInstrument(row.name, settle, decimalValue(row.quanto_multiplier) ?? Number.NaN);
}

/**
 * Every perpetual of a settle currency from GET /api/v4/futures/{settle}/contracts (one unpaginated list).
 * Throws on network, HTTP or format errors; the caller runs on the built-in table instead.
 */
export async function fetchGateContracts(settle: GateSettle, baseUrl: string = GATE_REST_URL, fetchImpl: typeof fetch = fetch): Promise<Record<string, Instrument>> {
  const res = await fetchImpl(`${baseUrl.replace(/\/+$/, '')}/api/v4/futures/${settle}/contracts`);
  if (!res.ok) throw new Error(`futures/${settle}/contracts: HTTP ${res.status}`);
  const parsed = ContractRows.safeParse(await res.json());
  if (!parsed.success) {
    const failed = rejectInvalid('contract list', parsed.error);
    throw new Error(`futures/${settle}/contracts: ${failed.ok ? 'invalid' : failed.reason}`);
  }
  const out: Record<string, Instrument> = {};
  // Row by row, as the parser reads the polled list: one row of another shape or type costs only that contract.
  let valid = 0;
  for (const raw of parsed.data) {
    const row = ContractRow.safeParse(raw);
    if (!row.success) continue;
    valid += 1;
    const inst = listedGateInstrument(row.data, settle);
    if (inst !== undefined) out[inst.symbol] = inst;
  }
  if (valid === 0 && parsed.data.length > 0) throw new Error(`futures/${settle}/contracts: no valid row`);
  return out;
}
