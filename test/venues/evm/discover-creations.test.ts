import { describe, expect, it } from 'vitest';
import * as ABI from '../../../src/venues/evm/abi.js';
import { tokenAddress } from '../../../src/venues/evm/chains.js';
import { discoverCreations, discoverEvm, getLogsAdaptive, RpcRefused, type JsonRpc } from '../../../src/venues/evm/discover.js';
import { encodeLog, fakeHash } from '../../../src/venues/evm/encode.js';
import { MAX_DISCOVERED } from '../../../src/venues/evm/metadata.js';
import { fluidVenue } from '../../../src/venues/fluid/index.js';
import { morphoBlueVenue } from '../../../src/venues/morpho-blue/index.js';
import { MORPHO_BLUE } from '../../../src/venues/morpho-blue/plan.js';

const WETH = tokenAddress('ethereum', 'WETH');
const DAI = tokenAddress('ethereum', 'DAI');
const MORPHO = MORPHO_BLUE.ethereum!;
const ANY = '0x000000000000000000000000000000000000beef';
const createMarket = (i: number, block: number) =>
  encodeLog(ABI.MORPHO_CREATE_MARKET as never, { id: fakeHash(`market ${i}`), marketParams: { loanToken: DAI, collateralToken: WETH, oracle: ANY, irm: ANY, lltv: BigInt(i) } }, { address: MORPHO, block, blockHash: fakeHash(`b${block}`), logIndex: i, txHash: fakeHash(`t${i}`) });

/**
 * A node for discovery: `logs` by block; refuses any eth_getLogs range wider than `maxRange` (as providers cap
 * ranges); `garbage` answers eth_getLogs with something that is not a list.
 */
function node(logs: Map<number, unknown[]>, opts: { maxRange?: number; head?: number; garbage?: boolean } = {}): JsonRpc & { asked: number } {
  const rpc = (async (method: string, params: unknown[]) => {
    rpc.asked += 1;
    if (method === 'eth_blockNumber') return `0x${(opts.head ?? 19_000_000).toString(16)}`;
    if (method !== 'eth_getLogs') throw new Error(`unexpected ${method}`);
    if (opts.garbage) return { not: 'a list' };
    const { fromBlock, toBlock } = params[0] as { fromBlock: string; toBlock: string };
    const [a, b] = [Number(fromBlock), Number(toBlock)];
    if (b - a + 1 > (opts.maxRange ?? Infinity)) throw new RpcRefused('query exceeds max block range');
    return [...logs].filter(([n]) => n >= a && n <= b).flatMap(([, l]) => l);
  }) as JsonRpc & { asked: number };
  rpc.asked = 0;
  return rpc;
}

describe('discovery of created contracts and markets at start (eth_getLogs over the creator, adaptive ranges, capped)', () => {
  const morpho = morphoBlueVenue().evm;

  it('Morpho: every CreateMarket from the deployment block to the head becomes a market; a refused range is halved; garbage entries are counted, not fatal', async () => {
    const from = 18_883_124;
    const logs = new Map<number, unknown[]>([
      [from + 10, [createMarket(1, from + 10)]],
      [from + 90_000, [createMarket(2, from + 90_000), { address: MORPHO, topics: 'garbage' }]],
    ]);
    const rpc = node(logs, { maxRange: 30_000, head: from + 100_000 });
    const { meta, counts } = await discoverCreations(morpho.metadata().chains.ethereum!, morpho.creations!.ethereum!, morpho.events, [], rpc);
    expect(meta.markets![fakeHash('market 1')]).toEqual({ loanToken: DAI, collateralToken: WETH });
    expect(meta.markets![fakeHash('market 2')]).toEqual({ loanToken: DAI, collateralToken: WETH });
    expect(counts).toMatchObject({ logs: 3, refused: 1, overCap: 0 });
    expect(counts.halvings).toBeGreaterThan(0);
  });

  it('past the cap the rest is counted (overCap), not held', async () => {
    const counts = { logs: 0, refused: 0, calls: 0, failedCalls: 0, halvings: 0, overCap: 0 };
    const logs = new Map([[10, [1, 2, 3]], [20, [4, 5]]]) as unknown as Map<number, unknown[]>;
    const got = await getLogsAdaptive(node(logs), { address: [MORPHO], topics: [ABI.TOPIC0.CreateMarket] }, 0, 30, counts, 100_000, 3);
    expect(got).toEqual([1, 2, 3]);
    expect(counts.overCap).toBe(2);
    expect(MAX_DISCOVERED).toBe(20_000);
  });

  it('a node answering garbage: discovery of that chain keeps the plan, logs why, never throws', async () => {
    const warned: object[] = [];
    const fluid = fluidVenue().evm;
    const base = fluid.metadata();
    const meta = await discoverEvm(base, { ethereum: { httpUrl: 'http://node.invalid' } }, () => async () => undefined, {
      creations: fluid.creations!,
      events: fluid.events,
      answers: fluid.answers!,
      log: { info: () => {}, warn: (o) => void warned.push(o) },
      rpc: () => node(new Map(), { garbage: true, head: 20_000_000 }),
    });
    expect(meta.chains.ethereum!.contracts).toEqual(base.chains.ethereum!.contracts);
    expect(warned).toEqual([expect.objectContaining({ chain: 'ethereum', err: expect.stringContaining('not a list') })]);
  });
});
