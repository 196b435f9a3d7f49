import type { z } from 'zod';
import type { LiquidationEvent, RetractionEvent, VenueId } from '../../schema/events.js';
import { preview } from '../fields.js';
import { EntryResults, parseJsonObject, reject, type FrameParser, type ParseResult } from '../venue.js';
import { CHAINLINK_ANSWER_UPDATED, TOPIC0, type EventAbi } from './abi.js';
import { ChainState } from './chain-state.js';
import { lower, type ChainMetadata, type EvmMetadata } from './metadata.js';
import { PriceBook } from './price-book.js';
import { EvmFrame, Notification, Response, RpcError, RpcHead, RpcLog, hexNumber } from './schema.js';
import { loadViem } from './viem.js';

/** What one liquidation log says, in token units before decimals (a protocol's parse.ts reads it from the decoded log). */
export interface LiquidationFact {
  collateralToken: string;
  collateralAmount: bigint;
  /** When the amount is not in the token's own decimals (Maker's ink is always a wad: 18). */
  collateralDecimals?: number;
  debtToken: string;
  debtAmount: bigint;
  /** Maker's due is a rad (45 decimals). */
  debtDecimals?: number;
}

/** One event a protocol emits: its pinned ABI and how its decoded arguments become a fact. */
export interface ProtocolEvent<A = unknown> {
  topic0: string;
  abi: EventAbi;
  /** The decoded arguments' schema (raw schema.ts of the protocol). */
  args: z.ZodType<A>;
  /** The fact, `null` for a log that is understood and carries no liquidation of its own, or why it cannot be used. */
  read(args: A, log: RpcLog, chain: ChainMetadata): LiquidationFact | null | string;
}

/** A protocol's events of any argument type (each reads its own decoded arguments). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProtocolEvent = ProtocolEvent<any>;

/** Wrapped forms are their coin: the event's `base` (WBTC and cbBTC liquidations are BTC exposure). */
const COIN: Record<string, string> = { WETH: 'ETH', WBTC: 'BTC', cbBTC: 'BTC', tBTC: 'BTC', WSOL: 'SOL' };
export const baseCoin = (symbol: string): string => COIN[symbol] ?? symbol;

/** amount / 10^decimals as a number; beyond 2^53, whole part and fraction apart, so round amounts stay exact (a rad of 120,000 DAI is 120000). */
export function units(amount: bigint, decimals: number): number {
  // One correctly rounded division when both are exact doubles (10^22 is the largest exact power of ten).
  if (amount <= 9_007_199_254_740_992n && decimals <= 22) return Number(amount) / 10 ** decimals;
  const scale = 10n ** BigInt(decimals);
  return Number(amount / scale) + Number(amount % scale) / Number(scale);
}

/** amount / 10^decimals × answer / 10^feedDecimals (relative error ~1e-16). */
export const usdOf = (amount: bigint, decimals: number, answer: bigint, feedDecimals: number): number => units(amount, decimals) * units(answer, feedDecimals);

interface ChainRuntime {
  meta: ChainMetadata;
  state: ChainState;
  book: PriceBook;
}

/**
 * The parser of an on-chain venue (docs/venues/evm.md): pure and deterministic on the sequence of frames. Per chain
 * it keeps recent heads and the events it emitted (reorg retraction), and the Chainlink answers it saw (valuation).
 * viem is loaded on the first log it decodes.
 */
/**
 * How far past the tip a head may be: more blocks than ~2.9 days of Arbitrum (4 a second) or 139 days of
 * Ethereum, so a connector back from an outage is never refused, while an absurd number is.
 */
export const MAX_HEAD_JUMP = 1_000_000;

export function evmParser(venue: VenueId, events: readonly AnyProtocolEvent[], meta: EvmMetadata | undefined): FrameParser {
  const byTopic = new Map<string, AnyProtocolEvent>(events.map((e) => [e.topic0, e]));
  const chains = new Map<string, ChainRuntime>();
  const runtime = (chain: string): ChainRuntime | undefined => {
    let r = chains.get(chain);
    // Own keys only: a frame naming chain `constructor` must not reach Object's prototype.
    const m = meta && Object.hasOwn(meta.chains, chain) ? meta.chains[chain] : undefined;
    if (!r && m) chains.set(chain, (r = { meta: m, state: new ChainState(), book: new PriceBook() }));
    return r;
  };

  function onHead(rt: ChainRuntime, raw: unknown, out: EntryResults, receiveTime: number): void {
    const h = out.read(RpcHead, raw, 'block header');
    if (!h) return;
    const number = hexNumber(h.number);
    // A head far past the chain's tip (a node's bug, a hostile message: 0xfffffffffffff passes the schema) would
    // become the tip and prune every real block the reorg check needs; refused on its own.
    if (rt.state.tip >= 0 && number > rt.state.tip + MAX_HEAD_JUMP) return out.reject(raw, `block ${number} is more than ${MAX_HEAD_JUMP} blocks past the chain's tip ${rt.state.tip}`);
    orphaned(rt, rt.state.head(number, lower(h.hash), lower(h.parentHash), hexNumber(h.timestamp)), raw, out, receiveTime);
  }

  /** What a head or a log showed orphaned: its events retracted, its price answers forgotten. */
  function orphaned(rt: ChainRuntime, o: { retracted: LiquidationEvent[]; changedFrom?: number }, raw: unknown, out: EntryResults, receiveTime: number): void {
    const from = o.changedFrom;
    if (from !== undefined) rt.book.retain((u) => u.block < from || rt.state.hashOf(u.block) === undefined || u.blockHash === rt.state.hashOf(u.block));
    for (const e of o.retracted) out.add(retraction(e, 'reorg', receiveTime), raw);
  }

  function onLog(rt: ChainRuntime, chain: string, raw: unknown, out: EntryResults, receiveTime: number): void {
    const log = out.read(RpcLog, raw, 'log');
    if (!log) return;
    const address = lower(log.address);
    const blockHash = lower(log.blockHash);
    const block = hexNumber(log.blockNumber);
    const logIndex = hexNumber(log.logIndex);
    const id = `${venue}:${chain}:${blockHash}:${logIndex}`;
    const topic0 = lower(log.topics[0] ?? '');
    if (log.removed === true) {
      if (topic0 === TOPIC0.AnswerUpdated) rt.book.remove(address, blockHash, logIndex);
      const e = rt.state.take(block, id);
      if (e) out.add(retraction(e, 'removed', receiveTime), raw);
      return;
    }
    if (rt.state.hashOf(block) !== blockHash) orphaned(rt, rt.state.block(block, blockHash), raw, out, receiveTime);
    if (topic0 === TOPIC0.AnswerUpdated) {
      if (!rt.meta.feeds[address]) return out.reject(raw, `AnswerUpdated from ${address}, which is no known aggregator on ${chain}`);
      const args = decode(CHAINLINK_ANSWER_UPDATED, log);
      if (typeof args === 'string') return out.reject(raw, args);
      const current = (args as { current: unknown }).current;
      if (typeof current !== 'bigint' || current <= 0n) return out.reject(raw, `AnswerUpdated with a non-positive answer ${preview(String(current))}`);
      rt.book.add(address, { block, logIndex, blockHash, answer: current });
      return;
    }
    const pe = byTopic.get(topic0);
    if (!pe) return out.reject(raw, `unknown topic0 ${preview(topic0)} for ${venue}`);
    if (!rt.meta.contracts[address]) return out.reject(raw, `${venue} event from ${address}, which is no known ${venue} contract on ${chain}`);
    if (rt.state.has(block, id)) return; // the same log again (subscription and backfill): emitted once
    const decoded = decode(pe.abi, log);
    if (typeof decoded === 'string') return out.reject(raw, decoded);
    const args = pe.args.safeParse(decoded);
    if (!args.success) return out.reject(raw, `decoded ${pe.abi.name} outside its schema: ${args.error.issues[0]?.message ?? ''}`);
    const fact = pe.read(args.data, log, rt.meta);
    if (fact === null) return;
    if (typeof fact === 'string') return out.reject(raw, fact);
    const valued = value(rt, fact, block, logIndex);
    if (typeof valued === 'string') return out.reject(raw, valued);
    const seconds = rt.state.timestampOf(block, blockHash) ?? (log.blockTimestamp ? hexNumber(log.blockTimestamp) : undefined);
    const t = rt.state.tip;
    const event: LiquidationEvent = {
      type: 'liquidation',
      id,
      venue,
      symbol: `${valued.collateral.symbol}/${valued.debt.symbol}`,
      base: baseCoin(valued.collateral.symbol),
      side: 'long',
      price: valued.collateral.price,
      qty: valued.collateral.amount,
      notionalUsd: valued.collateral.usd,
      eventTime: seconds !== undefined ? seconds * 1000 : receiveTime,
      receiveTime,
      fidelity: 'complete',
      kind: 'liquidation',
      source: `${venue}:${pe.abi.name}`,
      onchain: {
        chain,
        txHash: lower(log.transactionHash),
        logIndex,
        blockNumber: block,
        blockHash,
        collateralAsset: valued.collateral.symbol,
        collateralToken: lower(fact.collateralToken),
        collateralAmount: valued.collateral.amount,
        collateralUsd: valued.collateral.usd,
        debtAsset: valued.debt.symbol,
        debtToken: lower(fact.debtToken),
        debtAmount: valued.debt.amount,
        debtUsd: valued.debt.usd,
        provisional: t < 0 || t - block < rt.meta.confirmations,
      },
    };
    const before = out.events.length;
    out.add(event, raw);
    if (out.events.length > before) rt.state.record(event);
  }

  return (frame: string, receiveTime: number): ParseResult => {
    const parsed = parseJsonObject(frame);
    if (!parsed.ok) return reject(parsed.reason);
    const env = EvmFrame.safeParse(parsed.json);
    if (!env.success) return reject('not an EVM frame {"chain","rpc"}');
    const { chain, rpc } = env.data;
    const rt = runtime(chain);
    if (!rt) return reject(`chain ${preview(chain)} is not configured for ${venue}`);
    const error = RpcError.safeParse(rpc);
    if (error.success) return reject(`JSON-RPC error ${error.data.error.code}: ${preview(error.data.error.message)}`);
    const out = new EntryResults(venue);
    const entry = (raw: unknown) => {
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'parentHash' in raw) onHead(rt, raw, out, receiveTime);
      else onLog(rt, chain, raw, out, receiveTime);
    };
    const note = Notification.safeParse(rpc);
    if (note.success) {
      const result = note.data.params.result;
      if (typeof result !== 'object' || result === null) return reject('subscription notification without an object');
      entry(result);
      return out.result();
    }
    const response = Response.safeParse(rpc);
    if (!response.success) return reject('unknown JSON-RPC message');
    const result = response.data.result;
    if (Array.isArray(result)) for (const raw of result) entry(raw); // eth_getLogs: entry by entry
    else if (typeof result === 'object' && result !== null) entry(result); // eth_getBlockByNumber
    // a string or null result is a subscribe ack (or an empty answer): no events
    return out.result();
  };
}

/**
 * The log's arguments by the pinned ABI: topic0 was matched already; every argument of these events is a static
 * type, so each indexed one is one topic word and the data is exactly one word per other argument (anything else
 * is refused). viem's decodeAbiParameters reads each word, except addresses: viem checksums every address it
 * decodes (a keccak256 each, the bulk of the time), and the parser compares addresses in lower case anyway, so an
 * address is its word's last 20 bytes once the first 12 are checked to be zero.
 */
function decode(abi: EventAbi, log: RpcLog): Record<string, unknown> | string {
  const indexed = abi.inputs.filter((i) => i.indexed);
  const other = abi.inputs.filter((i) => !i.indexed);
  if (log.topics.length !== 1 + indexed.length) return `${abi.name} with ${log.topics.length} topics, expected ${1 + indexed.length}`;
  if (log.data.length !== 2 + 64 * other.length) return `${abi.name} with ${(log.data.length - 2) / 2} bytes of data, expected ${32 * other.length}`;
  const words = [...indexed.map((input, i) => ({ input, word: log.topics[i + 1]!.slice(2) })), ...other.map((input, i) => ({ input, word: log.data.slice(2 + 64 * i, 66 + 64 * i) }))];
  try {
    const { decodeAbiParameters } = loadViem();
    const out: Record<string, unknown> = {};
    for (const { input, word } of words) {
      if (input.type === 'address') {
        if (!/^0{24}/.test(word)) return `${abi.name}: ${input.name} is not an address word`;
        out[input.name] = `0x${word.slice(24).toLowerCase()}`;
      } else out[input.name] = decodeAbiParameters([{ type: input.type }], `0x${word}`)[0];
    }
    return out;
  } catch (e) {
    return `${abi.name} does not decode: ${preview(e instanceof Error ? e.message.split('\n')[0] : String(e))}`;
  }
}

interface Side {
  symbol: string;
  amount: number;
  price: number;
  usd: number;
}

function value(rt: ChainRuntime, f: LiquidationFact, block: number, logIndex: number): { collateral: Side; debt: Side } | string {
  const side = (token: string, amount: bigint, decimals: number | undefined, what: string): Side | string => {
    const t = rt.meta.tokens[lower(token)];
    if (!t) return `${what} token ${token} is not in the metadata`;
    const d = decimals ?? t.decimals;
    const qty = units(amount, d);
    if (amount === 0n) return { symbol: t.symbol, amount: 0, price: 0, usd: 0 };
    const feed = t.feed !== undefined ? rt.meta.feeds[t.feed] : undefined;
    const u = feed ? rt.book.before(t.feed!, block, logIndex) : undefined;
    if (!feed || !u) return `no ${t.symbol} price before block ${block} log ${logIndex} (no AnswerUpdated seen from its feed)`;
    const price = units(u.answer, feed.decimals);
    return { symbol: t.symbol, amount: qty, price, usd: usdOf(amount, d, u.answer, feed.decimals) };
  };
  if (f.collateralAmount <= 0n) return 'liquidation with no collateral seized';
  const collateral = side(f.collateralToken, f.collateralAmount, f.collateralDecimals, 'collateral');
  if (typeof collateral === 'string') return collateral;
  const debt = side(f.debtToken, f.debtAmount, f.debtDecimals, 'debt');
  if (typeof debt === 'string') return debt;
  return { collateral, debt };
}

const retraction = (event: LiquidationEvent, reason: RetractionEvent['reason'], receiveTime: number): RetractionEvent => ({
  type: 'retraction',
  venue: event.venue,
  id: event.id,
  event,
  reason,
  receiveTime,
});
