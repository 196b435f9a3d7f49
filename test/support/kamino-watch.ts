import { pino, type Logger } from 'pino';
import type { LiquidationEvent, NormalizedEvent } from '../../src/schema/events.js';
import { KAMINO_PROTOCOL } from '../../src/venues/kamino/parse.js';
import { solanaParser } from '../../src/venues/solana/parser.js';
import { solanaConnections } from '../../src/venues/solana/rpc/connector.js';
import { SolanaSettings } from '../../src/venues/solana/settings.js';
import type { ConnectorContext, VenueConnection } from '../../src/venues/venue.js';
import { FakeSolanaNode } from './fake-solana-node.js';
import { reserveOf, sig, USDC, WSOL, type TxSpec } from './solana-txs.js';

/** The slot the Kamino connection tests' transactions start at, and the reserves' USD prices. */
export const SLOT = 380_000_000;
export const PRICE: Record<string, number> = { [WSOL]: 150, [USDC]: 1 };

/** A transaction of one liquidation (USDC repaid, SOL seized), its signature from `name`, its amounts from `n`. */
export const liquidationTx = (name: string, n: number, slot = SLOT + n): TxSpec => ({
  signature: sig(name),
  slot,
  blockTime: 1_760_200_000 + n,
  others: ['refresh_reserve'],
  liquidations: [{ debtMint: USDC, collateralMint: WSOL, repaid: BigInt(1_000_000 + n), seized: BigInt(10 ** 9 + n) }],
});

/** Both reserves priced at PRICE on `node`, and a transaction without liquidations at SLOT (the anchor), not notified. */
export function priceAndAnchor(node: FakeSolanaNode, anchor: string): void {
  for (const mint of [WSOL, USDC]) node.prices.set(reserveOf(mint).reserve, { address: reserveOf(mint).reserve, mint, usd: PRICE[mint]!, slot: 0 });
  node.land({ signature: sig(anchor), slot: SLOT, blockTime: 1, liquidations: [], others: ['refresh_reserve'] }, true);
}

/**
 * A Kamino connection to `node` (short timeouts; `settings` over them), its frames through the Kamino parser as the
 * ingestor reads them: the events, the refusals, the gaps, and whether it is up.
 */
export function kaminoWatch(node: FakeSolanaNode, settings: Record<string, unknown> = {}, log: Logger = pino({ level: 'silent' })) {
  const parse = solanaParser('kamino', KAMINO_PROTOCOL, ['solana']);
  const events: NormalizedEvent[] = [];
  const rejected: string[] = [];
  const gaps: string[] = [];
  let up = false;
  const ctx: ConnectorContext = {
    log,
    options: { chains: { solana: { url: node.url, httpUrl: node.httpUrl } } },
    solana: SolanaSettings.parse({ requestTimeoutMs: 3_000, finalityCheckMs: 60_000, pingIntervalMs: 100, silenceTimeoutMs: 2_000, ...settings }),
    socketOptions: { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 1_000 },
    attach: () => ({
      onFrame: (f, recv) => {
        const r = parse(f, recv);
        if (r.ok) {
          events.push(...r.events);
          rejected.push(...(r.rejected ?? []).map((x) => x.reason));
        } else rejected.push(r.reason);
      },
      onGap: (_from, _to, reason) => void gaps.push(reason),
      onUp: (u) => void (up = u),
      onReconnect: () => {},
      onSubscribeError: () => {},
    }),
    count: () => {},
    position: () => {},
  };
  const [connection] = solanaConnections('kamino', ['solana'], KAMINO_PROTOCOL, 280, ctx) as [VenueConnection & { idle(): Promise<void>; queuedFetches: number }];
  const liquidations = () => events.filter((e): e is LiquidationEvent => e.type === 'liquidation').map((e) => e.onchain!.txHash);
  return { connection, events, rejected, gaps, liquidations, isUp: () => up };
}
