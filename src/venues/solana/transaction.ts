import { base58Decode } from './base58.js';
import { InnerInstructions, ParsedInstruction, RawInstruction, TokenBalance, TransferInfo, type Transaction } from './schema.js';

/** The token programs whose transfers move what a liquidation repays and seizes (classic SPL Token and Token-2022). */
export const TOKEN_PROGRAMS = new Set(['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb']);

/** One instruction of a transaction, outer or inner, in execution order. */
export interface FlatInstruction {
  /** Its place in the transaction's flattened order (outer instructions each followed by their inner ones), from 0. */
  position: number;
  /** 1 for an outer instruction; an inner one's depth in the call stack (a CPI from an outer one is 2). */
  height: number;
  raw: unknown;
}

/**
 * Every instruction of `tx` in execution order. Inner instructions without `stackHeight` (older nodes) are taken as
 * depth 2. An inner-instruction group that is not well formed is skipped (its instructions cannot be placed).
 */
export function flatten(tx: Transaction): FlatInstruction[] {
  const inner = new Map<number, unknown[]>();
  for (const group of tx.meta.innerInstructions ?? []) {
    const g = InnerInstructions.safeParse(group);
    if (g.success && !inner.has(g.data.index)) inner.set(g.data.index, g.data.instructions);
  }
  const out: FlatInstruction[] = [];
  tx.transaction.message.instructions.forEach((raw, i) => {
    out.push({ position: out.length, height: 1, raw });
    for (const child of inner.get(i) ?? []) {
      const h = (child as { stackHeight?: unknown } | null)?.stackHeight;
      out.push({ position: out.length, height: typeof h === 'number' && Number.isInteger(h) && h >= 2 ? h : 2, raw: child });
    }
  });
  return out;
}

/** The instructions `flat[at]` called itself (depth one below it), in order. */
export function directChildren(flat: readonly FlatInstruction[], at: number): FlatInstruction[] {
  const parent = flat[at]!.height;
  const out: FlatInstruction[] = [];
  for (let i = at + 1; i < flat.length && flat[i]!.height > parent; i++) if (flat[i]!.height === parent + 1) out.push(flat[i]!);
  return out;
}

/** A program's instruction as the node gives it undecoded: its program, accounts and data bytes, or undefined. */
export function programInstruction(raw: unknown): { programId: string; accounts: string[]; data: Uint8Array } | undefined {
  const ix = RawInstruction.safeParse(raw);
  if (!ix.success) return undefined;
  const data = base58Decode(ix.data.data);
  return data === undefined ? undefined : { programId: ix.data.programId, accounts: ix.data.accounts, data };
}

export interface TokenTransfer {
  source: string;
  destination: string;
  amount: bigint;
  /** From transferChecked; for a plain transfer, from the source's or destination's token balance when listed. */
  mint: string | undefined;
  decimals: number | undefined;
}

/** Mint and decimals of each token account the transaction lists a balance for (pre or post), by address. */
export function tokenAccounts(tx: Transaction): Map<string, { mint: string; decimals: number }> {
  const keys = accountKeys(tx);
  const out = new Map<string, { mint: string; decimals: number }>();
  for (const raw of [...(tx.meta.preTokenBalances ?? []), ...(tx.meta.postTokenBalances ?? [])]) {
    const b = TokenBalance.safeParse(raw);
    const key = b.success ? keys[b.data.accountIndex] : undefined;
    if (b.success && key !== undefined) out.set(key, { mint: b.data.mint, decimals: b.data.uiTokenAmount.decimals });
  }
  return out;
}

export const accountKeys = (tx: Transaction): string[] => tx.transaction.message.accountKeys.map((k) => (typeof k === 'string' ? k : k.pubkey));

/** `raw` as a token transfer (spl-token or Token-2022 `transfer` / `transferChecked`), or undefined. */
export function tokenTransfer(raw: unknown, accounts: ReadonlyMap<string, { mint: string; decimals: number }>): TokenTransfer | undefined {
  const ix = ParsedInstruction.safeParse(raw);
  if (!ix.success || !TOKEN_PROGRAMS.has(ix.data.programId)) return undefined;
  const { type, info } = ix.data.parsed;
  if (type !== 'transfer' && type !== 'transferChecked') return undefined;
  const t = TransferInfo.safeParse(info);
  if (!t.success) return undefined;
  const amountText = type === 'transferChecked' ? t.data.tokenAmount?.amount : t.data.amount;
  if (amountText === undefined) return undefined;
  const known = accounts.get(t.data.source) ?? accounts.get(t.data.destination);
  const mint = t.data.mint ?? known?.mint;
  const decimals = t.data.tokenAmount?.decimals ?? (known !== undefined && known.mint === mint ? known.decimals : undefined);
  return { source: t.data.source, destination: t.data.destination, amount: BigInt(amountText), mint, decimals };
}

export interface BalanceChange {
  account: string;
  mint: string;
  owner: string | undefined;
  decimals: number;
  /** post − pre in the mint's base units (an account missing on one side counts 0 there: opened or closed). */
  delta: bigint;
}

/**
 * Each token account's change over the transaction, from meta.pre/postTokenBalances: exact (base units, bigint).
 * A balance entry outside its schema, or naming an account index the message does not have, is skipped; an
 * account whose mint differs between pre and post (not possible on chain) is left out rather than guessed.
 */
export function balanceChanges(tx: Transaction): BalanceChange[] {
  const keys = accountKeys(tx);
  const read = (list: unknown[] | null | undefined) => {
    const m = new Map<string, TokenBalance>();
    for (const raw of list ?? []) {
      const b = TokenBalance.safeParse(raw);
      const key = b.success ? keys[b.data.accountIndex] : undefined;
      if (b.success && key !== undefined && !m.has(key)) m.set(key, b.data);
    }
    return m;
  };
  const pre = read(tx.meta.preTokenBalances);
  const post = read(tx.meta.postTokenBalances);
  const out: BalanceChange[] = [];
  for (const account of new Set([...pre.keys(), ...post.keys()])) {
    const a = pre.get(account);
    const b = post.get(account);
    const ref = (b ?? a)!;
    if (a && b && (a.mint !== b.mint || a.uiTokenAmount.decimals !== b.uiTokenAmount.decimals)) continue;
    const delta = BigInt(b?.uiTokenAmount.amount ?? '0') - BigInt(a?.uiTokenAmount.amount ?? '0');
    out.push({ account, mint: ref.mint, owner: ref.owner, decimals: ref.uiTokenAmount.decimals, delta });
  }
  return out;
}
