import type { RawFrame } from '../schema/events.js';
import { KLEND_PROGRAM_ID, RESERVE, RESERVE_BYTES } from '../venues/kamino/plan.js';
import { LIQUIDATION_DISCRIMINATORS, RESERVE_DISCRIMINATOR } from '../venues/kamino/parse.js';
import { base58Decode, base58Encode } from '../venues/solana/base58.js';
import { solanaFrame } from '../venues/solana/rpc/json-rpc.js';

/**
 * Kamino liquidations in the recording format of the Solana venues (docs/venues/solana.md): one getTransaction
 * (jsonParsed) answer per liquidation, with the answer of its two reserves (getMultipleAccounts, base64), shaped as
 * a node gives them. Addresses and signatures are synthetic (from `hash`), mints the real ones.
 */
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const V1 = [...LIQUIDATION_DISCRIMINATORS].find(([, n]) => !n.endsWith('_v2'))![0];

export interface KaminoMint {
  mint: string;
  decimals: number;
}

export interface SimKaminoLiquidation {
  slot: number;
  /** Seconds. */
  blockTime: number;
  collateral: KaminoMint;
  debt: KaminoMint;
  seized: bigint;
  repaid: bigint;
  /** USD per whole token, multiples of 2^-20 (exact as a reserve's 60-bit fraction). */
  collateralUsd: number;
  debtUsd: number;
  recv: number;
}

/** A USD price as the reserve stores it (market_price_sf, 60 fractional bits), rounded to 2^-20: exact in a double. */
export const reservePriceOf = (usd: number): number => Math.round(usd * 2 ** 20) / 2 ** 20;

/** A Reserve account's first RESERVE_BYTES stating `usd` (rounded to 2^-20) per token of `mint`, refreshed at `slot`, as base64. */
export function reserveData(mint: string, usd: number, slot: number, decimals: number): string {
  const b = Buffer.alloc(RESERVE_BYTES);
  Buffer.from(RESERVE_DISCRIMINATOR, 'hex').copy(b, 0);
  b.writeBigUInt64LE(1n, 8);
  b.writeBigUInt64LE(BigInt(slot), RESERVE.lastUpdateSlot);
  Buffer.from(base58Decode(mint)!).copy(b, RESERVE.mint);
  const sf = BigInt(Math.round(usd * 2 ** 20)) << 40n;
  b.writeBigUInt64LE(sf & (2n ** 64n - 1n), RESERVE.marketPriceSf);
  b.writeBigUInt64LE(sf >> 64n, RESERVE.marketPriceSf + 8);
  b.writeBigUInt64LE(BigInt(decimals), RESERVE.mintDecimals);
  return b.toString('base64');
}

const transfer = (source: string, destination: string, authority: string, m: KaminoMint, amount: bigint) => ({
  parsed: { info: { authority, destination, mint: m.mint, source, tokenAmount: { amount: amount.toString(), decimals: m.decimals, uiAmount: Number(amount) / 10 ** m.decimals, uiAmountString: String(Number(amount) / 10 ** m.decimals) } }, type: 'transferChecked' },
  program: 'spl-token',
  programId: TOKEN,
  stackHeight: 2,
});

/** One liquidation's frame; `key(label)` gives a synthetic 32-byte address, `signature` the transaction's. */
export function kaminoLiquidationFrame(l: SimKaminoLiquidation, signature: string, key: (label: string) => string): RawFrame {
  const liquidator = key(`liquidator ${signature}`);
  const reserve = (m: KaminoMint) => key(`reserve ${m.mint}`);
  const supply = (m: KaminoMint) => key(`supply ${m.mint}`);
  const accounts = [
    liquidator, key(`obligation ${signature}`), key('market'), key('market authority'),
    reserve(l.debt), l.debt.mint, supply(l.debt),
    reserve(l.collateral), l.collateral.mint, key(`cmint ${l.collateral.mint}`), key(`csupply ${l.collateral.mint}`), supply(l.collateral), key(`fee ${l.collateral.mint}`),
    key(`${liquidator} ${l.debt.mint}`), key(`${liquidator} c${l.collateral.mint}`), key(`${liquidator} ${l.collateral.mint}`),
    TOKEN, TOKEN, TOKEN, 'Sysvar1nstructions1111111111111111111111111',
  ];
  const args = Buffer.alloc(24);
  args.writeBigUInt64LE(l.repaid, 0);
  const data = base58Encode(Buffer.concat([Buffer.from(V1, 'hex'), args]));
  const tx = {
    blockTime: l.blockTime,
    meta: {
      err: null,
      fee: 5_000,
      innerInstructions: [{ index: 0, instructions: [transfer(accounts[13]!, accounts[6]!, liquidator, l.debt, l.repaid), transfer(accounts[11]!, accounts[15]!, accounts[3]!, l.collateral, l.seized)] }],
      logMessages: [`Program ${KLEND_PROGRAM_ID} invoke [1]`, 'Program log: Instruction: LiquidateObligationAndRedeemReserveCollateral', `Program ${KLEND_PROGRAM_ID} success`],
      postTokenBalances: [],
      preTokenBalances: [],
      status: { Ok: null },
    },
    slot: l.slot,
    transaction: { message: { accountKeys: [...new Set(accounts)].map((pubkey, i) => ({ pubkey, signer: i === 0, source: 'transaction', writable: true })), instructions: [{ accounts, data, programId: KLEND_PROGRAM_ID, stackHeight: null }], recentBlockhash: key(`blockhash ${l.slot}`) }, signatures: [signature] },
    version: 0,
  };
  const priced = [reserve(l.collateral), reserve(l.debt)];
  const answer = {
    jsonrpc: '2.0',
    id: 1,
    result: {
      context: { apiVersion: '2.2.0', slot: l.slot },
      value: [
        { data: [reserveData(l.collateral.mint, l.collateralUsd, l.slot, l.collateral.decimals), 'base64'], executable: false, lamports: 9_000_000, owner: KLEND_PROGRAM_ID, space: 8624 },
        { data: [reserveData(l.debt.mint, l.debtUsd, l.slot, l.debt.decimals), 'base64'], executable: false, lamports: 9_000_000, owner: KLEND_PROGRAM_ID, space: 8624 },
      ],
    },
  };
  const frame = solanaFrame('solana', JSON.stringify({ jsonrpc: '2.0', id: 1, result: tx }), true, { method: 'getTransaction', signature }, { text: JSON.stringify(answer), isJson: true, call: { method: 'getMultipleAccounts', accounts: priced } });
  return { recv: l.recv, venue: 'kamino', frame };
}
