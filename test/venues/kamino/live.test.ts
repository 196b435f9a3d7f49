import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/load.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { replay } from '../../../src/replay/replay.js';
import type { LiquidationEvent, NormalizedEvent, RawFrame } from '../../../src/schema/events.js';
import { startConnectors } from '../../../src/service/connectors.js';
import { VENUE_MODULES } from '../../../src/venues/registry.js';
import { FakeSolanaNode } from '../../support/fake-solana-node.js';
import { tempDir, writeRecording } from '../../support/recording.js';
import { DECIMALS, FARTCOIN, reserveOf, sig, USDC, WSOL, type LiquidationSpec, type TxSpec } from '../../support/solana-txs.js';
import { until } from '../../support/until.js';

const PRICE: Record<string, number> = { [WSOL]: 182.25, [USDC]: 1, [FARTCOIN]: 0.75 };
const SLOT = 370_000_000;

/** The n-th liquidation transaction: one or two liquidations, some v2, some called by a bot program. */
function liquidationTx(n: number): TxSpec {
  const one = (k: number): LiquidationSpec => ({
    debtMint: USDC,
    collateralMint: k % 3 === 0 ? FARTCOIN : WSOL,
    repaid: BigInt(1_000_000 + n * 7_919 + k),
    seized: BigInt(10 ** 9 + n * 104_729 + k * 13),
    protocolFee: BigInt(n),
    v2: k % 2 === 1,
  });
  return { signature: sig(`live ${n}`), slot: SLOT + n, blockTime: 1_760_120_000 + n, others: ['refresh_reserve'], viaCpi: n % 4 === 0, liquidations: n % 5 === 0 ? [one(n), one(n + 1)] : [one(n)] };
}

/** What each liquidation must be: exact units and USD at the reserve's price. */
const expected = (txs: TxSpec[]) =>
  txs.flatMap((t) =>
    t.liquidations.map((l) => {
      const qty = Number(l.seized) / 10 ** DECIMALS[l.collateralMint]!;
      return { tx: t.signature, qty, usd: qty * PRICE[l.collateralMint]!, debt: Number(l.repaid) / 10 ** DECIMALS[l.debtMint]!, debtUsd: (Number(l.repaid) / 10 ** DECIMALS[l.debtMint]!) * PRICE[l.debtMint]! };
    }),
  );

describe('Kamino live: logsSubscribe → getTransaction over a local Solana node, backfill, finality, replay', () => {
  const node = new FakeSolanaNode();
  const frames: RawFrame[] = [];
  const gaps: string[] = [];
  const events: NormalizedEvent[] = [];
  const rejected: string[] = [];
  const parse = VENUE_MODULES.kamino!.parser({}, { log: pino({ level: 'silent' }) });
  let connectors: Awaited<ReturnType<typeof startConnectors>>;
  const metrics = createMetrics();
  const counted = async (what: string) => (await metrics.registry.getSingleMetric('liqstream_evm_rpc_total')!.get()).values.find((v) => v.labels.venue === 'kamino' && v.labels.chain === 'solana' && v.labels.what === what)?.value;
  const landed: TxSpec[] = [];
  const liquidations = () => events.filter((e): e is LiquidationEvent => e.type === 'liquidation');

  beforeAll(async () => {
    await node.start();
    for (const mint of [WSOL, USDC, FARTCOIN]) node.prices.set(reserveOf(mint).reserve, { address: reserveOf(mint).reserve, mint, usd: PRICE[mint]!, slot: 0 });
    node.land({ signature: sig('before start'), slot: SLOT - 1, blockTime: 1_760_119_999, liquidations: [], others: ['refresh_reserve'] }, true);
    const config = loadConfig({
      env: {},
      overrides: {
        onlyVenues: ['kamino'],
        connection: { backoff: { initialMs: 20, maxMs: 100 } },
        solana: { chains: { solana: { url: node.url, httpUrl: node.httpUrl } }, finalityCheckMs: 50, pingIntervalMs: 100, silenceTimeoutMs: 2_000, requestTimeoutMs: 2_000 },
      },
    });
    connectors = await startConnectors(config, {
      // What the ingestor does with each frame: parse it with the venue's parser, in order.
      sink: {
        handleFrame: (f) => {
          frames.push(f);
          const r = parse(f.frame, f.recv);
          if (r.ok) {
            events.push(...r.events);
            rejected.push(...(r.rejected ?? []).map((x) => x.reason));
          } else rejected.push(r.reason);
        },
        gap: (_v, _f, _t, reason) => void gaps.push(reason),
      },
      metrics,
      log: pino({ level: 'silent' }),
      parsers: new Map(),
    });
    await until(() => connectors.health().kamino === true && node.asked.some((a) => a.method === 'getSignaturesForAddress'), 'connected, newest signature read');
  });

  afterAll(async () => {
    await connectors?.stop();
    await node.stop();
  });

  it('N liquidations across transactions: each received once with exact amounts and USD; others ignored; hostile input refused one by one', async () => {
    for (let n = 1; n <= 40; n++) {
      const tx = liquidationTx(n);
      landed.push(tx);
      node.land(tx);
      if (n === 10) node.land({ signature: sig('refresh only'), slot: SLOT + n, blockTime: 1, liquidations: [], others: ['refresh_reserve', 'refresh_obligation'] });
      if (n === 20) {
        // Hostile notifications: garbage, a wrong shape, an oversized one, a notification of a bad signature.
        node.broadcast(() => 'not json at all');
        node.broadcast(() => '{"jsonrpc":"2.0","method":"logsNotification","params":{"result":[1,2,3]}}');
        node.broadcast((s) => JSON.stringify({ jsonrpc: '2.0', method: 'logsNotification', params: { subscription: s, result: { context: { slot: 1 }, value: { signature: 'x'.repeat(2_000_000), err: null, logs: ['Program log: Instruction: LiquidateObligationAndRedeemReserveCollateral'] } } } }));
        // Hostile answers to getTransaction: garbage text, a wrong shape, a liquidation without balances or inner instructions.
        for (const [name, text] of [
          ['garbage', '{"jsonrpc":"2.0","result":'],
          ['wrong shape', '{"jsonrpc":"2.0","id":1,"result":{"slot":"soon","meta":[],"transaction":7}}'],
        ] as const) {
          const bad: TxSpec = { signature: sig(name), slot: SLOT + n, blockTime: 1, liquidations: [{ debtMint: USDC, collateralMint: WSOL, repaid: 1n, seized: 1n }] };
          node.answerText.set(bad.signature, text);
          node.land(bad);
        }
      }
    }
    const bare: TxSpec = { signature: sig('no balances'), slot: SLOT + 41, blockTime: 1, liquidations: [{ debtMint: USDC, collateralMint: WSOL, repaid: 1n, seized: 1n }] };
    node.answerText.set(bare.signature, JSON.stringify({ jsonrpc: '2.0', id: 1, result: { ...(await import('../../support/solana-txs.js')).transactionResult(bare), meta: { err: null, innerInstructions: null, preTokenBalances: null, postTokenBalances: null } } }));
    node.land(bare);

    const want = expected(landed);
    await until(() => liquidations().length >= want.length && rejected.some((r) => r.includes('no inner instructions')), `${want.length} liquidations`, 20_000);
    const got = liquidations();
    expect(got.map((e) => [e.onchain!.txHash, e.qty, e.notionalUsd, e.onchain!.debtAmount, e.onchain!.debtUsd])).toEqual(want.map((w) => [w.tx, w.qty, w.usd, w.debt, w.debtUsd]));
    expect(got.every((e) => e.onchain!.provisional && e.onchain!.inferred === undefined)).toBe(true);
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    // The refresh-only transaction is not even fetched (its logs show no liquidation).
    expect(node.asked.filter((a) => a.method === 'getTransaction' && a.params[0] === sig('refresh only'))).toHaveLength(0);
    // Each hostile message is one refusal, counted: 3 notifications (not JSON, wrong shape, oversized signature), 2 answers, 1 liquidation without balances.
    expect(rejected.map((r) => r.slice(0, 24))).toEqual([
      'not a Solana frame {"cha', // a notification that is not JSON
      'invalid logsNotification', // one of the wrong shape
      'invalid logsNotification', // one with a 2 MB signature
      'not a Solana frame {"cha', // a getTransaction answer that is not JSON
      'invalid transaction: slo', // one of the wrong shape
      'no inner instructions, a', // a liquidation without inner instructions or balances
    ]);
    expect(rejected.filter((r) => r.includes('no inner instructions'))).toHaveLength(1);
    expect(gaps).toEqual(expect.arrayContaining([expect.stringContaining(`transaction ${sig('garbage')} could not be read`)]));
  }, 30_000);

  it('a socket drop mid-stream, transactions landing meanwhile, then backfill: every liquidation once, no gap', async () => {
    const before = liquidations().length;
    const gapsBefore = gaps.length;
    node.drop();
    await until(() => connectors.health().kamino === false, 'down');
    const missed: TxSpec[] = [];
    for (let n = 50; n < 62; n++) {
      const tx = liquidationTx(n);
      missed.push(tx);
      landed.push(tx);
      node.land(tx, true);
    }
    node.up();
    await until(() => liquidations().length >= before + expected(missed).length, 'backfilled', 20_000);
    // Live again, and one more after the backfill.
    const after = liquidationTx(70);
    landed.push(after);
    node.land(after);
    await until(() => liquidations().length >= before + expected(missed).length + expected([after]).length, 'live again', 20_000);
    const want = expected(landed);
    expect(liquidations().map((e) => [e.onchain!.txHash, e.qty, e.notionalUsd])).toEqual(want.map((w) => [w.tx, w.qty, w.usd]));
    expect(gaps.slice(gapsBefore)).toEqual([]);
    // The 12 transactions landed while down were listed by the backfill (counted), each fetched once.
    expect(await counted('backfilled_signatures')).toBeGreaterThanOrEqual(12);
    for (const t of missed) expect(node.asked.filter((a) => a.method === 'getTransaction' && a.params[0] === t.signature)).toHaveLength(1);
  }, 40_000);

  it('finality: a liquidation its finalized slot does not know is retracted once; the others become final', async () => {
    const lostTx = landed[2]!;
    node.lost.add(lostTx.signature);
    node.finalizedSlot = SLOT + 1_000;
    const lost = liquidations().filter((e) => e.onchain!.txHash === lostTx.signature).map((e) => e.id);
    // Every one of the transaction's liquidations retracted, not only the first; then 300 ms for a second copy to show.
    await until(() => events.filter((e) => e.type === 'retraction').length >= lost.length, 'retraction', 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const retractions = events.filter((e) => e.type === 'retraction');
    expect(retractions.map((e) => e.id)).toEqual(lost);
  }, 20_000);

  it('replay of the recording gives the same events and totals', async () => {
    await connectors.stop();
    const again = VENUE_MODULES.kamino!.parser({}, { log: pino({ level: 'silent' }) });
    const replayed = frames.flatMap((f) => {
      const r = again(f.frame, f.recv);
      return r.ok ? r.events : [];
    });
    expect(replayed).toEqual(events);
    const file = await writeRecording(join(tempDir(), 'kamino.ndjson'), frames);
    const { report } = await replay({ files: [file], speed: 'max', log: pino({ level: 'silent' }) });
    const kept = liquidations().filter((e) => !events.some((r) => r.type === 'retraction' && r.id === e.id));
    const defi = report.totals.defi!.byProtocol.kamino!;
    expect([defi.count, defi.byChain.solana!.count]).toEqual([kept.length, kept.length]);
    // The totals keep USD in units of 1e-4 (src/aggregate/defi-totals.ts).
    expect(Math.abs(defi.usd - kept.reduce((s, e) => s + e.notionalUsd, 0))).toBeLessThan(kept.length * 1e-4);
    expect(report.totals.defi!.retracted.count).toBe(liquidations().length - kept.length);
  }, 30_000);
});
