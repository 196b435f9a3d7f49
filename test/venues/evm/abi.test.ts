import { decodeEventLog, toEventSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import * as ABI from '../../../src/venues/evm/abi.js';

/**
 * Each pinned topic0 is keccak256 of the deployed event's signature, and equals the value third parties query the
 * chains with (a topic0 that matched no deployed log would make a venue silently see nothing). Sources of the
 * known values: docs/venues/<protocol>.md.
 */
const PINNED: [keyof typeof ABI.TOPIC0, ABI.EventAbi, string, string][] = [
  ['LiquidationCall', ABI.AAVE_LIQUIDATION_CALL, 'LiquidationCall(address,address,address,uint256,uint256,address,bool)', '0xe413a321e8681d831f4dbccbca790d2952b56f977908e45be37335533e005286'],
  ['MorphoLiquidate', ABI.MORPHO_LIQUIDATE, 'Liquidate(bytes32,address,address,uint256,uint256,uint256,uint256,uint256)', '0xa4946ede45d0c6f06a0f5ce92c9ad3b4751452d2fe0e25010783bcab57a67e41'],
  ['AbsorbCollateral', ABI.COMET_ABSORB_COLLATERAL, 'AbsorbCollateral(address,address,address,uint256,uint256)', '0x9850ab1af75177e4a9201c65a2cf7976d5d28e40ef63494b44366f86b2f9412e'],
  ['AbsorbDebt', ABI.COMET_ABSORB_DEBT, 'AbsorbDebt(address,address,uint256,uint256)', '0x1547a878dc89ad3c367b6338b4be6a65a5dd74fb77ae044da1e8747ef1f4f62f'],
  ['Bark', ABI.MAKER_BARK, 'Bark(bytes32,address,uint256,uint256,uint256,address,uint256)', '0x85258d09e1e4ef299ff3fc11e74af99563f022d21f3f940db982229dc2a3358c'],
  ['EulerLiquidate', ABI.EULER_LIQUIDATE, 'Liquidate(address,address,address,uint256,uint256)', '0x8246cc71ab01533b5bebc672a636df812f10637ad720797319d5741d5ebb3962'],
  ['LogLiquidate', ABI.FLUID_LOG_LIQUIDATE, 'LogLiquidate(address,uint256,uint256,address)', '0x80fd9cc6b1821f4a510e45ffce6852ea3404807b5d3d833ffa85664408afcb66'],
  ['AnswerUpdated', ABI.CHAINLINK_ANSWER_UPDATED, 'AnswerUpdated(int256,uint256,uint256)', '0x0559884fd3a460db3073b7fc896cc77986f16e378210ded43186175bf646fc5f'],
];

const word = (n: bigint | number): string => BigInt(n).toString(16).padStart(64, '0');
const addrWord = (a: string): string => a.slice(2).toLowerCase().padStart(64, '0');
const topic = (w: string): `0x${string}` => `0x${w}`;
const data = (...words: string[]): `0x${string}` => `0x${words.join('')}`;

const WBTC = '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599';
const USDC = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
const USER = '0x1111111111111111111111111111111111111111';
const LIQUIDATOR = '0x2222222222222222222222222222222222222222';

describe('pinned event ABIs', () => {
  it.each(PINNED)('%s: topic0 is keccak256 of the deployed signature and the known on-chain value', (key, abi, signature, known) => {
    expect(`${abi.name}(${abi.inputs.map((i) => i.type).join(',')})`).toBe(signature);
    expect(toEventSelector(signature)).toBe(known);
    expect(toEventSelector(abi)).toBe(known);
    expect(ABI.TOPIC0[key]).toBe(known);
  });

  it("Morpho Blue's deployed Liquidate has eight fields, with the bad debt; a seven-field variant hashes to another topic0", () => {
    expect(ABI.MORPHO_LIQUIDATE.inputs.map((i) => i.name)).toEqual(['id', 'caller', 'borrower', 'repaidAssets', 'repaidShares', 'seizedAssets', 'badDebtAssets', 'badDebtShares']);
    expect(toEventSelector('Liquidate(bytes32,address,address,uint256,uint256,uint256,uint256)')).not.toBe(ABI.TOPIC0.MorphoLiquidate);
  });
});

describe('pinned creation events (discovery)', () => {
  // Signatures from the deployed sources: euler-vault-kit GenericFactory.sol, fluid-contracts-public
  // deployments/mainnet/VaultFactory.json (its ABI), morpho-blue EventsLib.sol + IMorpho.sol's MarketParams.
  it.each([
    ['ProxyCreated', ABI.EULER_PROXY_CREATED, 'ProxyCreated(address,bool,address,bytes)'],
    ['VaultDeployed', ABI.FLUID_VAULT_DEPLOYED, 'VaultDeployed(address,uint256)'],
    ['CreateMarket', ABI.MORPHO_CREATE_MARKET, 'CreateMarket(bytes32,(address,address,address,address,uint256))'],
  ] as const)('%s: topic0 is keccak256 of the deployed signature', (key, abi, signature) => {
    expect(toEventSelector(signature)).toBe(ABI.TOPIC0[key]);
    expect(toEventSelector(abi as never)).toBe(ABI.TOPIC0[key]);
  });

  it("Morpho's CreateMarket topic0 is the value indexers query the deployed contract with", () => {
    expect(ABI.TOPIC0.CreateMarket).toBe('0xac4b2400f169220b0c0afdde7a0b32e775ba727ea1cb30b35f935cdaab8683ac');
  });
});

/** One log per event as a node returns it (topics and data written word by word here, not by the code under test). */
describe('decoding one real-shaped log per event gives exact amounts', () => {
  const decode = (abi: ABI.EventAbi, topics: `0x${string}`[], d: `0x${string}`) =>
    decodeEventLog({ abi: [abi], topics: topics as [`0x${string}`], data: d, strict: true }).args as unknown as Record<string, unknown>;

  it('Aave LiquidationCall', () => {
    const args = decode(
      ABI.AAVE_LIQUIDATION_CALL,
      [ABI.TOPIC0.LiquidationCall, topic(addrWord(WBTC)), topic(addrWord(USDC)), topic(addrWord(USER))],
      data(word(140_000_123_456n), word(123_456_789n), addrWord(LIQUIDATOR), word(0)),
    );
    expect(args).toEqual({ collateralAsset: expect.stringMatching(/^0x2260fac5/i), debtAsset: expect.stringMatching(/^0xa0b86991/i), user: expect.any(String), debtToCover: 140_000_123_456n, liquidatedCollateralAmount: 123_456_789n, liquidator: expect.any(String), receiveAToken: false });
  });

  it('Morpho Liquidate (8 fields)', () => {
    const id = `0x${'3a85e619751152991742810df6ec69ce473daef99e28a64ab2340d7b7ccfee49'}` as const;
    const args = decode(ABI.MORPHO_LIQUIDATE, [ABI.TOPIC0.MorphoLiquidate, id, topic(addrWord(LIQUIDATOR)), topic(addrWord(USER))], data(word(5_000_000_000n), word(4_800_000_000_000_000n), word(4_500_000n), word(7n), word(6n)));
    expect(args).toMatchObject({ id, repaidAssets: 5_000_000_000n, repaidShares: 4_800_000_000_000_000n, seizedAssets: 4_500_000n, badDebtAssets: 7n, badDebtShares: 6n });
  });

  it('Comet AbsorbCollateral and AbsorbDebt', () => {
    expect(decode(ABI.COMET_ABSORB_COLLATERAL, [ABI.TOPIC0.AbsorbCollateral, topic(addrWord(LIQUIDATOR)), topic(addrWord(USER)), topic(addrWord(WBTC))], data(word(250_000_000n), word(29_250_000_000_000n)))).toMatchObject({
      collateralAbsorbed: 250_000_000n,
      usdValue: 29_250_000_000_000n,
    });
    expect(decode(ABI.COMET_ABSORB_DEBT, [ABI.TOPIC0.AbsorbDebt, topic(addrWord(LIQUIDATOR)), topic(addrWord(USER))], data(word(250_000_000_000n), word(25_000_000_000_000n)))).toMatchObject({
      basePaidOut: 250_000_000_000n,
      usdValue: 25_000_000_000_000n,
    });
  });

  it('Maker Bark (ink wad, due rad)', () => {
    const ilk = `0x${Buffer.from('WBTC-A').toString('hex').padEnd(64, '0')}` as const;
    const args = decode(ABI.MAKER_BARK, [ABI.TOPIC0.Bark, ilk, topic(addrWord(USER)), topic(word(4242))], data(word(2n * 10n ** 18n), word(150_000n * 10n ** 18n), word(160_000n * 10n ** 45n), addrWord(LIQUIDATOR)));
    expect(args).toMatchObject({ ilk, ink: 2n * 10n ** 18n, art: 150_000n * 10n ** 18n, due: 160_000n * 10n ** 45n, id: 4242n });
  });

  it('Euler Liquidate', () => {
    const args = decode(ABI.EULER_LIQUIDATE, [ABI.TOPIC0.EulerLiquidate, topic(addrWord(LIQUIDATOR)), topic(addrWord(USER))], data(addrWord(WBTC), word(1_000_000n), word(999_999_999n)));
    expect(args).toMatchObject({ repayAssets: 1_000_000n, yieldBalance: 999_999_999n });
  });

  it('Fluid LogLiquidate (nothing indexed)', () => {
    const args = decode(ABI.FLUID_LOG_LIQUIDATE, [ABI.TOPIC0.LogLiquidate], data(addrWord(LIQUIDATOR), word(3n * 10n ** 18n), word(9_000_000_000n), addrWord(LIQUIDATOR)));
    expect(args).toMatchObject({ colAmt_: 3n * 10n ** 18n, debtAmt_: 9_000_000_000n });
  });

  it('Chainlink AnswerUpdated (answer and round in topics)', () => {
    const args = decode(ABI.CHAINLINK_ANSWER_UPDATED, [ABI.TOPIC0.AnswerUpdated, topic(word(11_700_012_345_678n)), topic(word(110_680_464_442_257_320_000n))], data(word(1_760_130_000)));
    expect(args).toEqual({ current: 11_700_012_345_678n, roundId: 110_680_464_442_257_320_000n, updatedAt: 1_760_130_000n });
  });
});
