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
  /**
   * Held, not emitted, until the protocol's closing log of the same `key` (Comet: the AbsorbDebt of the account in
   * the same transaction), whose debt is then split over the held facts in proportion to `weight` (docs/mapping.md).
   */
  split?: { key: string; weight: bigint };
  /** Amounts the log does not state but the parser derives (≈): `onchain.inferred`. */
  inferred?: ('collateral' | 'debt')[];
}

/** A closing log: the debt of the facts held under `closes`, to split over them (Comet's AbsorbDebt). */
export interface DebtSplit {
  closes: string;
  debtAmount: bigint;
}

/**
 * An eth_call answer the connector recorded with its request (a frame's `call`): what a protocol learns from it
 * (a Fluid vault's tokens, an EVault's share rate). `null` once learned, or why the answer is refused.
 */
export interface CallAnswer {
  selector: string;
  read(to: string, data: string, result: string, chain: ChainMetadata): string | null;
}

/** One event a protocol emits: its pinned ABI and how its decoded arguments become a fact. */
export interface ProtocolEvent<A = unknown> {
  topic0: string;
  abi: EventAbi;
  /** The decoded arguments' schema (raw schema.ts of the protocol). */
  args: z.ZodType<A>;
  /**
   * The fact, `null` for a log that is understood and carries no liquidation of its own (a creation log, which adds
   * to `chain`: the parser's own copy of the metadata), a debt to split over held facts, or why it cannot be used.
   */
  read(args: A, log: RpcLog, chain: ChainMetadata): LiquidationFact | DebtSplit | null | string;
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

/** A fact held for its closing log (LiquidationFact.split), with where it came from. */
interface Held {
  fact: LiquidationFact;
  pe: AnyProtocolEvent;
  log: RpcLog;
  raw: unknown;
  id: string;
  block: number;
  logIndex: number;
  receiveTime: number;
}

/** Groups held at once per chain; past it the oldest is emitted without its debt (its split never came). */
export const MAX_HELD_GROUPS = 1_000;

interface ChainRuntime {
  chain: string;
  meta: ChainMetadata;
  state: ChainState;
  book: PriceBook;
  /** Facts waiting for their closing log, by split key, in arrival order. */
  held: Map<string, Held[]>;
  /** Keys of groups emitted without their closing log (the last MAX_HELD_GROUPS): one coming late is refused, not dropped. */
  unclosed: Set<string>;
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

export function evmParser(venue: VenueId, events: readonly AnyProtocolEvent[], meta: EvmMetadata | undefined, answers: readonly CallAnswer[] = []): FrameParser {
  const byTopic = new Map<string, AnyProtocolEvent>(events.map((e) => [e.topic0, e]));
  const chains = new Map<string, ChainRuntime>();
  const runtime = (chain: string): ChainRuntime | undefined => {
    let r = chains.get(chain);
    // Own keys only: a frame naming chain `constructor` must not reach Object's prototype.
    const m = meta && Object.hasOwn(meta.chains, chain) ? meta.chains[chain] : undefined;
    // A copy: what this parser learns from creation logs and call answers stays its own (a replay starts afresh).
    if (!r && m) chains.set(chain, (r = { chain, meta: structuredClone(m), state: new ChainState(), book: new PriceBook(), held: new Map(), unclosed: new Set() }));
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
    // A group whose closing log never came (it is in the same transaction, so it would have by now): emitted as it
    // is, its debt unattributed (0), rather than held for ever.
    for (const [key, group] of rt.held) if (group[0]!.block + Math.max(1, rt.meta.confirmations) <= rt.state.tip) flush(rt, key, undefined, out);
  }

  /** What a head or a log showed orphaned: its events retracted, its price answers forgotten. */
  function orphaned(rt: ChainRuntime, o: { retracted: LiquidationEvent[]; changedFrom?: number }, raw: unknown, out: EntryResults, receiveTime: number): void {
    const from = o.changedFrom;
    if (from !== undefined) {
      const current = (block: number, hash: string) => block < from || rt.state.hashOf(block) === undefined || hash === rt.state.hashOf(block);
      rt.book.retain((u) => current(u.block, u.blockHash));
      for (const [key, group] of rt.held) if (!group.every((h) => current(h.block, lower(h.log.blockHash)))) rt.held.delete(key);
    }
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
      for (const [key, group] of rt.held) if (group.some((h) => h.id === id)) rt.held.delete(key);
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
    // A contract's logs come in chain order on its filter: a log of another transaction of the same contract placed
    // after a held group's last log means its closing log is not coming (it is in the group's own transaction):
    // emitted without it. Placed after, not merely in the same block: a backfill re-reads the block from its start,
    // so an earlier absorb's logs come again before the held group's closing log.
    const tx = lower(log.transactionHash);
    for (const [key, group] of rt.held) {
      const last = group[group.length - 1]!;
      if (lower(last.log.address) === address && lower(last.log.transactionHash) !== tx && (last.block < block || (last.block === block && last.logIndex < logIndex))) flush(rt, key, undefined, out);
    }
    const fact = pe.read(args.data, log, rt.meta);
    if (fact === null) return;
    if (typeof fact === 'string') return out.reject(raw, fact);
    if ('closes' in fact) {
      // Late (its group was emitted with debt 0 after a later head or transaction, e.g. a backfill's headers came
      // first): the debt cannot be attributed any more; refused (counted, dead-lettered), not silently dropped.
      if (rt.unclosed.delete(fact.closes)) return out.reject(raw, `${pe.abi.name} came after its absorb's collateral was emitted without it (debt 0): ${fact.debtAmount} base units not attributed`);
      return void (rt.held.has(fact.closes) && flush(rt, fact.closes, fact.debtAmount, out));
    }
    if (fact.split) {
      const group = rt.held.get(fact.split.key) ?? [];
      if (group.some((h) => h.id === id)) return; // held already (the same log from a backfill)
      group.push({ fact, pe, log, raw, id, block, logIndex, receiveTime });
      rt.held.set(fact.split.key, group);
      if (rt.held.size > MAX_HELD_GROUPS) flush(rt, rt.held.keys().next().value!, undefined, out);
      return;
    }
    emit(rt, chain, pe, fact, log, raw, out, receiveTime);
  }

  /**
   * Emits the facts held under `key`: with `debt`, split over them in proportion to their weights in base units
   * (floor each; the remainder to the heaviest, so the parts sum exactly to `debt`), labelled inferred when there
   * is more than one part; without, as they are (debt 0: their closing log never came).
   */
  function flush(rt: ChainRuntime, key: string, debt: bigint | undefined, out: EntryResults): void {
    const group = rt.held.get(key)!;
    rt.held.delete(key);
    if (debt === undefined) {
      rt.unclosed.add(key);
      if (rt.unclosed.size > MAX_HELD_GROUPS) rt.unclosed.delete(rt.unclosed.values().next().value!);
    }
    const parts = debt === undefined ? group.map((h) => h.fact.debtAmount) : splitDebt(debt, group.map((h) => h.fact.split!.weight));
    group.forEach((h, i) => {
      const inferred = debt !== undefined && group.length > 1 ? [...(h.fact.inferred ?? []), 'debt' as const] : h.fact.inferred;
      emit(rt, rt.chain, h.pe, { ...h.fact, debtAmount: parts[i]!, ...(inferred ? { inferred } : {}) }, h.log, h.raw, out, h.receiveTime);
    });
  }

  function emit(rt: ChainRuntime, chain: string, pe: AnyProtocolEvent, fact: LiquidationFact, log: RpcLog, raw: unknown, out: EntryResults, receiveTime: number): void {
    const blockHash = lower(log.blockHash);
    const block = hexNumber(log.blockNumber);
    const logIndex = hexNumber(log.logIndex);
    const id = `${venue}:${chain}:${blockHash}:${logIndex}`;
    if (rt.state.has(block, id)) return;
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
        ...(fact.inferred && fact.inferred.length > 0 ? { inferred: fact.inferred } : {}),
      },
    };
    const before = out.events.length;
    out.add(event, raw);
    if (out.events.length > before) rt.state.record(event);
  }

  /** An eth_call answer recorded with its request: what the protocol learns from it. */
  function onAnswer(rt: ChainRuntime, call: { to: string; data: string }, result: unknown, out: EntryResults): void {
    const problem = typeof result === 'string' ? learnFromAnswer(answers, rt.meta, call, result) : 'eth_call answer is not hex data';
    if (problem !== null) out.reject(result, `${preview(call.data.slice(0, 10))} of ${call.to}: ${problem}`);
  }

  return (frame: string, receiveTime: number): ParseResult => {
    const parsed = parseJsonObject(frame);
    if (!parsed.ok) return reject(parsed.reason);
    const env = EvmFrame.safeParse(parsed.json);
    if (!env.success) return reject('not an EVM frame {"chain","rpc"}');
    const { chain, rpc, call } = env.data;
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
    if (call) {
      onAnswer(rt, call, result, out);
      return out.result();
    }
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
  if (other.some((i) => i.type === 'bytes' || i.type === 'tuple')) return decodeWhole(abi, log);
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

/**
 * A creation log whose data is not one word per argument (ProxyCreated's `bytes`, CreateMarket's tuple): decoded
 * whole by viem (strict: data that does not decode, or runs past its end, is refused). Rare (one per contract
 * created), so the address checksumming does not matter.
 */
function decodeWhole(abi: EventAbi, log: RpcLog): Record<string, unknown> | string {
  try {
    const { decodeEventLog } = loadViem();
    const { args } = decodeEventLog({ abi: [abi], topics: log.topics as [`0x${string}`], data: log.data as `0x${string}`, strict: true } as never) as { args: Record<string, unknown> };
    return args;
  } catch (e) {
    return `${abi.name} does not decode: ${preview(e instanceof Error ? e.message.split('\n')[0] : String(e))}`;
  }
}

/**
 * `debt` split over `weights`: each part the floor of debt × weight ÷ Σweights, the remainder to the heaviest (the
 * first of equals), so the parts sum exactly to `debt`. All weights zero: equal parts, the remainder to the first.
 */
export function splitDebt(debt: bigint, weights: readonly bigint[]): bigint[] {
  const total = weights.reduce((a, b) => a + b, 0n);
  const w = total > 0n ? weights : weights.map(() => 1n);
  const sum = total > 0n ? total : BigInt(weights.length);
  const parts = w.map((x) => (debt * x) / sum);
  const heaviest = w.reduce((best, x, i) => (x > w[best]! ? i : best), 0);
  parts[heaviest]! += debt - parts.reduce((a, b) => a + b, 0n);
  return parts;
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

/**
 * Creation logs (a factory's, Morpho's CreateMarket) applied to `chain` as the parser applies them: startup
 * discovery reads them back with eth_getLogs and learns from them with the same code. Logs of other events are
 * ignored; returns why each refused one was refused.
 */
export function learnFromLogs(events: readonly AnyProtocolEvent[], chain: ChainMetadata, logs: readonly unknown[]): string[] {
  const refused: string[] = [];
  const byTopic = new Map<string, AnyProtocolEvent>(events.map((e) => [e.topic0, e]));
  for (const raw of logs) {
    const log = RpcLog.safeParse(raw);
    if (!log.success) {
      refused.push('not a log');
      continue;
    }
    const pe = byTopic.get(lower(log.data.topics[0] ?? ''));
    if (!pe || !chain.contracts[lower(log.data.address)]) continue;
    const decoded = decode(pe.abi, log.data);
    const args = typeof decoded === 'string' ? undefined : pe.args.safeParse(decoded);
    if (!args?.success) {
      refused.push(typeof decoded === 'string' ? decoded : `decoded ${pe.abi.name} outside its schema`);
      continue;
    }
    const r = pe.read(args.data, log.data, chain);
    if (typeof r === 'string') refused.push(r);
  }
  return refused;
}

/** An eth_call answer applied to `chain` as the parser applies a recorded one (startup discovery); null or why refused. */
export function learnFromAnswer(answers: readonly CallAnswer[], chain: ChainMetadata, call: { to: string; data: string }, result: string): string | null {
  const handler = answers.find((a) => a.selector === call.data.slice(0, 10).toLowerCase());
  if (!handler) return `no reader for ${call.data.slice(0, 10)}`;
  if (!/^0x([0-9a-f]{2})*$/i.test(result)) return 'eth_call answer is not hex data';
  return handler.read(lower(call.to), call.data.toLowerCase(), result.toLowerCase(), chain);
}
