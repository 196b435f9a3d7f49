import { afterEach, describe, expect, it } from 'vitest';
import { KAMINO_PROTOCOL } from '../../../src/venues/kamino/parse.js';
import { solanaParser } from '../../../src/venues/solana/parser.js';
import { FakeSolanaNode } from '../../support/fake-solana-node.js';
import { kaminoWatch, liquidationTx, PRICE, priceAndAnchor, SLOT } from '../../support/kamino-watch.js';
import { accountsAnswer, frame, reserveOf, sig, transactionResult, txFrame, USDC, WSOL, type PricedAccount, type TxSpec } from '../../support/solana-txs.js';
import { until } from '../../support/until.js';

/** Adversarial cases found reviewing the Kamino / Solana venue: each failed before its fix. */

const liq = (name: string, n: number, slot = SLOT + n): TxSpec => liquidationTx(`review ${name}`, n, slot);

/** A connection to `node` whose frames go through the Kamino parser, once it has read the newest signature. */
async function watch(node: FakeSolanaNode, settings: Record<string, unknown> = {}) {
  const w = kaminoWatch(node, settings);
  await until(() => w.isUp() && node.asked.some((a) => a.method === 'getSignaturesForAddress'), 'connected, newest signature read');
  return w;
}

/** A node with both reserves priced and an anchor transaction, and the connection watching it. */
async function startWatched() {
  const node = await new FakeSolanaNode().start();
  priceAndAnchor(node, 'review anchor');
  const w = await watch(node);
  const stop = async () => {
    await w.connection.stop();
    await node.stop();
  };
  return { node, w, stop };
}

describe('Kamino connection under a hostile or lagging node', () => {
  let node: FakeSolanaNode;
  let stop: (() => Promise<void>) | undefined;
  const start = async () => {
    let w: Awaited<ReturnType<typeof watch>>;
    ({ node, w, stop } = await startWatched());
    return w;
  };
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('getTransaction answering null at first (notified at confirmed, not yet served): asked again, the liquidation is read once', async () => {
    const w = await start();
    const tx = liq('late', 1);
    node.notYet.set(tx.signature, 2);
    node.land(tx);
    await until(() => w.liquidations().length > 0 || w.gaps.length > 0, 'the liquidation or a gap', 8_000).catch(() => {});
    expect(node.asked.filter((a) => a.method === 'getTransaction' && a.params[0] === tx.signature)).toHaveLength(3);
    expect(w.liquidations()).toEqual([tx.signature]);
    expect(w.gaps).toEqual([]);
  }, 20_000);

  it('getTransaction answering null for good: a gap naming the signature, never a silent loss', async () => {
    const w = await start();
    const tx = liq('never', 2);
    node.notYet.set(tx.signature, 1_000);
    node.land(tx);
    await until(() => w.gaps.length > 0, 'a gap', 15_000).catch(() => {});
    expect(w.liquidations()).toEqual([]);
    expect(w.gaps).toEqual([expect.stringContaining(`transaction ${tx.signature} could not be read`)]);
  }, 20_000);
});

describe('Kamino backfill when outages overlap its work', () => {
  let node: FakeSolanaNode;
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });
  const start = async () => {
    let w: Awaited<ReturnType<typeof watch>>;
    ({ node, w, stop } = await startWatched());
    return w;
  };
  const bounce = async (w: Awaited<ReturnType<typeof watch>>, meanwhile: () => void) => {
    node.drop();
    await until(() => !w.isUp(), 'down');
    meanwhile();
    node.up();
    await until(() => w.isUp(), 'up again');
  };

  it('a second drop while the first backfill still fetches: what landed during the second outage is read too, no gap', async () => {
    const w = await start();
    const m1 = liq('missed 1', 10);
    const m2 = liq('missed 2', 11);
    node.slow.set(m1.signature, 1_500);
    await bounce(w, () => node.land(m1, true));
    await until(() => node.asked.some((a) => a.method === 'getTransaction' && a.params[0] === m1.signature), 'the first backfill fetches m1');
    await bounce(w, () => node.land(m2, true));
    await until(() => w.liquidations().length >= 2, 'both missed liquidations', 8_000).catch(() => {});
    expect(w.liquidations()).toEqual([m1.signature, m2.signature]);
    expect(w.gaps).toEqual([]);
  }, 30_000);

  it('a backfill lists what was missed only once the new subscription is made: a liquidation landing in between is read, no gap', async () => {
    const w = await start();
    node.subscribeDelayMs = 800;
    const missed = liq('in the outage', 20);
    const between = liq('after the reconnect, before the subscription', 21);
    await bounce(w, () => node.land(missed, true));
    // Not yet subscribed (800 ms): notified to no one. Before, the backfill had listed the signatures already, at the
    // reconnect, so this one was on neither side: lost, with no gap.
    expect(w.connection.downSinceMs).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    node.land(between);
    await until(() => w.liquidations().length >= 2, 'both liquidations', 8_000).catch(() => {});
    expect(w.liquidations()).toEqual([missed.signature, between.signature]);
    expect(w.gaps).toEqual([]);
    await until(() => w.connection.downSinceMs === undefined, 'watched again', 8_000);
  }, 30_000);

  it('a listing page with a malformed entry: the backfill still walks every page (the entry is a gap), the oldest missed liquidation is read', async () => {
    const w = await start();
    const missed = liq('oldest missed', 50);
    node.malformedListing = true;
    await bounce(w, () => {
      node.land(missed, true);
      for (let n = 0; n < 1_004; n++) node.land({ signature: sig(`refresh ${n}`), slot: SLOT + 51 + n, blockTime: 1, liquidations: [], others: ['refresh_reserve'] }, true);
    });
    // The gap is said once the backfill has read every listed signature (oldest first: the liquidation before).
    await until(() => w.gaps.length > 0, 'the backfill done', 20_000).catch(() => {});
    expect(w.liquidations()).toEqual([missed.signature]);
    expect(w.gaps).toEqual([expect.stringContaining('1 listed signature malformed')]);
  }, 40_000);

  it('notifications after a reconnect, while the queue is still busy, do not move the backfill past the outage', async () => {
    const w = await start();
    const busy = liq('busy, then unreadable', 20);
    const missed = liq('missed while down', 21);
    const after = { signature: sig('refresh after'), slot: SLOT + 22, blockTime: 1, liquidations: [], others: ['refresh_reserve'] } satisfies TxSpec;
    node.slow.set(busy.signature, 1_500);
    node.answerText.set(busy.signature, 'not json');
    node.land(busy);
    await until(() => node.asked.some((a) => a.method === 'getTransaction' && a.params[0] === busy.signature), 'the busy fetch runs');
    await bounce(w, () => node.land(missed, true));
    // Live again: a refresh-only transaction is notified before the backfill could start.
    await new Promise((r) => setTimeout(r, 100));
    node.land(after);
    await until(() => w.liquidations().length >= 1, 'the missed liquidation', 8_000).catch(() => {});
    expect(w.liquidations()).toEqual([missed.signature]);
    // The unreadable one: a gap when notified, and again when the backfill (which reads back past it) retries it.
    expect(w.gaps).toEqual([expect.stringContaining(`transaction ${busy.signature} could not be read`), expect.stringContaining(`transaction ${busy.signature} could not be read`)]);
  }, 30_000);
});

describe('Kamino retraction, then the same signature landing again', () => {
  it('a transaction retracted (unknown at a finalized slot) that lands later on the final fork is read again: retraction, then the liquidation anew', async () => {
    const node = await new FakeSolanaNode().start();
    priceAndAnchor(node, 'review anchor');
    const w = await watch(node, { finalityCheckMs: 50 });
    try {
      const tx = liq('dropped, then landed', 40);
      node.land(tx);
      await until(() => w.liquidations().length === 1, 'the liquidation');
      node.lost.add(tx.signature);
      node.finalizedSlot = tx.slot + 10;
      await until(() => w.events.some((e) => e.type === 'retraction'), 'its retraction');
      // Its blockhash still valid, it lands on the final fork, later.
      node.lost.delete(tx.signature);
      node.history.splice(node.history.indexOf(tx), 1);
      const again = { ...tx, slot: tx.slot + 20 };
      node.land(again);
      await until(() => w.liquidations().length === 2, 'read again', 5_000).catch(() => {});
      expect(w.events.map((e) => [e.type, e.type === 'liquidation' ? e.onchain!.blockNumber : e.type === 'retraction' ? e.event.onchain!.blockNumber : 0])).toEqual([
        ['liquidation', tx.slot],
        ['retraction', tx.slot],
        ['liquidation', tx.slot + 20],
      ]);
      // A retracted id stays retracted downstream: the one that landed again has its own, told apart by its slot.
      const ids = w.events.map((e) => (e.type === 'liquidation' || e.type === 'retraction' ? e.id : e.type));
      expect(ids).toEqual([`kamino:solana:${tx.signature}:1`, `kamino:solana:${tx.signature}:1`, `kamino:solana:${tx.signature}:1@${tx.slot + 20}`]);
      expect(w.gaps).toEqual([]);
    } finally {
      await w.connection.stop();
      await node.stop();
    }
  }, 20_000);
});

describe('Kamino connection under a notification storm', () => {
  it('notified fetches waiting are bounded (maxQueuedFetches); the rest is read by one backfill: every liquidation once, no gap', async () => {
    const node = await new FakeSolanaNode().start();
    priceAndAnchor(node, 'review anchor');
    const w = await watch(node, { maxQueuedFetches: 3 });
    try {
      const txs = Array.from({ length: 12 }, (_, n) => liq(`storm ${n}`, 30 + n));
      node.slow.set(txs[0]!.signature, 800);
      let most = 0;
      const sample = setInterval(() => (most = Math.max(most, w.connection.queuedFetches)), 5);
      for (const tx of txs) {
        node.land(tx);
        // Each notified many times: duplicates take no place in the queue.
        for (let k = 0; k < 20; k++) node.notify(tx);
      }
      await until(() => w.liquidations().length >= txs.length, 'every liquidation', 15_000).catch(() => {});
      clearInterval(sample);
      expect(w.liquidations()).toEqual(txs.map((t) => t.signature));
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(3);
      expect(w.gaps).toEqual([]);
      for (const t of txs) expect(node.asked.filter((a) => a.method === 'getTransaction' && a.params[0] === t.signature)).toHaveLength(1);
    } finally {
      await w.connection.stop();
      await node.stop();
    }
  }, 30_000);
});

describe('the Solana parser on hostile statuses', () => {
  it('a getTransaction answer holding another transaction than the one asked is refused (it could never be made final), the right one read', () => {
    const p = solanaParser('kamino', KAMINO_PROTOCOL, ['solana']);
    const asked = liq('asked', 4);
    const other = liq('answered instead', 5);
    const prices: PricedAccount[] = [WSOL, USDC].map((mint) => ({ address: reserveOf(mint).reserve, mint, usd: PRICE[mint]!, slot: other.slot }));
    const wrong = frame({ jsonrpc: '2.0', id: 1, result: transactionResult(other) }, { method: 'getTransaction', signature: asked.signature }, 'solana', accountsAnswer(prices, other.slot));
    const r = p(wrong, 1);
    expect(r.ok && r.events).toEqual([]);
    expect(r.ok && r.rejected?.map((x) => x.reason)).toEqual([expect.stringContaining(`answers ${other.signature}, asked ${asked.signature}`)]);
    const right = p(txFrame(other, prices), 2);
    expect(right.ok && right.events.map((e) => e.type)).toEqual(['liquidation']);
  });

  it('a provisional liquidation whose transaction is finalized as failed (another fork ran it and it failed) is retracted', () => {
    const p = solanaParser('kamino', KAMINO_PROTOCOL, ['solana']);
    const tx = liq('failed on the final fork', 3);
    const prices: PricedAccount[] = [WSOL, USDC].map((mint) => ({ address: reserveOf(mint).reserve, mint, usd: PRICE[mint]!, slot: tx.slot }));
    const r1 = p(txFrame(tx, prices), 1);
    const ids = r1.ok ? r1.events.map((e) => (e.type === 'liquidation' ? e.id : e.type)) : [];
    expect(ids).toEqual([`kamino:solana:${tx.signature}:1`]);
    p(frame({ jsonrpc: '2.0', id: 8, result: tx.slot + 40 }, { method: 'getSlot', commitment: 'finalized' }), 2);
    const failed = { slot: tx.slot + 3, confirmations: null, err: { InstructionError: [1, { Custom: 6016 }] }, confirmationStatus: 'finalized', status: { Err: {} } };
    const statuses = frame({ jsonrpc: '2.0', id: 9, result: { context: { slot: tx.slot + 41 }, value: [failed] } }, { method: 'getSignatureStatuses', signatures: [tx.signature] });
    const r2 = p(statuses, 3);
    expect(r2.ok && r2.events.map((e) => [e.type, e.type === 'retraction' ? e.id : ''])).toEqual([['retraction', ids[0]]]);
    expect(p(statuses, 4)).toEqual({ ok: true, events: [] });
  });
});
