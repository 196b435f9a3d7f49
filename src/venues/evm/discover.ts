import { lower, type ChainMetadata, type EvmMetadata } from './metadata.js';
import type { EvmChainConfig } from './config.js';

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

/** The venue's metadata with each configured chain's confirmations and, where an HTTP endpoint is configured, its feeds resolved. */
export async function discoverEvm(base: EvmMetadata, chains: Record<string, EvmChainConfig> | undefined, call: (url: string) => EthCall = httpEthCall): Promise<EvmMetadata> {
  const out = withConfirmations(base, chains);
  for (const [name, meta] of Object.entries(out.chains)) {
    const url = chains?.[name]?.httpUrl;
    if (url) out.chains[name] = await discoverFeeds(meta, call(url));
  }
  return out;
}
