import { z } from 'zod';
import { isAddress, isSignature } from './base58.js';

/**
 * The raw shapes of Solana JSON-RPC messages as the Solana frames carry them (docs/venues/solana.md): every message
 * the connection receives is one frame `{"rpc":<message as received>,"call":<the request it answers>,"chain":…}`.
 * `call` is written by the connection (an HTTP answer alone does not say what was asked); a subscription's
 * notification has none.
 */

export const address = z.string().refine(isAddress, 'expected a base58 32-byte address');
export const signature = z.string().refine(isSignature, 'expected a base58 64-byte signature');
const slot = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** An unsigned 64-bit integer as a decimal string (token amounts: `"1500000"`). */
export const u64String = z.string().regex(/^(0|[1-9][0-9]{0,19})$/, { message: 'expected a u64 as a decimal string', abort: true }).refine((s) => BigInt(s) < 2n ** 64n, 'u64 out of range');

/** What the connection asked, recorded beside the answer. Bounded so a frame cannot carry an unbounded list. */
export const SolanaCall = z.discriminatedUnion('method', [
  z.object({ method: z.literal('getTransaction'), signature }),
  z.object({ method: z.literal('getSlot'), commitment: z.literal('finalized') }),
  z.object({ method: z.literal('getSignatureStatuses'), signatures: z.array(signature).min(1).max(256) }),
  z.object({ method: z.literal('getSignaturesForAddress') }),
]);
export type SolanaCall = z.infer<typeof SolanaCall>;

/**
 * A getTransaction answer of a liquidation travels with the answer of its price accounts (`accounts`: the
 * getMultipleAccounts answer and what it asked, read at the liquidation's slot or later): a frame says all its
 * liquidations need, alone.
 */
export const PriceAccounts = z.object({ rpc: z.record(z.string(), z.unknown()), call: z.object({ method: z.literal('getMultipleAccounts'), accounts: z.array(address).min(1).max(100) }) });
export type PriceAccounts = z.infer<typeof PriceAccounts>;

export const SolanaFrame = z.object({
  chain: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a chain name'),
  rpc: z.record(z.string(), z.unknown()),
  call: SolanaCall.optional(),
  accounts: PriceAccounts.optional(),
});

export const RpcError = z.object({ error: z.object({ code: z.number(), message: z.string() }).loose() });
export const Response = z.object({ id: z.union([z.number(), z.string(), z.null()]), result: z.unknown() });

/** `logsSubscribe`'s notification: the signature, whether it failed, and its log lines. */
export const LogsNotification = z.object({
  method: z.literal('logsNotification'),
  params: z.object({
    subscription: z.number(),
    result: z.object({ context: z.object({ slot }), value: z.object({ signature, err: z.unknown(), logs: z.array(z.string()).max(10_000).nullable() }) }),
  }),
});

const UiTokenAmount = z.object({ amount: u64String, decimals: z.number().int().min(0).max(255) });
/** A token account's balance before or after the transaction (meta.preTokenBalances / postTokenBalances). */
export const TokenBalance = z.object({ accountIndex: z.number().int().min(0).max(255), mint: address, owner: address.optional(), uiTokenAmount: UiTokenAmount });
export type TokenBalance = z.infer<typeof TokenBalance>;

/** A jsonParsed account key: `{pubkey, signer, writable, source}` (or a bare string from older nodes). */
const AccountKey = z.union([address, z.object({ pubkey: address })]);

/**
 * A `getTransaction` (jsonParsed, maxSupportedTransactionVersion 0) result: what the parser needs. Instructions stay
 * unknown here and are read one by one (a bad one is refused alone).
 */
export const Transaction = z.object({
  slot,
  blockTime: z.number().int().nonnegative().max(9_999_999_999).nullable(),
  meta: z.object({
    err: z.unknown(),
    innerInstructions: z.array(z.unknown()).max(10_000).nullable().optional(),
    preTokenBalances: z.array(z.unknown()).max(10_000).nullable().optional(),
    postTokenBalances: z.array(z.unknown()).max(10_000).nullable().optional(),
  }),
  transaction: z.object({
    signatures: z.array(signature).min(1).max(256),
    message: z.object({ accountKeys: z.array(AccountKey).max(256), instructions: z.array(z.unknown()).max(10_000) }),
  }),
});
export type Transaction = z.infer<typeof Transaction>;

/** An instruction of a program the node cannot parse: its accounts and base58 data. */
export const RawInstruction = z.object({ programId: address, accounts: z.array(address).max(256), data: z.string().max(4_096), stackHeight: z.number().int().min(1).max(64).nullable().optional() });
/** An spl-token instruction as the node parsed it. */
export const ParsedInstruction = z.object({
  programId: address,
  parsed: z.object({ type: z.string(), info: z.record(z.string(), z.unknown()) }),
  stackHeight: z.number().int().min(1).max(64).nullable().optional(),
});
export const TransferInfo = z.object({
  source: address,
  destination: address,
  /** transferChecked only. */
  mint: address.optional(),
  amount: u64String.optional(),
  tokenAmount: UiTokenAmount.optional(),
});
export const InnerInstructions = z.object({ index: z.number().int().min(0).max(255), instructions: z.array(z.unknown()).max(10_000) });

/** getMultipleAccounts (encoding base64) result: a value per account asked, null for one that does not exist. */
export const AccountsResult = z.object({
  context: z.object({ slot }),
  value: z.array(z.union([z.null(), z.object({ owner: address, data: z.tuple([z.string().max(1_000_000), z.literal('base64')]) })])).max(100),
});

/** getSignatureStatuses result: a status per signature asked, null for one the node does not know. */
export const StatusesResult = z.object({
  context: z.object({ slot }),
  value: z.array(z.union([z.null(), z.object({ slot, err: z.unknown(), confirmationStatus: z.enum(['processed', 'confirmed', 'finalized']).nullable().optional() })])).max(256),
});

export const SlotResult = slot;
