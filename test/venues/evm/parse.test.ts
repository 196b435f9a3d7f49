import { describe, expect, it } from 'vitest';
import type { LiquidationEvent, NormalizedEvent, RetractionEvent } from '../../../src/schema/events.js';
import { aaveV3Venue } from '../../../src/venues/aave-v3/index.js';
import { compoundV3Venue } from '../../../src/venues/compound-v3/index.js';
import { eulerV2Venue } from '../../../src/venues/euler-v2/index.js';
import * as ABI from '../../../src/venues/evm/abi.js';
import { tokenAddress } from '../../../src/venues/evm/chains.js';
import { encodeLog, fakeHash, getLogsFrame, head, headFrame, logFrame } from '../../../src/venues/evm/encode.js';
import { MAX_HEAD_JUMP } from '../../../src/venues/evm/parser.js';
import type { EvmMetadata } from '../../../src/venues/evm/metadata.js';
import { fluidVenue } from '../../../src/venues/fluid/index.js';
import { makerVenue } from '../../../src/venues/maker/index.js';
import { ilkId } from '../../../src/venues/maker/plan.js';
import { morphoBlueVenue } from '../../../src/venues/morpho-blue/index.js';
import type { FrameParser, ParseResult } from '../../../src/venues/venue.js';
import { silentLogger } from '../../../src/log.js';

const log = silentLogger();
const RECV = 1_760_130_900_000;
const T0 = 1_760_130_000; // block time, seconds
const WBTC = tokenAddress('ethereum', 'WBTC');
const USDC = tokenAddress('ethereum', 'USDC');
const WETH = tokenAddress('ethereum', 'WETH');
const DAI = tokenAddress('ethereum', 'DAI');
const BTC_FEED = '0xf4030086522a5beea4988f8ca5b36dbc97bee88c';
const USDC_FEED = '0x8fffffd4afb6115b954bd326cbe7b4ba576818f6';
const ETH_FEED = '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419';
const DAI_FEED = '0xaed0c38402a5d19df6e4c03f4e2dced6e29c1ee9';
const POOL = '0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2';
const USER = '0x1111111111111111111111111111111111111111';
const LIQ = '0x2222222222222222222222222222222222222222';

const bh = (n: number, fork = '') => fakeHash(`block ${n}${fork}`);
const at = (address: string, block: number, logIndex: number, fork = '') => ({ address, block, blockHash: bh(block, fork), logIndex, txHash: fakeHash(`tx ${block} ${logIndex}`) });
const answer = (feed: string, block: number, logIndex: number, current: bigint, fork = '') => encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current, roundId: BigInt(block), updatedAt: BigInt(T0) }, at(feed, block, logIndex, fork));
const aaveLog = (block: number, logIndex: number, collateral: bigint, debt: bigint, fork = '') =>
  encodeLog(ABI.AAVE_LIQUIDATION_CALL, { collateralAsset: WBTC, debtAsset: USDC, user: USER, debtToCover: debt, liquidatedCollateralAmount: collateral, liquidator: LIQ, receiveAToken: false }, at(POOL, block, logIndex, fork));
const heads = (parse: FrameParser, from: number, to: number, fork = '', forkFrom = Infinity) => {
  const out: NormalizedEvent[] = [];
  for (let n = from; n <= to; n++) {
    const f = n >= forkFrom ? fork : '';
    const pf = n - 1 >= forkFrom ? fork : '';
    const r = parse(headFrame('ethereum', head(n, bh(n, f), bh(n - 1, pf), T0 + 12 * n)), RECV);
    if (r.ok) out.push(...r.events);
  }
  return out;
};
const events = (r: ParseResult): NormalizedEvent[] => (r.ok ? r.events : []);
const liqs = (r: ParseResult) => events(r).filter((e): e is LiquidationEvent => e.type === 'liquidation');
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('on-chain venues: parse', () => {
  it('Aave: values collateral and debt at the last oracle update strictly before the liquidation, exact to 1e-9', () => {
    const parse = aaveV3Venue().parser({}, { log });
    heads(parse, 99, 100);
    const r = parse(
      getLogsFrame('ethereum', [
        answer(BTC_FEED, 100, 1, 11_700_012_345_678n), // $117,000.12345678
        answer(USDC_FEED, 100, 2, 99_990_000n), // $0.9999
        aaveLog(100, 5, 123_456_789n, 140_000_123_456n), // 1.23456789 WBTC for 140,000.123456 USDC
        answer(BTC_FEED, 100, 6, 1n), // after the liquidation: not used
      ]),
      RECV,
    );
    expect(r.ok && r.rejected).toBeUndefined();
    const [e] = liqs(r);
    const collateralUsd = (123_456_789 / 1e8) * 117_000.12345678;
    const debtUsd = 140_000.123456 * 0.9999;
    expect(e).toMatchObject({ venue: 'aave-v3', symbol: 'WBTC/USDC', base: 'BTC', side: 'long', qty: 1.23456789, price: 117_000.12345678, kind: 'liquidation', fidelity: 'complete', source: 'aave-v3:LiquidationCall', eventTime: (T0 + 1200) * 1000, receiveTime: RECV });
    expect(e!.id).toBe(`aave-v3:ethereum:${bh(100)}:5`);
    expect(rel(e!.notionalUsd, collateralUsd)).toBeLessThan(1e-9);
    expect(rel(e!.onchain!.collateralUsd, collateralUsd)).toBeLessThan(1e-9);
    expect(rel(e!.onchain!.debtUsd, debtUsd)).toBeLessThan(1e-9);
    expect(e!.onchain).toMatchObject({ chain: 'ethereum', blockNumber: 100, logIndex: 5, collateralAsset: 'WBTC', debtAsset: 'USDC', collateralToken: WBTC, debtToken: USDC, collateralAmount: 1.23456789, debtAmount: 140_000.123456, provisional: true });
  });

  it('a liquidation with no earlier price is refused on its own (never valued 0); the others in the message count', () => {
    const parse = aaveV3Venue().parser({}, { log });
    const r = parse(getLogsFrame('ethereum', [aaveLog(100, 1, 1n, 1n), answer(BTC_FEED, 100, 2, 10n ** 13n), answer(USDC_FEED, 100, 3, 10n ** 8n), aaveLog(100, 4, 10n ** 8n, 10n ** 6n)]), RECV);
    expect(liqs(r)).toHaveLength(1);
    expect(r.ok && r.rejected?.map((x) => x.reason)).toEqual([expect.stringMatching(/no WBTC price before block 100 log 1/)]);
  });

  it("refuses a protocol event from a contract that is not the protocol's (anyone can emit LiquidationCall) and a price from a non-feed", () => {
    const parse = aaveV3Venue().parser({}, { log });
    const spoof = encodeLog(ABI.AAVE_LIQUIDATION_CALL, { collateralAsset: WBTC, debtAsset: USDC, user: USER, debtToCover: 1n, liquidatedCollateralAmount: 1n, liquidator: LIQ, receiveAToken: false }, at(LIQ, 100, 1));
    const fakePrice = answer(LIQ, 100, 0, 1n);
    const r = parse(getLogsFrame('ethereum', [fakePrice, spoof]), RECV);
    expect(r.ok && r.rejected?.map((x) => x.reason)).toEqual([expect.stringMatching(/no known aggregator/), expect.stringMatching(/no known aave-v3 contract/)]);
  });

  it('block time from the head, else the log\'s blockTimestamp, else the receive time; provisional until the confirmations', () => {
    const parse = aaveV3Venue().parser({}, { log });
    parse(getLogsFrame('ethereum', [answer(BTC_FEED, 1, 0, 10n ** 13n), answer(USDC_FEED, 1, 1, 10n ** 8n)]), RECV);
    const noHead = liqs(parse(logFrame('ethereum', { ...aaveLog(50, 1, 10n ** 8n, 10n ** 6n), blockTimestamp: '0x68e8f000' }), RECV))[0]!;
    expect(noHead.eventTime).toBe(0x68e8f000 * 1000);
    const bare = liqs(parse(logFrame('ethereum', aaveLog(51, 1, 10n ** 8n, 10n ** 6n)), RECV))[0]!;
    expect(bare.eventTime).toBe(RECV);
    heads(parse, 60, 72); // tip 72: block 60 has 12 on top (final on ethereum), 61 has 11
    expect(liqs(parse(logFrame('ethereum', aaveLog(60, 1, 10n ** 8n, 10n ** 6n)), RECV))[0]!.onchain!.provisional).toBe(false);
    const e61 = liqs(parse(logFrame('ethereum', aaveLog(61, 1, 10n ** 8n, 10n ** 6n)), RECV))[0]!;
    expect(e61.onchain!.provisional).toBe(true);
    expect(e61.eventTime).toBe((T0 + 12 * 61) * 1000);
  });

  it('the same log from the subscription and from a backfill is emitted once', () => {
    const parse = aaveV3Venue().parser({}, { log });
    parse(getLogsFrame('ethereum', [answer(BTC_FEED, 1, 0, 10n ** 13n), answer(USDC_FEED, 1, 1, 10n ** 8n)]), RECV);
    const l = aaveLog(10, 3, 10n ** 8n, 10n ** 6n);
    expect(liqs(parse(logFrame('ethereum', l), RECV))).toHaveLength(1);
    expect(events(parse(getLogsFrame('ethereum', [l]), RECV))).toEqual([]);
  });

  it('a reorg retracts exactly the events of orphaned blocks, each once; the re-read block counts under its new hash; removed:true retracts', () => {
    const parse = aaveV3Venue().parser({}, { log });
    heads(parse, 1, 100);
    parse(getLogsFrame('ethereum', [answer(BTC_FEED, 1, 0, 10n ** 13n), answer(USDC_FEED, 1, 1, 10n ** 8n)]), RECV);
    const emitted = [98, 99, 100].map((n) => liqs(parse(logFrame('ethereum', aaveLog(n, 1, BigInt(n) * 10n ** 6n, 10n ** 6n)), RECV))[0]!);
    expect(emitted).toHaveLength(3);
    // A new head 101 whose parent is another block 100: block 100 is orphaned.
    const r = parse(headFrame('ethereum', head(101, bh(101, 'b'), bh(100, 'b'), T0)), RECV);
    const retracted = events(r) as RetractionEvent[];
    expect(retracted.map((x) => [x.type, x.id, x.reason])).toEqual([['retraction', emitted[2]!.id, 'reorg']]);
    expect(retracted[0]!.event).toEqual(emitted[2]);
    // Deeper: the connector re-reads and records the new chain's headers for 99 and 98 (eth_getBlockByNumber).
    const deeper = [99, 98].flatMap((n) => events(parse(JSON.stringify({ chain: 'ethereum', rpc: { jsonrpc: '2.0', id: 7, result: head(n, bh(n, 'b'), bh(n - 1, n - 1 >= 98 ? 'b' : ''), T0) } }), RECV)));
    expect(deeper.map((x) => x.type === 'retraction' && x.id).sort()).toEqual([emitted[0]!.id, emitted[1]!.id].sort());
    // Nothing is retracted twice: the same heads again retract nothing.
    expect(events(parse(headFrame('ethereum', head(101, bh(101, 'b'), bh(100, 'b'), T0)), RECV))).toEqual([]);
    // The new chain's log counts under a new id.
    const fresh = liqs(parse(logFrame('ethereum', aaveLog(100, 1, 10n ** 6n, 10n ** 6n, 'b')), RECV))[0]!;
    expect(fresh.id).toBe(`aave-v3:ethereum:${bh(100, 'b')}:1`);
    // removed: true retracts that event, once.
    const removed = { ...aaveLog(100, 1, 10n ** 6n, 10n ** 6n, 'b'), removed: true };
    expect(events(parse(logFrame('ethereum', removed), RECV)).map((x) => x.type === 'retraction' && [x.id, x.reason])).toEqual([[fresh.id, 'removed']]);
    expect(events(parse(logFrame('ethereum', removed), RECV))).toEqual([]);
  });

  it("a log showing a block's new hash before its header (the node's chain moved) retracts that block's old events and counts", () => {
    const parse = aaveV3Venue().parser({}, { log });
    heads(parse, 1, 10);
    parse(getLogsFrame('ethereum', [answer(BTC_FEED, 1, 0, 10n ** 13n), answer(USDC_FEED, 1, 1, 10n ** 8n)]), RECV);
    const old = liqs(parse(logFrame('ethereum', aaveLog(9, 1, 10n ** 8n, 10n ** 6n)), RECV))[0]!;
    const r = events(parse(getLogsFrame('ethereum', [aaveLog(9, 2, 10n ** 8n, 10n ** 6n, 'b')]), RECV));
    expect(r.map((e) => [e.type, e.type === 'retraction' ? e.id : e.type === 'liquidation' && e.onchain!.blockHash])).toEqual([
      ['retraction', old.id],
      ['liquidation', bh(9, 'b')],
    ]);
  });

  it('a head absurdly far past the tip is refused on its own: the reorg check keeps its blocks and still retracts', () => {
    const parse = aaveV3Venue().parser({}, { log });
    heads(parse, 1, 100);
    parse(getLogsFrame('ethereum', [answer(BTC_FEED, 1, 0, 10n ** 13n), answer(USDC_FEED, 1, 1, 10n ** 8n)]), RECV);
    const emitted = liqs(parse(logFrame('ethereum', aaveLog(100, 1, 10n ** 8n, 10n ** 6n)), RECV))[0]!;
    const absurd = parse(headFrame('ethereum', head(0xfffffffffffff, bh(0xfffffffffffff), bh(0xffffffffffffe), T0)), RECV);
    expect(absurd.ok && absurd.rejected?.map((r) => r.reason)).toEqual([`block ${0xfffffffffffff} is more than ${MAX_HEAD_JUMP} blocks past the chain's tip 100`]);
    // One head later a reorg of block 100 still retracts its event (before the fix, the absurd tip had pruned it).
    const r = events(parse(headFrame('ethereum', head(101, bh(101, 'b'), bh(100, 'b'), T0)), RECV));
    expect(r.map((x) => x.type === 'retraction' && x.id)).toEqual([emitted.id]);
  });

  it('prices of orphaned blocks are forgotten: a liquidation on the new chain is valued at the new chain\'s update', () => {
    const parse = aaveV3Venue().parser({}, { log });
    heads(parse, 1, 10);
    parse(getLogsFrame('ethereum', [answer(BTC_FEED, 5, 0, 10n ** 13n), answer(USDC_FEED, 5, 1, 10n ** 8n), answer(BTC_FEED, 10, 0, 2n * 10n ** 13n)]), RECV);
    parse(headFrame('ethereum', head(11, bh(11, 'b'), bh(10, 'b'), T0)), RECV); // block 10 orphaned with its $200k update
    const e = liqs(parse(logFrame('ethereum', aaveLog(11, 1, 10n ** 8n, 10n ** 6n, 'b')), RECV))[0]!;
    expect(e.price).toBe(100_000);
  });

  it('frames: JSON-RPC errors and garbage are rejected; subscribe acks and unknown chains', () => {
    const parse = aaveV3Venue().parser({}, { log });
    expect(parse('{"chain":"ethereum","rpc":{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"query returned more than 10000 results"}}}', RECV)).toMatchObject({ ok: false, reason: expect.stringMatching(/-32005/) });
    expect(parse('{"chain":"ethereum","rpc":{"jsonrpc":"2.0","id":1,"result":"0xabc"}}', RECV)).toEqual({ ok: true, events: [] });
    expect(parse('{"chain":"solana","rpc":{"jsonrpc":"2.0","id":1,"result":[]}}', RECV).ok).toBe(false);
    expect(parse('nope', RECV).ok).toBe(false);
    for (const chain of ['constructor', 'tostring', 'hasownproperty'])
      expect(parse(getLogsFrame(chain, [aaveLog(5, 1, 1n, 1n)]), RECV)).toMatchObject({ ok: false, reason: expect.stringMatching(/not configured/) });
    const bad = parse(getLogsFrame('ethereum', [{ ...aaveLog(5, 1, 1n, 1n), data: '0x00' }, 42]), RECV);
    expect(bad.ok && bad.rejected).toHaveLength(2);
  });
});

describe('each protocol\'s event mapping, exact amounts', () => {
  const prices = [answer(BTC_FEED, 1, 0, 10n ** 13n), answer(USDC_FEED, 1, 1, 10n ** 8n), answer(ETH_FEED, 1, 2, 4_000n * 10n ** 8n), answer(DAI_FEED, 1, 3, 10n ** 8n)];

  it('Morpho Blue: seizedAssets of the market collateral for repaidAssets of its loan token', () => {
    const parse = morphoBlueVenue().parser({}, { log });
    const l = encodeLog(
      ABI.MORPHO_LIQUIDATE,
      { id: '0x3a85e619751152991742810df6ec69ce473daef99e28a64ab2340d7b7ccfee49', caller: LIQ, borrower: USER, repaidAssets: 50_000_000_000n, repaidShares: 1n, seizedAssets: 52_000_000n, badDebtAssets: 0n, badDebtShares: 0n },
      at('0xbbbbbbbbbb9cc5e90e3b3af64bdaf62c37eeffcb', 2, 0),
    );
    const [e] = liqs(parse(getLogsFrame('ethereum', [...prices, l]), RECV));
    expect(e).toMatchObject({ symbol: 'WBTC/USDC', qty: 0.52, notionalUsd: 52_000, onchain: { debtAmount: 50_000, debtUsd: 50_000 } });
  });

  it('Compound v3: AbsorbCollateral is the liquidation (debt 0), AbsorbDebt makes no event', () => {
    const parse = compoundV3Venue().parser({}, { log });
    const comet = '0xc3d688b66703497daa19211eedff47f25384cdc3';
    const coll = encodeLog(ABI.COMET_ABSORB_COLLATERAL, { absorber: LIQ, borrower: USER, asset: WETH, collateralAbsorbed: 25n * 10n ** 17n, usdValue: 1n }, at(comet, 2, 0));
    const debt = encodeLog(ABI.COMET_ABSORB_DEBT, { absorber: LIQ, borrower: USER, basePaidOut: 9_000_000_000n, usdValue: 1n }, at(comet, 2, 1));
    const r = parse(getLogsFrame('ethereum', [...prices, coll, debt]), RECV);
    expect(r.ok && r.rejected).toBeUndefined();
    expect(liqs(r).map((e) => [e.symbol, e.qty, e.notionalUsd, e.onchain!.debtUsd, e.source])).toEqual([['WETH/USDC', 2.5, 10_000, 0, 'compound-v3:AbsorbCollateral']]);
  });

  it('Maker Bark: ink is a wad, due a rad of DAI', () => {
    const parse = makerVenue().parser({}, { log });
    const l = encodeLog(ABI.MAKER_BARK, { ilk: ilkId('WBTC-A'), urn: USER, ink: 15n * 10n ** 17n, art: 1n, due: 120_000n * 10n ** 45n, clip: LIQ, id: 7n }, at('0x135954d155898d42c90d2a57824c690e0c7bef1b', 2, 0));
    const [e] = liqs(parse(getLogsFrame('ethereum', [...prices, l]), RECV));
    expect(e).toMatchObject({ symbol: 'WBTC/DAI', qty: 1.5, notionalUsd: 150_000, onchain: { debtAmount: 120_000, debtUsd: 120_000, debtToken: DAI }, source: 'maker:Bark' });
  });

  const euler: EvmMetadata = (() => {
    const m = eulerV2Venue().evm.metadata();
    m.chains.ethereum!.contracts = { '0x3333333333333333333333333333333333333333': { base: USDC }, '0x4444444444444444444444444444444444444444': { base: WETH, assetsPerShare: ['1020000000000000000', '1000000000000000000'] } };
    return m;
  })();

  it('Euler v2: yield shares become assets at the discovered share rate; without one the entry is refused', () => {
    const l = (collateral: string) => encodeLog(ABI.EULER_LIQUIDATE, { liquidator: LIQ, violator: USER, collateral, repayAssets: 3_000_000_000n, yieldBalance: 10n ** 18n }, at('0x3333333333333333333333333333333333333333', 2, 0));
    const [e] = liqs(eulerV2Venue().parser({ evm: euler }, { log })(getLogsFrame('ethereum', [...prices, l('0x4444444444444444444444444444444444444444')]), RECV));
    expect(e).toMatchObject({ symbol: 'WETH/USDC', qty: 1.02, notionalUsd: 4_080, onchain: { debtUsd: 3_000 } });
    const refused = eulerV2Venue().parser({ evm: euler }, { log })(getLogsFrame('ethereum', [...prices, l('0x5555555555555555555555555555555555555555')]), RECV);
    expect(refused.ok && refused.rejected?.[0]?.reason).toMatch(/shares cannot be valued/);
  });

  it("Fluid: the vault's supply and borrow tokens from the metadata", () => {
    const m = fluidVenue().evm.metadata();
    m.chains.ethereum!.contracts = { '0x6666666666666666666666666666666666666666': { supplyToken: WETH, borrowToken: USDC } };
    const l = encodeLog(ABI.FLUID_LOG_LIQUIDATE, { liquidator_: LIQ, colAmt_: 3n * 10n ** 18n, debtAmt_: 11_000_000_000n, to_: LIQ }, at('0x6666666666666666666666666666666666666666', 2, 0));
    const [e] = liqs(fluidVenue().parser({ evm: m }, { log })(getLogsFrame('ethereum', [...prices, l]), RECV));
    expect(e).toMatchObject({ symbol: 'WETH/USDC', base: 'ETH', qty: 3, notionalUsd: 12_000, onchain: { debtUsd: 11_000 } });
  });
});
