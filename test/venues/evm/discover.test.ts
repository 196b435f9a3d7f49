import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { aaveV3Venue } from '../../../src/venues/aave-v3/index.js';
import * as ABI from '../../../src/venues/evm/abi.js';
import { discoverEvm, type EthCall } from '../../../src/venues/evm/discover.js';
import { encodeLog, fakeHash, getLogsFrame } from '../../../src/venues/evm/encode.js';
import { evmSample } from '../../support/evm-logs.js';

const BTC_PROXY = '0xf4030086522a5beea4988f8ca5b36dbc97bee88c';
const BTC_AGGREGATOR = '0xdbe1941bfbe4410d6865b9b7078e0b49af144d2d';
const word = (hex: string) => `0x${hex.replace(/^0x/, '').padStart(64, '0')}`;

/** A node that answers aggregator() and decimals() for the BTC / USD proxy only. */
const fakeNode =
  (): EthCall =>
  async (to, data) => {
    if (to !== BTC_PROXY) return undefined;
    if (data === '0x245a7bfc') return word(BTC_AGGREGATOR);
    if (data === '0x313ce567') return word('8');
    return undefined;
  };

describe('discover: Chainlink proxies resolved to the aggregators that emit AnswerUpdated', () => {
  it('keys the feed by its aggregator where the node answers, keeps the plan elsewhere, and applies configured confirmations', async () => {
    const base = aaveV3Venue().evm.metadata();
    const meta = await discoverEvm(base, { ethereum: { httpUrl: 'http://node.invalid', confirmations: 3 } }, () => fakeNode());
    const eth = meta.chains.ethereum!;
    expect(eth.confirmations).toBe(3);
    expect(eth.feeds[BTC_AGGREGATOR]).toEqual({ description: 'BTC / USD', decimals: 8 });
    expect(eth.feeds[BTC_PROXY]).toBeUndefined();
    expect(eth.tokens['0x2260fac5e5542a773aa44fbcfedf7c193bc2c599']!.feed).toBe(BTC_AGGREGATOR);
    expect(eth.feeds['0x8fffffd4afb6115b954bd326cbe7b4ba576818f6']).toBeDefined(); // USDC: no answer, plan kept
    expect(meta.chains.arbitrum).toEqual(base.chains.arbitrum); // no endpoint configured: untouched

    // The parser then prices WBTC from the aggregator's logs, and no longer from the proxy address.
    const parse = aaveV3Venue().parser({ evm: meta }, { log: silentLogger() });
    const sample = evmSample('aave-v3');
    const at = (address: string, logIndex: number) => ({ address, block: 1, blockHash: fakeHash('block 1'), logIndex, txHash: fakeHash(`t${logIndex}`) });
    const fromAggregator = encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current: 10n ** 13n, roundId: 1n, updatedAt: 1n }, at(BTC_AGGREGATOR, 0));
    const fromProxy = encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current: 10n ** 13n, roundId: 1n, updatedAt: 1n }, at(BTC_PROXY, 5));
    const r = parse(getLogsFrame('ethereum', [fromAggregator, fromProxy, sample.prices[1]!, sample.liquidation(2, 0, 10n ** 8n, 10n ** 6n)]), 1);
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && e.notionalUsd)).toEqual([100_000]);
    expect(r.ok && r.rejected?.map((x) => x.reason)).toEqual([expect.stringMatching(/no known aggregator/)]);
  });

  it('configured confirmations apply without discovery too (discover: false)', () => {
    const parse = aaveV3Venue().parser({}, { log: silentLogger(), options: { chains: { ethereum: { confirmations: 0 } } } });
    const sample = evmSample('aave-v3');
    const r = parse(getLogsFrame('ethereum', [...sample.prices, sample.liquidation(2, 0, 10n ** 8n, 10n ** 6n)]), 1);
    // No head seen: provisional whatever the depth; with a head at the block and 0 confirmations, final.
    expect(r.ok && r.events[0]?.type === 'liquidation' && r.events[0].onchain!.provisional).toBe(true);
    parse(JSON.stringify({ chain: 'ethereum', rpc: { jsonrpc: '2.0', id: 1, result: { number: '0x3', hash: fakeHash('block 3'), parentHash: fakeHash('block 2'), timestamp: '0x1' } } }), 1);
    const later = parse(getLogsFrame('ethereum', [sample.liquidation(3, 0, 10n ** 8n, 10n ** 6n)]), 1);
    expect(later.ok && later.events[0]?.type === 'liquidation' && later.events[0].onchain!.provisional).toBe(false);
  });

  it('fails softly: a node that answers nothing leaves the plan as it was', async () => {
    const base = aaveV3Venue().evm.metadata();
    const meta = await discoverEvm(base, { ethereum: { httpUrl: 'http://node.invalid' } }, () => async () => undefined);
    expect(meta).toEqual(base);
  });
});
