import { createHash } from 'node:crypto';
import { base58Encode } from '../../src/venues/solana/base58.js';
import { instructionDiscriminator } from '../../src/venues/solana/anchor.js';
import { KLEND_PROGRAM_ID } from '../../src/venues/kamino/plan.js';
import { reserveData as simReserveData } from '../../src/simulate/kamino-frames.js';

/**
 * Real-shaped Solana JSON-RPC answers for tests: getTransaction (jsonParsed) results of KLend liquidations with their
 * inner spl-token transferChecked instructions and token balances, and Reserve accounts (base64) with a price.
 */

const digest = (seed: string) => createHash('sha256').update(seed).digest();
/** A deterministic 32-byte address from a seed. */
export const key = (seed: string): string => base58Encode(digest(`key ${seed}`));
/** A deterministic 64-byte signature from a seed. */
export const sig = (seed: string): string => base58Encode(Buffer.concat([digest(`sig ${seed}`), digest(`sig2 ${seed}`)]));

export const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const WSOL = 'So11111111111111111111111111111111111111112';
export const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
export const FARTCOIN = '9BB6NFEcjBCtnNLFko2FqVQBq8HHM13kCyYcdQbgpump';
export const DECIMALS: Record<string, number> = { [WSOL]: 9, [USDC]: 6, [FARTCOIN]: 6 };

/** A reserve per mint: its address (the price account) and its liquidity supply vault. */
export const reserveOf = (mint: string) => ({ reserve: key(`reserve ${mint}`), supply: key(`supply ${mint}`), feeVault: key(`fee ${mint}`), cMint: key(`cmint ${mint}`), cSupply: key(`csupply ${mint}`) });

export interface LiquidationSpec {
  debtMint: string;
  collateralMint: string;
  /** Base units. */
  repaid: bigint;
  seized: bigint;
  protocolFee?: bigint;
  liquidator?: string;
  v2?: boolean;
}

/** The 20 accounts of the instruction, in the program's order. */
export function liquidationAccounts(l: LiquidationSpec): string[] {
  const liquidator = l.liquidator ?? key('liquidator');
  const repay = reserveOf(l.debtMint);
  const withdraw = reserveOf(l.collateralMint);
  return [
    liquidator,
    key('obligation'),
    key('market'),
    key('market authority'),
    repay.reserve,
    l.debtMint,
    repay.supply,
    withdraw.reserve,
    l.collateralMint,
    withdraw.cMint,
    withdraw.cSupply,
    withdraw.supply,
    withdraw.feeVault,
    key(`${liquidator} ata ${l.debtMint}`),
    key(`${liquidator} cata ${l.collateralMint}`),
    key(`${liquidator} ata ${l.collateralMint}`),
    TOKEN,
    TOKEN,
    TOKEN,
    'Sysvar1nstructions1111111111111111111111111',
  ];
}

const u64le = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};

export function instructionData(name: string, args: bigint[] = []): string {
  return base58Encode(Buffer.concat([Buffer.from(instructionDiscriminator(name), 'hex'), ...args.map(u64le)]));
}

const tokenAmount = (amount: bigint, decimals: number) => ({ amount: amount.toString(), decimals, uiAmount: Number(amount) / 10 ** decimals, uiAmountString: (Number(amount) / 10 ** decimals).toString() });

export const transferChecked = (source: string, destination: string, authority: string, mint: string, amount: bigint, stackHeight: number) => ({
  parsed: { info: { authority, destination, mint, source, tokenAmount: tokenAmount(amount, DECIMALS[mint] ?? 6) }, type: 'transferChecked' },
  program: 'spl-token',
  programId: TOKEN,
  stackHeight,
});

/** The inner instructions KLend makes for one liquidation (repay, collateral out, burn, redeem, protocol fee), at `height`. */
export function liquidationInner(l: LiquidationSpec, height = 2): unknown[] {
  const a = liquidationAccounts(l);
  const fee = l.protocolFee ?? 0n;
  return [
    transferChecked(a[13]!, a[6]!, a[0]!, l.debtMint, l.repaid, height),
    { parsed: { info: { amount: '1000', authority: a[3], destination: a[14], source: a[10] }, type: 'transfer' }, program: 'spl-token', programId: TOKEN, stackHeight: height },
    { parsed: { info: { account: a[14], amount: '1000', authority: a[0], mint: a[9] }, type: 'burn' }, program: 'spl-token', programId: TOKEN, stackHeight: height },
    transferChecked(a[11]!, a[15]!, a[3]!, l.collateralMint, l.seized, height),
    transferChecked(a[15]!, a[12]!, a[0]!, l.collateralMint, fee, height),
  ];
}

export interface TxSpec {
  signature: string;
  slot: number;
  blockTime: number;
  liquidations: LiquidationSpec[];
  /** Extra outer KLend instructions that are not liquidations (refresh_reserve). */
  others?: string[];
  /** The liquidations are called by a bot program (CPI) rather than outer instructions. */
  viaCpi?: boolean;
  err?: unknown;
}

/** A getTransaction (jsonParsed, v0) result. */
export function transactionResult(t: TxSpec): Record<string, unknown> {
  const instructions: unknown[] = [];
  const inner: { index: number; instructions: unknown[] }[] = [];
  const keys = new Set<string>();
  for (const name of t.others ?? []) {
    instructions.push({ accounts: [key('reserve x'), key('market')], data: instructionData(name), programId: KLEND_PROGRAM_ID, stackHeight: null });
  }
  const bot = key('liquidator bot program');
  const cpiGroup: unknown[] = [];
  for (const l of t.liquidations) {
    const accounts = liquidationAccounts(l);
    accounts.forEach((k) => keys.add(k));
    const data = instructionData(l.v2 ? 'liquidate_obligation_and_redeem_reserve_collateral_v2' : 'liquidate_obligation_and_redeem_reserve_collateral', [l.repaid, 0n, 0n]);
    if (t.viaCpi) {
      cpiGroup.push({ accounts: [...accounts, ...(l.v2 ? [key('farm a'), key('farm b')] : [])], data, programId: KLEND_PROGRAM_ID, stackHeight: 2 }, ...liquidationInner(l, 3));
    } else {
      inner.push({ index: instructions.length, instructions: liquidationInner(l) });
      instructions.push({ accounts: [...accounts, ...(l.v2 ? [key('farm a'), key('farm b')] : [])], data, programId: KLEND_PROGRAM_ID, stackHeight: null });
    }
  }
  if (t.viaCpi) {
    inner.push({ index: instructions.length, instructions: cpiGroup });
    instructions.push({ accounts: [key('liquidator')], data: '3Bxs4h24hBtQy9rw', programId: bot, stackHeight: null });
  }
  const accountKeys = [...keys].map((pubkey, i) => ({ pubkey, signer: i === 0, source: 'transaction', writable: true }));
  const balances = (post: boolean) =>
    t.liquidations.flatMap((l) => {
      const a = liquidationAccounts(l);
      const idx = (k: string) => [...keys].indexOf(k);
      const mk = (account: string, mint: string, amount: bigint) => ({ accountIndex: idx(account), mint, owner: a[0], programId: TOKEN, uiTokenAmount: tokenAmount(amount, DECIMALS[mint] ?? 6) });
      const start = 10n ** 15n;
      return [mk(a[13]!, l.debtMint, post ? start - l.repaid : start), mk(a[15]!, l.collateralMint, post ? start + l.seized - (l.protocolFee ?? 0n) : start)];
    });
  return {
    blockTime: t.blockTime,
    meta: {
      computeUnitsConsumed: 250_000,
      err: t.err ?? null,
      fee: 5_000,
      innerInstructions: inner,
      logMessages: [`Program ${KLEND_PROGRAM_ID} invoke [1]`, 'Program log: Instruction: LiquidateObligationAndRedeemReserveCollateral', `Program ${KLEND_PROGRAM_ID} success`],
      postBalances: [],
      postTokenBalances: balances(true),
      preBalances: [],
      preTokenBalances: balances(false),
      rewards: [],
      status: t.err ? { Err: t.err } : { Ok: null },
    },
    slot: t.slot,
    transaction: { message: { accountKeys, addressTableLookups: [], instructions, recentBlockhash: key(`blockhash ${t.slot}`) }, signatures: [t.signature] },
    version: 0,
  };
}

/** A Reserve account's data (first RESERVE_BYTES) stating `usd` per token of `mint`, last refreshed at `slot`. */
export const reserveData = (mint: string, usd: number, slot: number): Buffer => Buffer.from(simReserveData(mint, usd, slot, DECIMALS[mint] ?? 6), 'base64');

/** Frames as the connection records them. */
export const frame = (rpc: unknown, call?: unknown, chain = 'solana', accounts?: unknown): string => JSON.stringify({ rpc, ...(call ? { call } : {}), ...(accounts ? { accounts } : {}), chain });

export interface PricedAccount {
  address: string;
  mint: string;
  usd: number;
  slot: number;
}

/** A getMultipleAccounts (base64) answer of Reserve accounts, with what it asked: the `accounts` of a transaction frame. */
export const accountsAnswer = (accounts: PricedAccount[], contextSlot: number) => ({
  rpc: {
    jsonrpc: '2.0',
    id: 101,
    result: {
      context: { apiVersion: '2.2.0', slot: contextSlot },
      value: accounts.map((a) => ({ data: [reserveData(a.mint, a.usd, a.slot).toString('base64'), 'base64'], executable: false, lamports: 9_000_000, owner: KLEND_PROGRAM_ID, rentEpoch: 0, space: 8624 })),
    },
  },
  call: { method: 'getMultipleAccounts', accounts: accounts.map((a) => a.address) },
});

/** A getTransaction answer as recorded: with its price accounts' answer when `prices` are given. */
export const txFrame = (t: TxSpec, prices?: PricedAccount[], contextSlot = t.slot): string =>
  frame({ jsonrpc: '2.0', id: 100, result: transactionResult(t) }, { method: 'getTransaction', signature: t.signature }, 'solana', prices ? accountsAnswer(prices, contextSlot) : undefined);
