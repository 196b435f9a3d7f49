import { toUnits, toUsd } from '../aggregate/fixed-point.js';
import type { RawFrame, VenueId } from '../schema/events.js';
import * as ABI from '../venues/evm/abi.js';
import { CHAINS, tokenAddress } from '../venues/evm/chains.js';
import { encodeLog, head, headFrame, logFrame } from '../venues/evm/encode.js';
import { units, usdOf } from '../venues/evm/parser.js';
import { base58Encode } from '../venues/solana/base58.js';
import { kaminoLiquidationFrame, reservePriceOf, type KaminoMint } from './kamino-frames.js';
import { AAVE_V3_POOLS } from '../venues/aave-v3/plan.js';
import { fluidVenue } from '../venues/fluid/index.js';
import { MORPHO_BLUE } from '../venues/morpho-blue/plan.js';
import type { VenueMetadata } from '../venues/venue.js';
import { DEFI_OCT10, DEFI_STREAMS, defiMinuteShare, type DefiStream } from './defi-profile.js';
import { COINS } from './market.js';
import { OCT10, priceFactor } from './oct10-profile.js';
import type { Prng } from './prng.js';

/**
 * The DeFi slice in the recording format of the on-chain venues (docs/venues/evm.md): per venue and chain, newHeads
 * and log notifications `{"chain","rpc"}`, logs ABI-encoded with viem against the pinned ABIs, the Chainlink answers
 * that price them first. Block numbers and hashes are synthetic (keccak of a label), as are the Fluid vaults.
 */
const MIN = 60_000;

/** Synthetic block clocks: the block at 00:00 UTC 10 October and the block time, per chain. */
const CLOCK: Record<DefiStream['chain'], { genesis: number; blockMs: number }> = {
  ethereum: { genesis: 23_540_000, blockMs: 12_000 },
  arbitrum: { genesis: 388_000_000, blockMs: 250 },
  base: { genesis: 36_500_000, blockMs: 2_000 },
  solana: { genesis: 370_000_000, blockMs: 400 },
};

/** Kamino's mints (src/venues/kamino/plan.ts) and the simulation's prices of those without a perps price path (ours). */
const SOLANA_MINTS: Record<string, KaminoMint> = {
  WSOL: { mint: 'So11111111111111111111111111111111111111112', decimals: 9 },
  USDC: { mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', decimals: 6 },
  FARTCOIN: { mint: '9BB6NFEcjBCtnNLFko2FqVQBq8HHM13kCyYcdQbgpump', decimals: 6 },
};
const FIXED_USD: Record<string, number> = { USDC: 1, FARTCOIN: 0.7 };

/** The Fluid vaults of the simulation (WETH collateral, USDC debt): synthetic addresses, listed in metadata.json. */
const FLUID_VAULT: Record<string, string> = {
  ethereum: '0xf1d0000000000000000000000000000000000001',
  arbitrum: '0xf1d0000000000000000000000000000000000002',
  base: '0xf1d0000000000000000000000000000000000003',
};

/** What a replay needs beyond the venues' own plans: the simulated Fluid vaults. */
export function defiMetadata(): Record<VenueId, VenueMetadata> {
  const evm = fluidVenue().evm.metadata();
  for (const [chain, vault] of Object.entries(FLUID_VAULT)) evm.chains[chain]!.contracts = { [vault]: { supplyToken: tokenAddress(chain, 'WETH'), borrowToken: tokenAddress(chain, 'USDC') } };
  return { fluid: { evm } };
}

export interface DefiTruth {
  /** Collateral seized in USD per venue, with the debt repaid and per chain, exactly as the parsers value them. */
  byVenue: Record<VenueId, { usd: number; debtUsd: number; count: number; byChain: Record<string, number>; byCollateral: Record<string, number> }>;
  usd: number;
  count: number;
  source: string;
}

const COIN_OF: Record<string, string> = { WBTC: 'BTC', cbBTC: 'BTC', WETH: 'ETH', WSOL: 'SOL' };

/** USD price of a token in minute k (the perps' price path), and its Chainlink answer (8 decimals). */
function answerOf(symbol: string, k: number): bigint {
  const coin = COINS.find((c) => c.coin === COIN_OF[symbol]);
  const usd = coin ? coin.price * priceFactor(k + 0.5, coin.depth) : 1;
  return BigInt(Math.round(usd * 1e8));
}

function feedOf(chain: string, symbol: string): string {
  const t = CHAINS[chain]!.tokens[tokenAddress(chain, symbol)]!;
  return t.feedProxy!;
}

/**
 * A synthetic 32-byte hash of a label: four rounds of a 32-bit string hash (FNV-1a, then mulberry-style mixing).
 * Not keccak (a keccak256 in JavaScript costs ~90 µs; the day has thousands of blocks and transactions), and not
 * meant to be: simulated hashes only have to be distinct and deterministic.
 */
function synthHash(label: string): string {
  let out = '0x';
  for (let round = 0; round < 8; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), h | 1);
    h ^= h + Math.imul(h ^ (h >>> 7), h | 61);
    out += ((h ^ (h >>> 14)) >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}

export class DefiDay {
  private readonly ahead = new Map<DefiStream, number>();
  private readonly units = new Map<VenueId, { usd: number; debt: number; count: number; byChain: Record<string, number>; byCollateral: Record<string, number> }>();

  constructor(
    private readonly r: Prng,
    /** Kamino's own random stream: the EVM protocols' frames are the same with or without it. */
    private readonly rs: Prng = r,
  ) {}

  private hash(chain: string, n: number): string {
    return synthHash(`${chain} block ${n}`);
  }

  private blockAt(chain: DefiStream['chain'], t: number): number {
    return CLOCK[chain].genesis + Math.floor((t - OCT10.day) / CLOCK[chain].blockMs);
  }

  private blockTime(chain: DefiStream['chain'], n: number): number {
    return OCT10.day + (n - CLOCK[chain].genesis) * CLOCK[chain].blockMs;
  }

  /** Frames of minute k for every stream, grouped per venue and chain so that each block's head precedes its logs. */
  minute(k: number): RawFrame[] {
    const share = defiMinuteShare()[k] ?? 0;
    const minuteStart = OCT10.day + k * MIN;
    const frames: RawFrame[] = [];
    const groups = new Map<string, { venue: VenueId; chain: DefiStream['chain']; liqs: { s: DefiStream; t: number; usd: number }[] }>();
    for (const s of DEFI_STREAMS) {
      const r = s.chain === 'solana' ? this.rs : this.r;
      const target = s.usd * share - (this.ahead.get(s) ?? 0);
      let usd = 0;
      const key = `${s.venue}:${s.chain}`;
      while (usd < target) {
        const size = Math.min(r.lognormal(DEFI_OCT10.meanUsd, 1.0), DEFI_OCT10.meanUsd * 100);
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { venue: s.venue, chain: s.chain, liqs: [] }));
        g.liqs.push({ s, t: minuteStart + r.int(MIN), usd: size });
        usd += size;
      }
      this.ahead.set(s, usd - target);
    }
    for (const g of groups.values()) frames.push(...this.group(k, g.venue, g.chain, g.liqs));
    return frames;
  }

  private group(k: number, venue: VenueId, chain: DefiStream['chain'], liqs: { s: DefiStream; t: number; usd: number }[]): RawFrame[] {
    if (chain === 'solana') return this.solana(k, venue, liqs);
    const frames: RawFrame[] = [];
    const minuteStart = OCT10.day + k * MIN;
    const b0 = this.blockAt(chain, minuteStart + (CLOCK[chain].blockMs - 1)); // the first block inside the minute
    let last = -1;
    const headAt = (n: number) => {
      if (n <= last) return;
      last = n;
      const time = this.blockTime(chain, n);
      frames.push({ recv: time + 10, venue, frame: headFrame(chain, head(n, this.hash(chain, n), this.hash(chain, n - 1), Math.floor(time / 1000))) });
    };
    headAt(b0);
    // The answers of the minute's feeds, first in block b0.
    const symbols = [...new Set(liqs.flatMap((l) => [l.s.collateral, l.s.debt]))];
    const answers = new Map<string, bigint>();
    symbols.forEach((sym, i) => {
      const answer = answerOf(sym, k);
      answers.set(sym, answer);
      const log = encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current: answer, roundId: BigInt(k + 1), updatedAt: BigInt(Math.floor(this.blockTime(chain, b0) / 1000)) }, this.place(feedOf(chain, sym), chain, b0, i));
      frames.push({ recv: this.blockTime(chain, b0) + 11 + i, venue, frame: logFrame(chain, log) });
    });
    liqs.sort((a, b) => a.t - b.t);
    const perBlock = new Map<number, number>();
    for (const l of liqs) {
      const n = Math.max(b0, this.blockAt(chain, l.t));
      headAt(n);
      const logIndex = 10 + (perBlock.get(n) ?? 0);
      perBlock.set(n, logIndex - 9);
      const cAddr = tokenAddress(chain, l.s.collateral);
      const dAddr = tokenAddress(chain, l.s.debt);
      const cDec = CHAINS[chain]!.tokens[cAddr]!.decimals;
      const dDec = CHAINS[chain]!.tokens[dAddr]!.decimals;
      const cAns = answers.get(l.s.collateral)!;
      const dAns = answers.get(l.s.debt)!;
      const collateral = BigInt(Math.max(1, Math.round((l.usd / (Number(cAns) / 1e8)) * 10 ** cDec)));
      const debt = BigInt(Math.max(1, Math.round((l.usd / (1 + DEFI_OCT10.bonus) / (Number(dAns) / 1e8)) * 10 ** dDec)));
      const log = this.encode(l.s, chain, n, logIndex, collateral, debt);
      frames.push({ recv: Math.max(l.t, this.blockTime(chain, n)) + 15 + this.r.int(60), venue, frame: logFrame(chain, log) });
      const u = this.units.get(venue) ?? { usd: 0, debt: 0, count: 0, byChain: {}, byCollateral: {} };
      const cUnits = toUnits(usdOf(collateral, cDec, cAns, 8));
      u.usd += cUnits;
      u.debt += toUnits(usdOf(debt, dDec, dAns, 8));
      u.count += 1;
      u.byChain[chain] = (u.byChain[chain] ?? 0) + cUnits;
      u.byCollateral[l.s.collateral] = (u.byCollateral[l.s.collateral] ?? 0) + cUnits;
      this.units.set(venue, u);
    }
    headAt(this.blockAt(chain, minuteStart + MIN - 1)); // the minute's last block: confirmations advance
    return frames;
  }

  /** Kamino: one transaction per liquidation, valued at its reserves' prices written in its own slot (exact). */
  private solana(k: number, venue: VenueId, liqs: { s: DefiStream; t: number; usd: number }[]): RawFrame[] {
    const frames: RawFrame[] = [];
    const price = (symbol: string) => reservePriceOf(FIXED_USD[symbol] ?? Number(answerOf(symbol, k)) / 1e8);
    for (const l of liqs.sort((a, b) => a.t - b.t)) {
      const slot = this.blockAt('solana', l.t);
      const collateral = SOLANA_MINTS[l.s.collateral]!;
      const debt = SOLANA_MINTS[l.s.debt]!;
      const [cUsd, dUsd] = [price(l.s.collateral), price(l.s.debt)];
      const seized = BigInt(Math.max(1, Math.round((l.usd / cUsd) * 10 ** collateral.decimals)));
      const repaid = BigInt(Math.max(1, Math.round((l.usd / (1 + DEFI_OCT10.bonus) / dUsd) * 10 ** debt.decimals)));
      const n = this.rs.int(1e9);
      const signature = base58Encode(Buffer.from(synthHash(`solana tx ${slot} ${n}`).slice(2) + synthHash(`solana sig ${slot} ${n}`).slice(2), 'hex'));
      const sim = { slot, blockTime: Math.floor(this.blockTime('solana', slot) / 1000), collateral, debt, seized, repaid, collateralUsd: cUsd, debtUsd: dUsd, recv: Math.max(l.t, this.blockTime('solana', slot)) + 400 + this.rs.int(600) };
      frames.push(kaminoLiquidationFrame(sim, signature, (label) => base58Encode(Buffer.from(synthHash(label).slice(2), 'hex'))));
      // As the parser values it: amount ÷ 10^decimals × the reserve's price.
      const cUnits = toUnits(units(seized, collateral.decimals) * cUsd);
      const u = this.units.get(venue) ?? { usd: 0, debt: 0, count: 0, byChain: {}, byCollateral: {} };
      u.usd += cUnits;
      u.debt += toUnits(units(repaid, debt.decimals) * dUsd);
      u.count += 1;
      u.byChain.solana = (u.byChain.solana ?? 0) + cUnits;
      u.byCollateral[l.s.collateral] = (u.byCollateral[l.s.collateral] ?? 0) + cUnits;
      this.units.set(venue, u);
    }
    return frames;
  }

  private place(address: string, chain: string, block: number, logIndex: number) {
    return { address, block, blockHash: this.hash(chain, block), logIndex, txHash: synthHash(`${chain} tx ${block} ${logIndex}`) };
  }

  private encode(s: DefiStream, chain: DefiStream['chain'], n: number, logIndex: number, collateral: bigint, debt: bigint) {
    const user = `0x${(0x10000 + this.r.int(0xffffff)).toString(16).padStart(40, '0')}`;
    const c = tokenAddress(chain, s.collateral);
    const d = tokenAddress(chain, s.debt);
    if (s.venue === 'aave-v3')
      return encodeLog(ABI.AAVE_LIQUIDATION_CALL, { collateralAsset: c, debtAsset: d, user, debtToCover: debt, liquidatedCollateralAmount: collateral, liquidator: user, receiveAToken: false }, this.place(AAVE_V3_POOLS[chain]!, chain, n, logIndex));
    if (s.venue === 'morpho-blue')
      return encodeLog(ABI.MORPHO_LIQUIDATE, { id: s.market!, caller: user, borrower: user, repaidAssets: debt, repaidShares: debt * 1_000_000n, seizedAssets: collateral, badDebtAssets: 0n, badDebtShares: 0n }, this.place(MORPHO_BLUE[chain]!, chain, n, logIndex));
    return encodeLog(ABI.FLUID_LOG_LIQUIDATE, { liquidator_: user, colAmt_: collateral, debtAmt_: debt, to_: user }, this.place(FLUID_VAULT[chain]!, chain, n, logIndex));
  }

  truth(): DefiTruth {
    const byVenue: DefiTruth['byVenue'] = {};
    let units = 0;
    let count = 0;
    for (const v of [...this.units.keys()].sort()) {
      const u = this.units.get(v)!;
      const map = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).sort().map(([key, x]) => [key, toUsd(x)]));
      byVenue[v] = { usd: toUsd(u.usd), debtUsd: toUsd(u.debt), count: u.count, byChain: map(u.byChain), byCollateral: map(u.byCollateral) };
      units += u.usd;
      count += u.count;
    }
    return { byVenue, usd: toUsd(units), count, source: DEFI_OCT10.source };
  }
}
