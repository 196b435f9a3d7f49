import { lower, MAX_DISCOVERED, wordAddress, type ChainMetadata, type EvmMetadata } from './metadata.js';
import type { EvmChainConfig } from './config.js';
import { learnFromAnswer, learnFromLogs, type AnyProtocolEvent, type CallAnswer } from './parser.js';

/** One eth_call over JSON-RPC HTTP: the returned hex, or undefined on any failure (discovery fails softly). */
export type EthCall = (to: string, data: string) => Promise<string | undefined>;

export const httpEthCall =
  (url: string, timeoutMs = 10_000): EthCall =>
  async (to, data) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to, data }, 'latest'] }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { result?: unknown };
      return typeof body.result === 'string' && /^0x[0-9a-f]*$/i.test(body.result) ? body.result : undefined;
    } catch {
      return undefined;
    }
  };

/** A JSON-RPC request over HTTP: the result, or a throw (RpcRefused for a JSON-RPC error: the node answered no). */
export type JsonRpc = (method: string, params: unknown[]) => Promise<unknown>;

export class RpcRefused extends Error {}

export const httpJsonRpc =
  (url: string, timeoutMs = 30_000): JsonRpc =>
  async (method, params) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { result?: unknown; error?: { message?: unknown } } | null;
    if (body && typeof body === 'object' && body.error) throw new RpcRefused(`${method}: ${String(body.error.message).slice(0, 200)}`);
    if (!body || typeof body !== 'object' || !('result' in body)) throw new Error(`${method}: no result in the answer`);
    return body.result;
  };

/**
 * Where a venue's contracts (or markets) are created: the creator's address, the creation event's topic0, the first
 * block worth reading, and the eth_calls to make on each contract it creates (topic 1 of the log), whose answers
 * complete its metadata (src/venues/<protocol>/plan.ts; data only).
 */
export interface CreationSource {
  address: string;
  topic0: string;
  fromBlock: number;
  /** Calldata sent (eth_call) to each created contract; empty for a creation log that says all (Morpho's CreateMarket). */
  calls: string[];
}

/** What a discovery of creations did, for its log line (and tests). */
export interface CreationCounts {
  logs: number;
  refused: number;
  calls: number;
  failedCalls: number;
  halvings: number;
  /** Logs past MAX_DISCOVERED, not read. */
  overCap: number;
}

/**
 * The logs of `filter` over [from, to], in ranges of at most `maxRange` blocks; a range the node refuses (a
 * JSON-RPC error: result or range cap) is halved and asked again, down to one block, which must be answered (as
 * the connection's readLogs does). Stops once `maxLogs` are held (the rest counted in `overCap`). An answer that is
 * not a list throws.
 */
export async function getLogsAdaptive(
  rpc: JsonRpc,
  filter: { address: string[]; topics: (string | string[])[] },
  from: number,
  to: number,
  counts: CreationCounts,
  maxRange = 100_000,
  maxLogs = MAX_DISCOVERED,
): Promise<unknown[]> {
  const out: unknown[] = [];
  let size = maxRange;
  for (let a = from; a <= to; ) {
    const b = Math.min(to, a + size - 1);
    let logs: unknown;
    try {
      logs = await rpc('eth_getLogs', [{ ...filter, fromBlock: `0x${a.toString(16)}`, toBlock: `0x${b.toString(16)}` }]);
    } catch (err) {
      if (err instanceof RpcRefused && b > a) {
        size = Math.max(1, Math.floor((b - a + 1) / 2));
        counts.halvings += 1;
        continue;
      }
      throw err;
    }
    if (!Array.isArray(logs)) throw new Error(`eth_getLogs(${a}-${b}): the answer is not a list`);
    const room = maxLogs - out.length;
    out.push(...logs.slice(0, Math.max(0, room)));
    counts.overCap += Math.max(0, logs.length - Math.max(0, room));
    a = b + 1;
  }
  return out;
}

/**
 * A chain's contracts created by `sources` before now: their creation logs read back and applied as the parser
 * applies them (learnFromLogs), then each created contract asked `calls` and the answers applied
 * (learnFromAnswer). Bounded by MAX_DISCOVERED; garbage answers are counted as refused, never thrown.
 */
export async function discoverCreations(
  meta: ChainMetadata,
  sources: readonly CreationSource[],
  events: readonly AnyProtocolEvent[],
  answers: readonly CallAnswer[],
  rpc: JsonRpc,
  maxRange?: number,
): Promise<{ meta: ChainMetadata; counts: CreationCounts }> {
  const out = structuredClone(meta);
  const counts: CreationCounts = { logs: 0, refused: 0, calls: 0, failedCalls: 0, halvings: 0, overCap: 0 };
  if (sources.length === 0) return { meta: out, counts };
  const h = await rpc('eth_blockNumber', []);
  if (typeof h !== 'string' || !/^0x[0-9a-f]{1,14}$/i.test(h)) throw new Error('eth_blockNumber: not a block number');
  const head = Number.parseInt(h, 16);
  for (const src of sources) {
    const logs = await getLogsAdaptive(rpc, { address: [src.address], topics: [src.topic0] }, src.fromBlock, head, counts, maxRange);
    counts.logs += logs.length;
    counts.refused += learnFromLogs(events, out, logs).length;
    if (src.calls.length === 0) continue;
    const created = logs.map((l) => wordAddress((l as { topics?: string[] }).topics?.[1]?.slice(2))).filter((a): a is string => a !== undefined && out.contracts[a] !== undefined);
    const asks = [...new Set(created)].flatMap((to) => src.calls.map((data) => ({ to, data })));
    // A few at a time: a node is not flooded, and thousands of vaults still take seconds, not minutes.
    for (let i = 0; i < asks.length; i += 16)
      await Promise.all(
        asks.slice(i, i + 16).map(async (call) => {
          counts.calls += 1;
          try {
            const result = await rpc('eth_call', [call, 'latest']);
            if (typeof result !== 'string' || learnFromAnswer(answers, out, call, result) !== null) counts.refused += 1;
          } catch {
            counts.failedCalls += 1;
          }
        }),
      );
  }
  return { meta: out, counts };
}

/** `aggregator()` and `decimals()` selectors of a Chainlink proxy (EACAggregatorProxy). */
const AGGREGATOR = '0x245a7bfc';
const DECIMALS = '0x313ce567';

const word = (hex: string | undefined, i = 0): string | undefined => (hex && hex.length >= 2 + 64 * (i + 1) ? hex.slice(2 + 64 * i, 2 + 64 * (i + 1)) : undefined);

/**
 * Resolves each feed proxy of a chain to the aggregator behind it (the contract that emits AnswerUpdated) and
 * reads its decimals, so the parser keys the price book by the emitter. A feed that does not answer keeps its
 * plan entry (keyed by the proxy: its liquidations are refused for want of a price, never valued at a guess).
 */
export async function discoverFeeds(meta: ChainMetadata, call: EthCall): Promise<ChainMetadata> {
  const feeds = { ...meta.feeds };
  const tokens = { ...meta.tokens };
  await Promise.all(
    Object.entries(meta.feeds).map(async ([proxy, info]) => {
      const agg = word(await call(proxy, AGGREGATOR));
      const dec = word(await call(proxy, DECIMALS));
      if (!agg || !dec) return;
      const aggregator = lower(`0x${agg.slice(24)}`);
      delete feeds[proxy];
      feeds[aggregator] = { description: info.description, decimals: Number.parseInt(dec, 16) };
      for (const [a, t] of Object.entries(tokens)) if (t.feed === proxy) tokens[a] = { ...t, feed: aggregator };
    }),
  );
  return { ...meta, feeds, tokens };
}

/** The metadata with each chain's configured confirmations (also applied without discovery: `discover: false`). */
export function withConfirmations(base: EvmMetadata, chains: Record<string, EvmChainConfig> | undefined): EvmMetadata {
  if (!chains) return base;
  const out: EvmMetadata = { chains: {} };
  for (const [name, meta] of Object.entries(base.chains)) {
    const c = chains[name]?.confirmations;
    out.chains[name] = c !== undefined ? { ...meta, confirmations: c } : meta;
  }
  return out;
}

/** What discovers a venue's created contracts (EvmVenueSpec: its creation sources, events and call readers). */
export interface CreationDiscovery {
  creations: Record<string, readonly CreationSource[]>;
  events: readonly AnyProtocolEvent[];
  answers: readonly CallAnswer[];
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
  rpc?: (url: string) => JsonRpc;
}

/**
 * The venue's metadata with each configured chain's confirmations and, where an HTTP endpoint is configured, its
 * feeds resolved and its created contracts (vaults, markets) discovered. A chain whose creation discovery fails
 * keeps what it had (logged; the running connector still learns creations from the look-back and live logs).
 */
export async function discoverEvm(base: EvmMetadata, chains: Record<string, EvmChainConfig> | undefined, call: (url: string) => EthCall = httpEthCall, creations?: CreationDiscovery): Promise<EvmMetadata> {
  const out = withConfirmations(base, chains);
  for (const [name, meta] of Object.entries(out.chains)) {
    const url = chains?.[name]?.httpUrl;
    if (!url) continue;
    out.chains[name] = await discoverFeeds(meta, call(url));
    const sources = creations?.creations[name];
    if (!creations || !sources || sources.length === 0) continue;
    try {
      const found = await discoverCreations(out.chains[name]!, sources, creations.events, creations.answers, (creations.rpc ?? httpJsonRpc)(url));
      out.chains[name] = found.meta;
      creations.log?.info({ chain: name, ...found.counts, contracts: Object.keys(found.meta.contracts).length, markets: Object.keys(found.meta.markets ?? {}).length }, 'created contracts discovered');
      if (found.counts.overCap > 0) creations.log?.warn({ chain: name, overCap: found.counts.overCap, max: MAX_DISCOVERED }, 'more creations than the discovery cap: the rest are not watched');
    } catch (err) {
      creations.log?.warn({ chain: name, err: (err as Error).message }, 'discovery of created contracts failed; continuing with what is known');
    }
  }
  return out;
}
