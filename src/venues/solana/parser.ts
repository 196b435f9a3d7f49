import type { LiquidationEvent, RetractionEvent, VenueId } from '../../schema/events.js';
import { baseCoin, units } from '../evm/parser.js';
import { preview } from '../fields.js';
import { EntryResults, parseJsonObject, reject, type FrameParser, type ParseResult } from '../venue.js';
import { AccountsResult, LogsNotification, Response, RpcError, SlotResult, SolanaFrame, StatusesResult, Transaction, type PriceAccounts } from './schema.js';
import { balanceChanges, directChildren, flatten, programInstruction, tokenAccounts, tokenTransfer, type BalanceChange, type FlatInstruction, type TokenTransfer } from './transaction.js';

/** One side of a liquidation as the protocol reads it: exact base units, the mint's decimals, and the account that prices it. */
export interface SolanaSide {
  mint: string;
  amount: bigint;
  decimals: number;
  /** The account whose recorded data gives this mint's USD price (Kamino: the reserve). */
  priceAccount: string;
}

export interface SolanaLiquidationRead {
  collateral: SolanaSide;
  debt: SolanaSide;
  /** Amounts the instruction's own transfers do not state (≈): read from the transaction's net balance changes instead. */
  inferred?: ('collateral' | 'debt')[];
}

/** A USD price an account states: per whole token of `mint`, set at `slot`. */
export interface AccountPrice {
  mint: string;
  usd: number;
  slot: number;
}

/** What the instruction's reader gets: the instruction, the instructions it called, and the transaction's token facts. */
export interface InstructionContext {
  accounts: string[];
  data: Uint8Array;
  children: FlatInstruction[];
  transfer(raw: unknown): TokenTransfer | undefined;
  /** The transaction's net token balance changes (pre/postTokenBalances). */
  changes(): BalanceChange[];
  /** How many liquidation instructions the transaction holds (net balance changes speak for one only). */
  liquidations: number;
}

/**
 * A Solana lending protocol as the generic Solana code needs it: its program, which instructions are
 * liquidations (Anchor discriminators), how one reads, and how an account's data states a price. Data and pure
 * functions only (src/venues/kamino/).
 */
export interface SolanaProtocol {
  programId: string;
  /** Discriminator (8 bytes, hex) → instruction name, for every liquidation instruction. */
  liquidations: ReadonlyMap<string, string>;
  /** Log lines that show a liquidation (the connection fetches only those transactions; a truncated log is fetched too). */
  logMarkers: readonly string[];
  read(ix: InstructionContext): SolanaLiquidationRead | string;
  /** The price `data` (an account owned by `owner`) states, or why it states none. */
  price(owner: string, data: Uint8Array): AccountPrice | string;
  /** The symbol reports use for a mint (a table; an unknown mint by its address's first characters). */
  symbol(mint: string): string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface FoundLiquidation {
  position: number;
  name: string;
  /** The instruction as the transaction gives it (a refused one is dead-lettered as this). */
  raw: unknown;
  read: SolanaLiquidationRead | string;
}

/** Every liquidation instruction of `tx` (outer, or called by another program), each read or refused with a reason. */
export function liquidationsIn(protocol: SolanaProtocol, tx: Transaction): FoundLiquidation[] {
  const flat = flatten(tx);
  const found: { at: number; name: string; ix: { accounts: string[]; data: Uint8Array } }[] = [];
  flat.forEach((f, at) => {
    const ix = programInstruction(f.raw);
    if (!ix || ix.programId !== protocol.programId || ix.data.length < 8) return;
    const name = protocol.liquidations.get(hex(ix.data.subarray(0, 8)));
    if (name !== undefined) found.push({ at, name, ix });
  });
  if (found.length === 0) return [];
  const accounts = tokenAccounts(tx);
  let changes: BalanceChange[] | undefined;
  return found.map(({ at, name, ix }) => ({
    position: flat[at]!.position,
    name,
    raw: flat[at]!.raw,
    read: protocol.read({
      accounts: ix.accounts,
      data: ix.data,
      children: directChildren(flat, at),
      transfer: (raw) => tokenTransfer(raw, accounts),
      changes: () => (changes ??= balanceChanges(tx)),
      liquidations: found.length,
    }),
  }));
}

/** At most this many provisional transactions are kept for a retraction. */
export const MAX_PROVISIONAL = 50_000;
/** Ids already emitted and final, kept so a backfill's copy of a transaction is not counted twice. */
const MAX_FINAL_IDS = 100_000;

interface ChainRuntime {
  finalized: number;
  /** Provisional transactions: signature → its slot and the events emitted from it (for a retraction). */
  provisional: Map<string, { slot: number; events: LiquidationEvent[] }>;
  final: Set<string>;
  /** Signatures whose events were retracted (bounded): landing again, at another slot, their events take new ids. */
  retracted: Set<string>;
}

/**
 * The parser of a Solana lending protocol's frames (docs/venues/solana.md): transactions (getTransaction answers,
 * each with the answer of its price accounts) give liquidations; the finalized slot and signature statuses make
 * events final or retract them. Pure but for its own state, which the frames alone build: a replay gives the same events.
 */
export function solanaParser(venue: VenueId, protocol: SolanaProtocol, chains: readonly string[]): FrameParser {
  const runtimes = new Map<string, ChainRuntime>();
  const runtime = (chain: string): ChainRuntime | undefined => {
    if (!chains.includes(chain)) return undefined;
    let rt = runtimes.get(chain);
    if (!rt) runtimes.set(chain, (rt = { finalized: -1, provisional: new Map(), final: new Set(), retracted: new Set() }));
    return rt;
  };

  function onTransaction(rt: ChainRuntime, chain: string, asked: string, result: unknown, accounts: PriceAccounts | undefined, out: EntryResults, receiveTime: number): void {
    if (result === null) return; // not found (yet): nothing to count
    const tx = out.read(Transaction, result, 'transaction');
    if (!tx || tx.meta.err !== null) return; // a failed transaction moved nothing
    const signature = tx.transaction.signatures[0]!;
    // Finality is asked by the signature asked: another transaction's events could never be made final or retracted.
    if (signature !== asked) return out.reject({ signature }, `getTransaction answers ${signature}, asked ${asked}`);
    const liquidations = liquidationsIn(protocol, tx);
    const prices = liquidations.length > 0 && accounts ? pricesOf(accounts, out) : new Map<string, AccountPrice>();
    for (const found of liquidations) {
      // A retracted id stays retracted downstream (src/aggregate/retraction-ledger.ts): a transaction landing again
      // after its retraction is told apart by its slot.
      const id = `${venue}:${chain}:${signature}:${found.position}${rt.retracted.has(signature) ? `@${tx.slot}` : ''}`;
      if (rt.final.has(id) || rt.provisional.get(signature)?.events.some((e) => e.id === id)) continue;
      const raw = found.raw;
      // The reason first: a reason is clipped, and the signature is long.
      const where = `(${found.name}, instruction ${found.position} of ${signature})`;
      if (typeof found.read === 'string') {
        out.reject(raw, `${found.read} ${where}`);
        continue;
      }
      const valued = value(prices, found.read, tx.slot);
      if (typeof valued === 'string') {
        out.reject(raw, `${valued} ${where}`);
        continue;
      }
      const { collateral, debt } = valued;
      const inferred = [...new Set([...(found.read.inferred ?? []), ...valued.inferred])];
      const provisional = tx.slot > rt.finalized;
      const event: LiquidationEvent = {
        type: 'liquidation',
        id,
        venue,
        symbol: `${collateral.symbol}/${debt.symbol}`,
        base: baseCoin(collateral.symbol),
        side: 'long',
        price: collateral.price,
        qty: collateral.amount,
        notionalUsd: collateral.usd,
        eventTime: tx.blockTime !== null ? tx.blockTime * 1000 : receiveTime,
        receiveTime,
        fidelity: 'complete',
        kind: 'liquidation',
        source: `${venue}:${found.name}`,
        onchain: {
          chain,
          txHash: signature,
          logIndex: found.position,
          blockNumber: tx.slot,
          collateralAsset: collateral.symbol,
          collateralToken: found.read.collateral.mint,
          collateralAmount: collateral.amount,
          collateralUsd: collateral.usd,
          debtAsset: debt.symbol,
          debtToken: found.read.debt.mint,
          debtAmount: debt.amount,
          debtUsd: debt.usd,
          provisional,
          ...(inferred.length > 0 ? { inferred: inferred.sort() } : {}),
        },
      };
      const before = out.events.length;
      out.add(event, raw);
      if (out.events.length === before) continue;
      if (provisional) remember(rt, signature, tx.slot, event);
      else keepFinal(rt, id);
    }
  }

  function remember(rt: ChainRuntime, signature: string, slot: number, event: LiquidationEvent): void {
    const entry = rt.provisional.get(signature);
    if (entry) entry.events.push(event);
    else rt.provisional.set(signature, { slot, events: [event] });
    // The oldest provisional transaction past the bound is taken as final (its slot is long past finalization).
    if (rt.provisional.size > MAX_PROVISIONAL) {
      const [oldest, e] = rt.provisional.entries().next().value!;
      rt.provisional.delete(oldest);
      for (const ev of e.events) keepFinal(rt, ev.id);
    }
  }

  function keepFinal(rt: ChainRuntime, id: string): void {
    rt.final.add(id);
    if (rt.final.size > MAX_FINAL_IDS) rt.final.delete(rt.final.values().next().value!);
  }

  type Valued = { symbol: string; amount: number; price: number; usd: number };
  function value(prices: ReadonlyMap<string, AccountPrice>, read: SolanaLiquidationRead, slot: number): { collateral: Valued; debt: Valued; inferred: ('collateral' | 'debt')[] } | string {
    const inferred: ('collateral' | 'debt')[] = [];
    const side = (which: 'collateral' | 'debt') => {
      const s = read[which];
      const p = prices.get(s.priceAccount);
      if (!p) return `no price for ${which} account ${s.priceAccount}`;
      if (p.mint !== s.mint) return `${which} account ${s.priceAccount} prices ${p.mint}, not ${s.mint}`;
      // Exact only when the account's price was set in the liquidation's own slot (the refresh it required);
      // a later refresh gives the price just after it: an estimate (≈).
      if (p.slot !== slot) inferred.push(which);
      const amount = units(s.amount, s.decimals);
      return { symbol: protocol.symbol(s.mint), amount, price: p.usd, usd: amount * p.usd };
    };
    const collateral = side('collateral');
    if (typeof collateral === 'string') return collateral;
    const debt = side('debt');
    if (typeof debt === 'string') return debt;
    return { collateral, debt, inferred };
  }

  /** The prices the accounts' answer states, by account; what it cannot say is left out (the liquidation needing it is refused with the reason). */
  function pricesOf(accounts: PriceAccounts, out: EntryResults): Map<string, AccountPrice> {
    const prices = new Map<string, AccountPrice>();
    const error = RpcError.safeParse(accounts.rpc);
    const r = AccountsResult.safeParse(accounts.rpc.result);
    if (error.success || !r.success || r.data.value.length !== accounts.call.accounts.length) {
      out.reject(accounts.rpc, error.success ? `price accounts: JSON-RPC error ${error.data.error.code}` : 'price accounts: not an answer for the accounts asked');
      return prices;
    }
    r.data.value.forEach((account, i) => {
      const asked = accounts.call.accounts[i]!;
      if (account === null) return;
      const price = protocol.price(account.owner, Buffer.from(account.data[0], 'base64'));
      if (typeof price === 'string') return out.reject({ account: asked, owner: account.owner }, `price account ${asked}: ${price}`);
      prices.set(asked, price);
    });
    return prices;
  }

  function onStatuses(rt: ChainRuntime, asked: string[], result: unknown, out: EntryResults, receiveTime: number): void {
    const r = out.read(StatusesResult, result, 'getSignatureStatuses result');
    if (!r) return;
    if (r.value.length !== asked.length) return out.reject(result, `${r.value.length} statuses answered for ${asked.length} asked`);
    r.value.forEach((status, i) => {
      const signature = asked[i]!;
      const entry = rt.provisional.get(signature);
      if (!entry) return;
      const failed = status?.err !== null && status?.err !== undefined;
      if (status?.confirmationStatus === 'finalized' && !failed) {
        rt.provisional.delete(signature);
        for (const e of entry.events) keepFinal(rt, e.id);
      } else if ((status === null && entry.slot <= rt.finalized) || (status?.confirmationStatus === 'finalized' && failed)) {
        // Its slot is finalized and the cluster does not know the transaction: it was on an abandoned fork. Or the
        // final fork ran it (the same signature, another block) and it failed there: it moved nothing.
        rt.provisional.delete(signature);
        rt.retracted.add(signature);
        if (rt.retracted.size > MAX_FINAL_IDS) rt.retracted.delete(rt.retracted.values().next().value!);
        for (const event of entry.events) out.add({ type: 'retraction', venue, id: event.id, event, reason: 'reorg', receiveTime } satisfies RetractionEvent, { signature });
      }
    });
  }

  return (frame: string, receiveTime: number): ParseResult => {
    const parsed = parseJsonObject(frame);
    if (!parsed.ok) return reject(parsed.reason);
    const env = SolanaFrame.safeParse(parsed.json);
    if (!env.success) return reject('not a Solana frame {"chain","rpc","call"?}');
    const { chain, rpc, call, accounts } = env.data;
    const rt = runtime(chain);
    if (!rt) return reject(`chain ${preview(chain)} is not configured for ${venue}`);
    const error = RpcError.safeParse(rpc);
    if (error.success) return reject(`JSON-RPC error ${error.data.error.code}: ${preview(error.data.error.message)}`);
    if (call === undefined) {
      // A notification (logs: the connection fetches its transaction) or a subscribe acknowledgement: no event.
      if (rpc.method === 'logsNotification') return LogsNotification.safeParse(rpc).success ? { ok: true, events: [] } : reject('invalid logsNotification');
      if (rpc.id !== undefined && typeof rpc.result === 'number') return { ok: true, events: [] };
      return reject(`unknown Solana message ${preview(rpc.method ?? Object.keys(rpc).slice(0, 5))}`);
    }
    const response = Response.safeParse(rpc);
    if (!response.success) return reject(`${call.method} answer without a result`);
    const result = response.data.result;
    const out = new EntryResults(venue);
    switch (call.method) {
      case 'getTransaction':
        onTransaction(rt, chain, call.signature, result, accounts, out, receiveTime);
        break;
      case 'getSlot': {
        const slot = SlotResult.safeParse(result);
        if (!slot.success) return reject('getSlot answer is not a slot');
        rt.finalized = Math.max(rt.finalized, slot.data);
        break;
      }
      case 'getSignatureStatuses':
        onStatuses(rt, call.signatures, result, out, receiveTime);
        break;
      case 'getSignaturesForAddress':
        break; // the connection's backfill reads it; the transactions it names come as their own answers
    }
    return out.result();
  };
}
