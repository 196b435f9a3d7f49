import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { aaveV3Venue } from '../../../src/venues/aave-v3/index.js';
import * as ABI from '../../../src/venues/evm/abi.js';
import { tokenAddress } from '../../../src/venues/evm/chains.js';
import { encodeLog, fakeHash, getLogsFrame, head, headFrame, logFrame } from '../../../src/venues/evm/encode.js';
import { PriceBook, type PriceUpdate } from '../../../src/venues/evm/price-book.js';

const RECV = 1_760_130_900_000;

describe('price book (property)', () => {
  it('answers the last update strictly before (block, logIndex), whatever order updates arrive in', () => {
    const update = fc.record({ block: fc.integer({ min: 0, max: 30 }), logIndex: fc.integer({ min: 0, max: 4 }), answer: fc.bigInt({ min: 1n, max: 10n ** 20n }) });
    const query = fc.record({ block: fc.integer({ min: 0, max: 32 }), logIndex: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(fc.array(update, { maxLength: 60 }), fc.array(query, { maxLength: 20 }), (updates, queries) => {
        const book = new PriceBook();
        const model = new Map<string, PriceUpdate>(); // the latest added per (block, logIndex) wins
        for (const u of updates) {
          const full = { ...u, blockHash: `h${u.block}` };
          book.add('feed', full);
          model.set(`${u.block}:${u.logIndex}`, full);
        }
        for (const q of queries) {
          const before = [...model.values()].filter((u) => u.block < q.block || (u.block === q.block && u.logIndex < q.logIndex));
          before.sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
          expect(book.before('feed', q.block, q.logIndex)).toEqual(before.at(-1));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('bounded memory', () => {
  it('an eth_getLogs import with no heads keeps the events of at most REORG_DEPTH + 1 blocks for retraction', async () => {
    const { ChainState, REORG_DEPTH } = await import('../../../src/venues/evm/chain-state.js');
    const state = new ChainState();
    for (let n = 0; n < 1_000; n++)
      state.record({ type: 'liquidation', id: `x:${n}`, onchain: { blockNumber: n, blockHash: `h${n}`, logIndex: 0 } } as unknown as import('../../../src/schema/events.js').LiquidationEvent);
    expect(state.heldBlocks).toBe(REORG_DEPTH + 1);
  });
});

describe('reorg retraction (property)', () => {
  const log = silentLogger();
  const POOL = '0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2';
  const [WBTC, USDC] = [tokenAddress('ethereum', 'WBTC'), tokenAddress('ethereum', 'USDC')];
  const liq = (block: number, hash: string, logIndex: number) =>
    encodeLog(
      ABI.AAVE_LIQUIDATION_CALL,
      { collateralAsset: WBTC, debtAsset: USDC, user: POOL, debtToCover: 1_000_000n, liquidatedCollateralAmount: BigInt(1 + logIndex) * 1000n, liquidator: POOL, receiveAToken: false },
      { address: POOL, block, blockHash: hash, logIndex, txHash: fakeHash(`${hash}${logIndex}`) },
    );

  // A step either adds blocks on the chain the node follows, or replaces its last `depth` blocks with `length` new ones.
  const step = fc.oneof(
    fc.record({ kind: fc.constant('extend' as const), logs: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }) }),
    // The new chain's headers arrive in any order (the node announces its tip, the connector reads the headers
    // back to the fork), each block's logs after its header.
    fc.record({
      kind: fc.constant('reorg' as const),
      depth: fc.integer({ min: 1, max: 6 }),
      logs: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }),
      order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
    }),
  );

  it('retracts exactly what was emitted from orphaned blocks, never twice; what stands is what the final chain holds', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        const parse = aaveV3Venue().parser({}, { log });
        let forks = 0;
        const chain: { hash: string; ids: string[] }[] = [{ hash: fakeHash('genesis'), ids: [] }];
        parse(headFrame('ethereum', head(0, chain[0]!.hash, fakeHash('pre'), 1)), RECV);
        parse(
          getLogsFrame('ethereum', [
            encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current: 10n ** 13n, roundId: 1n, updatedAt: 1n }, { address: '0xf4030086522a5beea4988f8ca5b36dbc97bee88c', block: 0, blockHash: chain[0]!.hash, logIndex: 0, txHash: fakeHash('p1') }),
            encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current: 10n ** 8n, roundId: 1n, updatedAt: 1n }, { address: '0x8fffffd4afb6115b954bd326cbe7b4ba576818f6', block: 0, blockHash: chain[0]!.hash, logIndex: 1, txHash: fakeHash('p2') }),
          ]),
          RECV,
        );
        const emitted = new Map<string, number>();
        const retracted = new Map<string, number>();
        const count = (r: ReturnType<typeof parse>) => {
          const ids: string[] = [];
          for (const e of r.ok ? r.events : []) {
            if (e.type === 'retraction') retracted.set(e.id, (retracted.get(e.id) ?? 0) + 1);
            if (e.type === 'liquidation') (emitted.set(e.id, (emitted.get(e.id) ?? 0) + 1), ids.push(e.id));
          }
          expect(r.ok && r.rejected).toBeUndefined();
          return ids;
        };
        let highest = 0;
        const sendHead = (n: number) => {
          highest = Math.max(highest, n);
          count(parse(headFrame('ethereum', head(n, chain[n]!.hash, chain[n - 1]!.hash, n)), RECV));
        };
        const sendLogs = (n: number, k: number) => {
          const logs = Array.from({ length: k }, (_, i) => liq(n, chain[n]!.hash, i));
          chain[n]!.ids.push(...count(parse(logs.length === 1 ? logFrame('ethereum', logs[0]!) : getLogsFrame('ethereum', logs), RECV)));
        };
        const addBlock = (k: number) => {
          chain.push({ hash: fakeHash(`block ${chain.length} fork ${forks}`), ids: [] });
          sendHead(chain.length - 1);
          sendLogs(chain.length - 1, k);
        };
        for (const s of steps) {
          if (s.kind === 'extend') for (const k of s.logs) addBlock(k);
          else {
            forks += 1;
            chain.splice(Math.max(1, chain.length - s.depth));
            const first = chain.length;
            for (let i = 0; i < s.logs.length; i++) chain.push({ hash: fakeHash(`block ${first + i} fork ${forks}`), ids: [] });
            const numbers = s.logs.map((_, i) => first + i);
            for (const n of [...numbers].sort((a, b) => s.order[a - first]! - s.order[b - first]!)) sendHead(n);
            numbers.forEach((n, i) => sendLogs(n, s.logs[i]!));
          }
        }
        // A block of an abandoned longer chain is orphaned once the new chain reaches its number: grow past them.
        while (chain.length <= highest) addBlock(0);
        for (const [id, n] of retracted) {
          expect(n, id).toBe(1);
          expect(emitted.has(id), id).toBe(true);
        }
        for (const n of emitted.values()) expect(n).toBe(1);
        const standing = [...emitted.keys()].filter((id) => !retracted.has(id)).sort();
        expect(standing).toEqual(chain.flatMap((b) => b.ids).sort());
      }),
      { numRuns: 60 },
    );
  });
});
