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

  it('Compound v3: the absorb\'s AbsorbDebt is split over its AbsorbCollateral entries by their USD, summing exactly to basePaidOut; inferred only when split', () => {
    const parse = compoundV3Venue().parser({}, { log });
    const comet = '0xc3d688b66703497daa19211eedff47f25384cdc3';
    const tx = (logIndex: number, block = 2) => ({ ...at(comet, block, logIndex), txHash: fakeHash(`absorb ${block}`) });
    const weth = encodeLog(ABI.COMET_ABSORB_COLLATERAL, { absorber: LIQ, borrower: USER, asset: WETH, collateralAbsorbed: 25n * 10n ** 17n, usdValue: 10_000n * 10n ** 8n }, tx(0));
    const wbtc = encodeLog(ABI.COMET_ABSORB_COLLATERAL, { absorber: LIQ, borrower: USER, asset: WBTC, collateralAbsorbed: 10_000_000n, usdValue: 6_000n * 10n ** 8n }, tx(1));
    const debt = encodeLog(ABI.COMET_ABSORB_DEBT, { absorber: LIQ, borrower: USER, basePaidOut: 9_000_000_001n, usdValue: 1n }, tx(2));
    // Held until the AbsorbDebt: nothing from the collateral logs alone.
    expect(liqs(parse(getLogsFrame('ethereum', [...prices, weth, wbtc]), RECV))).toEqual([]);
    const r = parse(getLogsFrame('ethereum', [debt]), RECV);
    expect(r.ok && r.rejected).toBeUndefined();
    const events = liqs(r);
    expect(events.map((e) => [e.symbol, e.qty, e.notionalUsd, e.onchain!.debtAmount, e.onchain!.inferred, e.source])).toEqual([
      ['WETH/USDC', 2.5, 10_000, 5_625.000001, ['debt'], 'compound-v3:AbsorbCollateral'],
      ['WBTC/USDC', 0.1, events[1]!.notionalUsd, 3_375, ['debt'], 'compound-v3:AbsorbCollateral'],
    ]);
    expect(events.reduce((a, e) => a + BigInt(Math.round(e.onchain!.debtAmount * 1e6)), 0n)).toBe(9_000_000_001n);
    // The same logs again (a backfill): nothing new.
    expect(liqs(parse(getLogsFrame('ethereum', [weth, wbtc, debt]), RECV))).toEqual([]);
    // One collateral: all the debt is its own, exact (not labelled).
    const one = encodeLog(ABI.COMET_ABSORB_COLLATERAL, { absorber: LIQ, borrower: USER, asset: WETH, collateralAbsorbed: 10n ** 18n, usdValue: 4_000n * 10n ** 8n }, tx(0, 3));
    const oneDebt = encodeLog(ABI.COMET_ABSORB_DEBT, { absorber: LIQ, borrower: USER, basePaidOut: 3_500_000_000n, usdValue: 1n }, tx(1, 3));
    const [single] = liqs(parse(getLogsFrame('ethereum', [one, oneDebt]), RECV));
    expect(single!.onchain).toMatchObject({ debtAmount: 3_500, debtUsd: 3_500 });
    expect(single!.onchain!.inferred).toBeUndefined();
    // A collateral whose AbsorbDebt never comes is emitted once the chain is past it, debt 0 (not attributed).
    const orphan = encodeLog(ABI.COMET_ABSORB_COLLATERAL, { absorber: LIQ, borrower: USER, asset: WETH, collateralAbsorbed: 10n ** 18n, usdValue: 4_000n * 10n ** 8n }, tx(0, 4));
    expect(liqs(parse(getLogsFrame('ethereum', [orphan]), RECV))).toEqual([]);
    const late = liqs(parse(headFrame('ethereum', head(4 + 12, bh(4 + 12), bh(4 + 11), T0)), RECV));
    expect(late.map((e) => [e.qty, e.onchain!.debtAmount, e.onchain!.inferred])).toEqual([[1, 0, undefined]]);
  });

  it('Morpho Blue: a market the plan does not list is learned from its CreateMarket log and valued; before it, refused', () => {
    const parse = morphoBlueVenue().parser({}, { log });
    const MORPHO = '0xbbbbbbbbbb9cc5e90e3b3af64bdaf62c37eeffcb';
    const id = fakeHash('an unlisted WETH/DAI market');
    const liq = (logIndex: number) =>
      encodeLog(ABI.MORPHO_LIQUIDATE, { id, caller: LIQ, borrower: USER, repaidAssets: 3_000n * 10n ** 18n, repaidShares: 1n, seizedAssets: 10n ** 18n, badDebtAssets: 0n, badDebtShares: 0n }, at(MORPHO, 2, logIndex));
    const before = parse(getLogsFrame('ethereum', [...prices, liq(0)]), RECV);
    expect(before.ok && before.rejected?.map((x) => x.reason)).toEqual([expect.stringContaining('is not in the metadata')]);
    const create = encodeLog(ABI.MORPHO_CREATE_MARKET as never, { id, marketParams: { loanToken: DAI, collateralToken: WETH, oracle: LIQ, irm: LIQ, lltv: 86n * 10n ** 16n } }, at(MORPHO, 2, 1));
    const [e] = liqs(parse(getLogsFrame('ethereum', [create, liq(2)]), RECV));
    expect(e).toMatchObject({ symbol: 'WETH/DAI', qty: 1, notionalUsd: 4_000, onchain: { debtAmount: 3_000, debtUsd: 3_000 } });
    // A hostile CreateMarket (data that does not decode) is refused on its own.
    const bad = { ...create, data: `${create.data.slice(0, -2)}` };
    const r = parse(getLogsFrame('ethereum', [bad]), RECV);
    expect(r.ok && r.rejected?.length).toBe(1);
  });

  it('Euler v2 and Fluid: a factory creation log adds the vault; the recorded eth_call answer (frame `call`) completes it; its liquidation is valued', () => {
    const EULER_FACTORY = '0x29a56a1b8214d9cf7c5561811750d5cbdb45cc8e';
    const FLUID_FACTORY = '0x324c5dc1fc42c7a4d43d92df1eba58a54d13bf2d';
    const vaultA = '0x000000000000000000000000000000000000a001'; // WETH collateral vault
    const vaultB = '0x000000000000000000000000000000000000b002'; // USDC liability vault
    const euler = eulerV2Venue().parser({}, { log });
    const created = (vault: string, asset: string, i: number) =>
      encodeLog(ABI.EULER_PROXY_CREATED as never, { proxy: vault, upgradeable: true, implementation: LIQ, trailingData: `0x${asset.slice(2)}${LIQ.slice(2)}${USER.slice(2)}` }, at(EULER_FACTORY, 2, i));
    const rate = (vault: string, assets: bigint) =>
      JSON.stringify({ chain: 'ethereum', rpc: { jsonrpc: '2.0', id: 7, result: `0x${assets.toString(16).padStart(64, '0')}` }, call: { to: vault, data: `0x07a2d13a${(10n ** 18n).toString(16).padStart(64, '0')}` } });
    expect(euler(getLogsFrame('ethereum', [...prices, created(vaultA, WETH, 0), created(vaultB, USDC, 1)]), RECV)).toMatchObject({ ok: true });
    expect(euler(rate(vaultA, 2n * 10n ** 18n), RECV)).toMatchObject({ ok: true });
    const liq = encodeLog(ABI.EULER_LIQUIDATE, { liquidator: LIQ, violator: USER, collateral: vaultA, repayAssets: 7_000_000_000n, yieldBalance: 10n ** 18n }, at(vaultB, 3, 0));
    const [e] = liqs(euler(getLogsFrame('ethereum', [liq]), RECV));
    expect(e).toMatchObject({ symbol: 'WETH/USDC', qty: 2, notionalUsd: 8_000, onchain: { debtAmount: 7_000, inferred: ['collateral'] } });
    // A rate for a contract that is no known vault, or an answer of the wrong size: refused, counted.
    const stray = euler(rate('0x000000000000000000000000000000000000dead', 1n), RECV);
    expect(stray.ok && stray.rejected?.length).toBe(1);

    const fluid = fluidVenue().parser({}, { log });
    const vault = '0x000000000000000000000000000000000000f003';
    const deployed = encodeLog(ABI.FLUID_VAULT_DEPLOYED, { vault, vaultId: 7n }, at(FLUID_FACTORY, 2, 0));
    const w = (a: string) => a.slice(2).padStart(64, '0');
    const constants = (factory: string) => `0x${[w(LIQ), w(factory), w(LIQ), w(LIQ), w(WETH), w(USDC), w('0x12'), w('0x6'), w('0x7'), w('0x0'), w('0x0'), w('0x0'), w('0x0')].join('')}`;
    const answer = (factory: string) => JSON.stringify({ chain: 'ethereum', rpc: { jsonrpc: '2.0', id: 9, result: constants(factory) }, call: { to: vault, data: '0xb7791bf2' } });
    const fluidLiq = encodeLog(ABI.FLUID_LOG_LIQUIDATE, { liquidator_: LIQ, colAmt_: 5n * 10n ** 17n, debtAmt_: 1_900_000_000n, to_: LIQ }, at(vault, 3, 0));
    fluid(getLogsFrame('ethereum', [...prices, deployed]), RECV);
    // Before its constantsView answer the vault has no tokens: refused.
    expect(liqs(fluid(getLogsFrame('ethereum', [fluidLiq]), RECV))).toEqual([]);
    // An answer naming another factory is refused (a hostile node cannot make up a vault's tokens from anywhere).
    const forged = fluid(answer(LIQ), RECV);
    expect(forged.ok && forged.rejected?.[0]?.reason).toContain('no known Fluid factory');
    fluid(answer(FLUID_FACTORY), RECV);
    const [f] = liqs(fluid(getLogsFrame('ethereum', [{ ...fluidLiq, logIndex: '0x1' }]), RECV));
    expect(f).toMatchObject({ symbol: 'WETH/USDC', qty: 0.5, notionalUsd: 2_000, onchain: { debtAmount: 1_900 } });
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
