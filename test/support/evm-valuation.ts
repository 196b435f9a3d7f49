import { encodeAbiParameters, keccak256, stringToHex } from 'viem';
import type { LiquidationEvent, NormalizedEvent } from '../../src/schema/events.js';
import { AAVE_EVENTS } from '../../src/venues/aave-v3/parse.js';
import { ABSORB_COLLATERAL, ABSORB_DEBT } from '../../src/venues/compound-v3/parse.js';
import { EULER_LIQUIDATE_EVENT } from '../../src/venues/euler-v2/parse.js';
import { TOPIC0 } from '../../src/venues/evm/abi.js';
import { tokenAddress } from '../../src/venues/evm/chains.js';
import type { ChainMetadata } from '../../src/venues/evm/metadata.js';
import { evmParser, type AnyProtocolEvent } from '../../src/venues/evm/parser.js';
import { LOG_LIQUIDATE } from '../../src/venues/fluid/parse.js';
import { BARK } from '../../src/venues/maker/parse.js';
import { MORPHO_LIQUIDATE_EVENT } from '../../src/venues/morpho-blue/parse.js';
import type { Deployed } from './evm-chain.js';

/**
 * The protocols' parsers (evm-protocols) over frames the connector recorded from the test emitter: each protocol is
 * told the emitter is its contract, the mock tokens its assets and the mock aggregator their price feed, so every
 * kind `burst` emits becomes a liquidation of its protocol (AbsorbDebt makes none: it closes the AbsorbCollateral
 * before it, whose debt it is).
 */
export function protocolParsers(d: Deployed, chain: string) {
  const emitter = d.emitter.toLowerCase();
  const collateral = d.collateral.toLowerCase();
  const debt = d.debt.toLowerCase();
  const aggregator = d.aggregator.toLowerCase();
  const dai = tokenAddress('ethereum', 'DAI').toLowerCase();
  const base: ChainMetadata = {
    contracts: {},
    tokens: {
      [collateral]: { symbol: 'WBTC', decimals: 8, feed: aggregator },
      [debt]: { symbol: 'USDC', decimals: 6, feed: aggregator },
      [dai]: { symbol: 'DAI', decimals: 18, feed: aggregator },
    },
    feeds: { [aggregator]: { description: 'BTC / USD', decimals: 8 } },
    confirmations: 12,
  };
  const market = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'address' }], [d.collateral as `0x${string}`, d.debt as `0x${string}`])).toLowerCase();
  const ilk = stringToHex('ETH-A', { size: 32 }).toLowerCase();
  const venues: [string, readonly AnyProtocolEvent[], Partial<ChainMetadata>][] = [
    ['aave-v3', AAVE_EVENTS, { contracts: { [emitter]: {} } }],
    ['morpho-blue', [MORPHO_LIQUIDATE_EVENT], { contracts: { [emitter]: {} }, markets: { [market]: { loanToken: debt, collateralToken: collateral } } }],
    ['compound-v3', [ABSORB_COLLATERAL, ABSORB_DEBT], { contracts: { [emitter]: { base: debt } } }],
    ['maker', [BARK], { contracts: { [emitter]: {} }, ilks: { [ilk]: { token: collateral, name: 'ETH-A' } } }],
    ['euler-v2', [EULER_LIQUIDATE_EVENT], { contracts: { [emitter]: { base: debt }, [collateral]: { base: collateral, assetsPerShare: ['1', '1'] } } }],
    ['fluid', [LOG_LIQUIDATE], { contracts: { [emitter]: { supplyToken: collateral, borrowToken: debt } } }],
  ];
  return venues.map(([venue, events, extra]) => ({
    venue,
    topics: [...events.map((e) => e.topic0), TOPIC0.AnswerUpdated],
    parse: evmParser(venue, events, { chains: { [chain]: { ...base, ...extra } } }),
  }));
}

/**
 * Every liquidation the parsers make of `frames`, in order. Each parser sees what its own connection would carry
 * live (its subscription and eth_getLogs filter on its topic0s and AnswerUpdated): heads and other answers, and the
 * log notifications of its topics. Yields to the event loop between slices, so parsing does not starve the live
 * connection under test.
 */
export async function liquidationsOf(parsers: ReturnType<typeof protocolParsers>, frames: { frame: string; recv: number }[]): Promise<LiquidationEvent[]> {
  const out: LiquidationEvent[] = [];
  for (const { parse, topics } of parsers)
    for (let i = 0; i < frames.length; i++) {
      if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      const { frame, recv } = frames[i]!;
      const isLogNotification = frame.includes('"eth_subscription"') && frame.includes('"logIndex"');
      if (isLogNotification && !topics.some((t) => frame.includes(t))) continue;
      const r = parse(frame, recv);
      if (r.ok) out.push(...r.events.filter((e: NormalizedEvent): e is LiquidationEvent => e.type === 'liquidation'));
    }
  return out;
}
