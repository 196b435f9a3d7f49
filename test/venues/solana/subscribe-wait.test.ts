import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSolanaNode } from '../../support/fake-solana-node.js';
import { kaminoWatch, liquidationTx, priceAndAnchor } from '../../support/kamino-watch.js';
import type { TxSpec } from '../../support/solana-txs.js';
import { until } from '../../support/until.js';

const liq = (name: string, n: number): TxSpec => liquidationTx(`subscribe-wait ${name}`, n);

/** A Kamino connection to `node` whose warnings and errors are kept (their messages). */
function watch(node: FakeSolanaNode, settings: Record<string, unknown> = {}) {
  const warns: string[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void warns.push((JSON.parse(s) as { msg: string }).msg) });
  return { ...kaminoWatch(node, settings, log), warns };
}

async function newNode() {
  const node = await new FakeSolanaNode().start();
  priceAndAnchor(node, 'subscribe-wait anchor');
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
    await until(() => w.warns.filter((m) => m === 'subscribe refused').length >= 1, 'the first refusal', 5_000);
    await until(() => w.connection.downSinceMs !== undefined && !w.isUp(), 'the first drop', 5_000);
    const since = w.connection.downSinceMs;
    await until(() => w.warns.filter((m) => m === 'subscribe refused').length >= 3, 'three refusals (reconnects between)', 5_000);
    // Unwatched since the first connection, however often it reconnected since (it moved to the last close).
    expect(w.connection.downSinceMs).toBe(since);
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
