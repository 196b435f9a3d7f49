import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiquidationEvent, NormalizedEvent } from '../../../src/schema/events.js';
import { compoundV3Venue } from '../../../src/venues/compound-v3/index.js';
import * as ABI from '../../../src/venues/evm/abi.js';
import { tokenAddress } from '../../../src/venues/evm/chains.js';
import { encodeLog, fakeHash, getLogsFrame, head, headFrame, logFrame } from '../../../src/venues/evm/encode.js';
import { splitDebt } from '../../../src/venues/evm/parser.js';
import type { ParseResult } from '../../../src/venues/venue.js';
import { silentLogger } from '../../../src/log.js';

const log = silentLogger();
const RECV = 1_760_130_900_000;
const T0 = 1_760_130_000;
const WBTC = tokenAddress('ethereum', 'WBTC');
const WETH = tokenAddress('ethereum', 'WETH');
const BTC_FEED = '0xf4030086522a5beea4988f8ca5b36dbc97bee88c';
const USDC_FEED = '0x8fffffd4afb6115b954bd326cbe7b4ba576818f6';
const ETH_FEED = '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419';
const COMET = '0xc3d688b66703497daa19211eedff47f25384cdc3';
const LIQ = '0x2222222222222222222222222222222222222222';
const ALICE = '0x1111111111111111111111111111111111111111';
const BOB = '0x3333333333333333333333333333333333333333';

const bh = (n: number) => fakeHash(`block ${n}`);
const at = (address: string, block: number, logIndex: number, tx = `tx ${block} ${logIndex}`) => ({ address, block, blockHash: bh(block), logIndex, txHash: fakeHash(tx) });
const answer = (feed: string, block: number, logIndex: number, current: bigint) => encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current, roundId: BigInt(block), updatedAt: BigInt(T0) }, at(feed, block, logIndex));
const prices = [answer(BTC_FEED, 1, 0, 10n ** 13n), answer(USDC_FEED, 1, 1, 10n ** 8n), answer(ETH_FEED, 1, 2, 4_000n * 10n ** 8n)];
const liqs = (r: ParseResult): LiquidationEvent[] => (r.ok ? r.events : []).filter((e: NormalizedEvent): e is LiquidationEvent => e.type === 'liquidation');
const collateral = (borrower: string, asset: string, amount: bigint, usdValue: bigint, block: number, logIndex: number, tx: string) =>
  encodeLog(ABI.COMET_ABSORB_COLLATERAL, { absorber: LIQ, borrower, asset, collateralAbsorbed: amount, usdValue }, at(COMET, block, logIndex, tx));
const debt = (borrower: string, basePaidOut: bigint, block: number, logIndex: number, tx: string) =>
  encodeLog(ABI.COMET_ABSORB_DEBT, { absorber: LIQ, borrower, basePaidOut, usdValue: 1n }, at(COMET, block, logIndex, tx));

describe('Comet debt attribution under replays and backfills (review of issue 20)', () => {
  it('a reconnect backfill that re-reads the block (an earlier absorb of the same Comet first) does not cost a held absorb its debt', () => {
    const parse = compoundV3Venue().parser({}, { log });
    parse(getLogsFrame('ethereum', prices), RECV);
    // Block 5: Bob's absorb (tx B, logs 0-1), then Alice's (tx A, logs 2-3); the socket drops after Alice's collateral.
    const bobColl = collateral(BOB, WETH, 10n ** 18n, 4_000n * 10n ** 8n, 5, 0, 'tx B');
    const bobDebt = debt(BOB, 3_000_000_000n, 5, 1, 'tx B');
    const aliceColl = collateral(ALICE, WBTC, 10_000_000n, 10_000n * 10n ** 8n, 5, 2, 'tx A');
    const aliceDebt = debt(ALICE, 9_000_000_000n, 5, 3, 'tx A');
    const live = [bobColl, bobDebt, aliceColl].flatMap((l) => liqs(parse(logFrame('ethereum', l), RECV)));
    expect(live.map((e) => [e.qty, e.onchain!.debtAmount])).toEqual([[1, 3_000]]);
    // The backfill after the reconnect reads block 5 again, whole and in order.
    const backfill = liqs(parse(getLogsFrame('ethereum', [bobColl, bobDebt, aliceColl, aliceDebt]), RECV));
    expect(backfill.map((e) => [e.symbol, e.qty, e.onchain!.debtAmount])).toEqual([['WBTC/USDC', 0.1, 9_000]]);
  });

  it('an AbsorbDebt that comes twice attributes the debt once; one that never comes leaves the debt 0 and loses no collateral', () => {
    const parse = compoundV3Venue().parser({}, { log });
    parse(getLogsFrame('ethereum', prices), RECV);
    const c = collateral(ALICE, WETH, 2n * 10n ** 18n, 8_000n * 10n ** 8n, 5, 0, 'tx A');
    const d = debt(ALICE, 7_000_000_000n, 5, 1, 'tx A');
    const first = liqs(parse(getLogsFrame('ethereum', [c, d, d]), RECV));
    expect(first.map((e) => [e.qty, e.onchain!.debtAmount])).toEqual([[2, 7_000]]);
    expect(liqs(parse(getLogsFrame('ethereum', [d]), RECV))).toEqual([]);
  });

  it('an AbsorbDebt that comes after its absorb was emitted without it (the chain moved past first) is refused with the amount, not dropped', () => {
    const parse = compoundV3Venue().parser({}, { log });
    parse(getLogsFrame('ethereum', prices), RECV);
    const c = collateral(ALICE, WETH, 10n ** 18n, 4_000n * 10n ** 8n, 5, 0, 'tx A');
    expect(liqs(parse(logFrame('ethereum', c), RECV))).toEqual([]);
    // A backfill's headers come before its logs: the held collateral is emitted with debt 0.
    const flushed = liqs(parse(headFrame('ethereum', head(5 + 64, bh(5 + 64), bh(5 + 63), T0)), RECV));
    expect(flushed.map((e) => [e.qty, e.onchain!.debtAmount])).toEqual([[1, 0]]);
    const late = parse(getLogsFrame('ethereum', [c, debt(ALICE, 3_500_000_000n, 5, 1, 'tx A')]), RECV);
    expect(liqs(late)).toEqual([]);
    expect(late.ok && late.rejected?.map((x) => x.reason)).toEqual(["AbsorbDebt came after its absorb's collateral was emitted without it (debt 0): 3500000000 base units not attributed"]);
  });

  it('splitDebt: the parts are never negative and always sum exactly to the debt (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.array(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), { minLength: 1, maxLength: 12 }), (d, weights) => {
        const parts = splitDebt(d, weights);
        expect(parts).toHaveLength(weights.length);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(d);
        for (const p of parts) expect(p >= 0n).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});
