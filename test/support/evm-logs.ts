import * as ABI from '../../src/venues/evm/abi.js';
import { tokenAddress } from '../../src/venues/evm/chains.js';
import { encodeLog, fakeHash } from '../../src/venues/evm/encode.js';
import type { RpcLog } from '../../src/venues/evm/schema.js';
import { ilkId } from '../../src/venues/maker/plan.js';
import { VENUE_MODULES } from '../../src/venues/registry.js';
import type { VenueMetadata } from '../../src/venues/venue.js';

/**
 * Real-shaped logs of each on-chain venue on Ethereum (ABI-encoded by viem): the Chainlink answers that price them
 * (block 1) and one liquidation at (block, logIndex) with the given raw amounts. Euler and Fluid list no vault
 * without discovery: their samples come with the metadata of one vault.
 */
export interface EvmSample {
  metadata?: VenueMetadata;
  prices: RpcLog[];
  liquidation(block: number, logIndex: number, collateral: bigint, debt: bigint): RpcLog;
  /** The log that completes a liquidation log, where the protocol needs one (Comet's AbsorbDebt after its AbsorbCollateral). */
  closing?(liquidation: RpcLog): RpcLog | undefined;
}

const USER = '0x1111111111111111111111111111111111111111';
const LIQ = '0x2222222222222222222222222222222222222222';
const [WBTC, USDC, WETH] = [tokenAddress('ethereum', 'WBTC'), tokenAddress('ethereum', 'USDC'), tokenAddress('ethereum', 'WETH')];
const place = (address: string, block: number, logIndex: number) => ({ address, block, blockHash: fakeHash(`block ${block}`), logIndex, txHash: fakeHash(`tx ${block} ${logIndex}`) });
const price = (feed: string, logIndex: number, answer: bigint) => encodeLog(ABI.CHAINLINK_ANSWER_UPDATED, { current: answer, roundId: 1n, updatedAt: 1_760_130_000n }, place(feed, 1, logIndex));
const PRICES = () => [
  price('0xf4030086522a5beea4988f8ca5b36dbc97bee88c', 0, 11_700_000_000_000n),
  price('0x8fffffd4afb6115b954bd326cbe7b4ba576818f6', 1, 100_000_000n),
  price('0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419', 2, 430_000_000_000n),
  price('0xaed0c38402a5d19df6e4c03f4e2dced6e29c1ee9', 3, 100_000_000n),
];
const EULER_LIABILITY = '0x3333333333333333333333333333333333333333';
const EULER_COLLATERAL = '0x4444444444444444444444444444444444444444';
const FLUID_VAULT = '0x6666666666666666666666666666666666666666';

function withContracts(venue: string, contracts: Record<string, object>): VenueMetadata {
  const evm = (VENUE_MODULES[venue] as unknown as { evm: { metadata(): NonNullable<VenueMetadata['evm']> } }).evm.metadata();
  evm.chains.ethereum!.contracts = contracts;
  return { evm };
}

export function evmSample(venue: string): EvmSample {
  const aave = (pool: string): EvmSample => ({
    prices: PRICES(),
    liquidation: (b, i, c, d) => encodeLog(ABI.AAVE_LIQUIDATION_CALL, { collateralAsset: WBTC, debtAsset: USDC, user: USER, debtToCover: d, liquidatedCollateralAmount: c, liquidator: LIQ, receiveAToken: false }, place(pool, b, i)),
  });
  switch (venue) {
    case 'aave-v3':
      return aave('0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2');
    case 'spark':
      return aave('0xc13e21b648a5ee794902342038ff3adab66be987');
    case 'morpho-blue':
      return {
        prices: PRICES(),
        liquidation: (b, i, c, d) =>
          encodeLog(
            ABI.MORPHO_LIQUIDATE,
            { id: '0x3a85e619751152991742810df6ec69ce473daef99e28a64ab2340d7b7ccfee49', caller: LIQ, borrower: USER, repaidAssets: d, repaidShares: d * 10n ** 6n, seizedAssets: c, badDebtAssets: 0n, badDebtShares: 0n },
            place('0xbbbbbbbbbb9cc5e90e3b3af64bdaf62c37eeffcb', b, i),
          ),
      };
    case 'compound-v3': {
      const comet = '0xc3d688b66703497daa19211eedff47f25384cdc3';
      return {
        prices: PRICES(),
        liquidation: (b, i, c) => encodeLog(ABI.COMET_ABSORB_COLLATERAL, { absorber: LIQ, borrower: USER, asset: WBTC, collateralAbsorbed: c, usdValue: c }, place(comet, b, i)),
        // The absorb's AbsorbDebt, in the same transaction (logIndex + 500: after every sample entry of the block).
        closing: (l) =>
          l.address === comet
            ? encodeLog(ABI.COMET_ABSORB_DEBT, { absorber: LIQ, borrower: USER, basePaidOut: 170_000_000_000n, usdValue: 1n }, { address: comet, block: Number(l.blockNumber), blockHash: l.blockHash, logIndex: Number(l.logIndex) + 500, txHash: l.transactionHash })
            : undefined,
      };
    }
    case 'maker':
      return {
        prices: PRICES(),
        liquidation: (b, i, c, d) =>
          encodeLog(ABI.MAKER_BARK, { ilk: ilkId('ETH-A'), urn: USER, ink: c * 10n ** 10n, art: d, due: d * 10n ** 39n, clip: LIQ, id: BigInt(i) }, place('0x135954d155898d42c90d2a57824c690e0c7bef1b', b, i)),
      };
    case 'euler-v2':
      return {
        metadata: withContracts('euler-v2', { [EULER_LIABILITY]: { base: USDC }, [EULER_COLLATERAL]: { base: WBTC, assetsPerShare: ['101', '100'] } }),
        prices: PRICES(),
        liquidation: (b, i, c, d) => encodeLog(ABI.EULER_LIQUIDATE, { liquidator: LIQ, violator: USER, collateral: EULER_COLLATERAL, repayAssets: d, yieldBalance: c }, place(EULER_LIABILITY, b, i)),
      };
    case 'fluid':
      return {
        metadata: withContracts('fluid', { [FLUID_VAULT]: { supplyToken: WETH, borrowToken: USDC } }),
        prices: PRICES(),
        liquidation: (b, i, c, d) => encodeLog(ABI.FLUID_LOG_LIQUIDATE, { liquidator_: LIQ, colAmt_: c * 10n ** 10n, debtAmt_: d, to_: LIQ }, place(FLUID_VAULT, b, i)),
      };
    default:
      throw new Error(`no EVM sample for ${venue}`);
  }
}

export const EVM_VENUES = ['aave-v3', 'spark', 'morpho-blue', 'compound-v3', 'maker', 'euler-v2', 'fluid'] as const;
