import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiquidationEvent, NormalizedEvent } from '../../../src/schema/events.js';
import { KAMINO_PROTOCOL } from '../../../src/venues/kamino/parse.js';
import { solanaParser } from '../../../src/venues/solana/parser.js';
import { solanaConnections } from '../../../src/venues/solana/rpc/connector.js';
import { SolanaSettings } from '../../../src/venues/solana/settings.js';
import type { ConnectorContext, VenueConnection } from '../../../src/venues/venue.js';
import { FakeSolanaNode } from '../../support/fake-solana-node.js';
import { reserveOf, sig, USDC, WSOL, type TxSpec } from '../../support/solana-txs.js';
import { until } from '../../support/until.js';

const SLOT = 380_000_000;
const PRICE: Record<string, number> = { [WSOL]: 150, [USDC]: 1 };
const liq = (name: string, n: number): TxSpec => ({
  signature: sig(`subscribe-wait ${name}`),
  slot: SLOT + n,
  blockTime: 1_760_200_000 + n,
  others: ['refresh_reserve'],
  liquidations: [{ debtMint: USDC, collateralMint: WSOL, repaid: BigInt(1_000_000 + n), seized: BigInt(10 ** 9 + n) }],
});

function watch(node: FakeSolanaNode, settings: Record<string, unknown> = {}) {
  const parse = solanaParser('kamino', KAMINO_PROTOCOL, ['solana']);
  const events: NormalizedEvent[] = [];
  const gaps: string[] = [];
  const warns: string[] = [];
  let up = false;
  const log = pino({ level: 'warn' }, { write: (s: string) => void warns.push(JSON.parse(s).msg) });
  const ctx: ConnectorContext = {
    log,
    options: { chains: { solana: { url: node.url, httpUrl: node.httpUrl } } },
    solana: SolanaSettings.parse({ requestTimeoutMs: 3_000, finalityCheckMs: 60_000, pingIntervalMs: 100, silenceTimeoutMs: 2_000, ...settings }),
    socketOptions: { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 1_000 },
    attach: () => ({
      onFrame: (f, recv) => {
        const r = parse(f, recv);
        if (r.ok) events.push(...r.events);
      },
      onGap: (_from, _to, reason) => void gaps.push(reason),
      onUp: (u) => void (up = u),
      onReconnect: () => {},
      onSubscribeError: () => {},
    }),
    count: () => {},
    position: () => {},
  };
  const [connection] = solanaConnections('kamino', ['solana'], KAMINO_PROTOCOL, 280, ctx) as [VenueConnection & { idle(): Promise<void> }];
  const liquidations = () => events.filter((e): e is LiquidationEvent => e.type === 'liquidation').map((e) => e.onchain!.txHash);
  return { connection, gaps, warns, liquidations, isUp: () => up };
}

async function newNode() {
  const node = await new FakeSolanaNode().start();
  for (const mint of [WSOL, USDC]) node.prices.set(reserveOf(mint).reserve, { address: reserveOf(mint).reserve, mint, usd: PRICE[mint]!, slot: 0 });
  node.land({ signature: sig('subscribe-wait anchor'), slot: SLOT, blockTime: 1, liquidations: [], others: ['refresh_reserve'] }, true);
  return node;
}

// The Solana connection waits for its logsSubscribe answer before its anchor or a backfill's listing (see
// kamino/review.test.ts for the race it closes); these are what that wait must not cost. Found by a review; each failed.
describe('Solana connection: the wait for the subscription', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('a first subscription unanswered (timed out): the next connection still takes the anchor, so a later outage is backfilled, no gap', async () => {
    const node = await newNode();
    node.subscribeDelayMs = 60_000; // first connection: never answered within requestTimeoutMs
    const w = watch(node, { requestTimeoutMs: 1_000 });
    cleanup = async () => {
      await w.connection.stop();
      await node.stop();
    };
    await until(() => w.warns.includes('logsSubscribe unanswered; reconnecting'), 'first subscribe timed out', 5_000);
    node.subscribeDelayMs = 0;
    await until(() => w.isUp() && w.connection.downSinceMs === undefined, 'watched', 8_000);
    await w.connection.idle();
    const gapsAtStart = w.gaps.length;
    // An ordinary outage later on, a liquidation landing in it.
    node.drop();
    await until(() => !w.isUp(), 'down');
    const missed = liq('missed', 5);
    node.land(missed, true);
    node.up();
    await until(() => w.isUp() && w.connection.downSinceMs === undefined, 'watched again', 8_000);
    await w.connection.idle();
    expect(w.gaps.slice(gapsAtStart)).toEqual([]);
    expect(w.liquidations()).toEqual([missed.signature]);
  }, 30_000);

  it('stop() while a reconnect’s task waits behind a slow fetch: it returns at once, and no stale task waits for an answer (before: 9.4 s)', async () => {
    const node = await newNode();
    const w = watch(node, { requestTimeoutMs: 4_000 });
    cleanup = async () => {
      await node.stop();
    };
    await until(() => w.isUp() && node.asked.some((a) => a.method === 'getSignaturesForAddress'), 'anchored', 5_000);
    await w.connection.idle();
    const tx = liq('slow', 7);
    node.slow.set(tx.signature, 1_500);
    node.land(tx);
    await until(() => node.asked.some((a) => a.method === 'getTransaction'), 'fetching', 5_000);
    node.drop();
    await until(() => !w.isUp(), 'down');
    node.up();
    await until(() => w.isUp(), 'up again');
    const t0 = Date.now();
    const warnsBefore = w.warns.length;
    await w.connection.stop();
    const took = Date.now() - t0;
    expect(w.warns.slice(warnsBefore)).not.toContain('logsSubscribe unanswered; reconnecting');
    expect(took).toBeLessThan(3_000);
  }, 30_000);

  it('a refused logsSubscribe: the connection is dropped and the venue unwatched until a node accepts it (before: read as watched, blind)', async () => {
    const node = await newNode();
    node.refuseSubscribe = true;
    const w = watch(node);
    cleanup = async () => {
      await w.connection.stop();
      await node.stop();
    };
    await until(() => w.warns.filter((m) => m === 'subscribe refused').length >= 2, 'two refusals (a reconnect between)', 5_000);
    expect(w.connection.downSinceMs).toBeDefined();
    // No anchor read while unsubscribed: nothing is watched.
    expect(node.asked.filter((a) => a.method === 'getSignaturesForAddress')).toEqual([]);
    node.refuseSubscribe = false;
    await until(() => w.connection.downSinceMs === undefined && node.asked.some((a) => a.method === 'getSignaturesForAddress'), 'watched, the anchor read', 8_000);
    const tx = liq('after', 9);
    node.land(tx);
    await until(() => w.liquidations().length === 1, 'the liquidation', 8_000);
    expect(w.liquidations()).toEqual([tx.signature]);
  }, 30_000);
});
