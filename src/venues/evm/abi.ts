/**
 * The event ABIs of the lending protocols as their DEPLOYED contracts emit them (verified sources on the block
 * explorers; see docs/venues/<protocol>.md for each source), with the topic0 each signature hashes to. Data only:
 * no viem here, so importing a venue module does not load viem (src/venues/evm/viem.ts loads it on first parse).
 * test/venues/evm-abi.test.ts checks each topic0 against keccak256 of the signature and against the value
 * third-party indexers query the chains with.
 */

const ev = <const N extends string, const I extends readonly { name: string; type: string; indexed: boolean }[]>(name: N, inputs: I) =>
  ({ type: 'event', name, inputs, anonymous: false }) as const;
const ix = <const N extends string, const T extends string>(name: N, type: T) => ({ name, type, indexed: true }) as const;
const dt = <const N extends string, const T extends string>(name: N, type: T) => ({ name, type, indexed: false }) as const;

/** Aave V3 Pool (and its fork Spark's Pool): one liquidation of one collateral against one debt asset. */
export const AAVE_LIQUIDATION_CALL = ev('LiquidationCall', [
  ix('collateralAsset', 'address'),
  ix('debtAsset', 'address'),
  ix('user', 'address'),
  dt('debtToCover', 'uint256'),
  dt('liquidatedCollateralAmount', 'uint256'),
  dt('liquidator', 'address'),
  dt('receiveAToken', 'bool'),
]);

/**
 * Morpho Blue as deployed (Ethereum/Base 0xBBBB…FFCb, v1.0 bytecode): EIGHT fields, with the bad debt realised. The
 * repository's later EventsLib has a different field list; its topic0 would never match a deployed log.
 */
export const MORPHO_LIQUIDATE = ev('Liquidate', [
  ix('id', 'bytes32'),
  ix('caller', 'address'),
  ix('borrower', 'address'),
  dt('repaidAssets', 'uint256'),
  dt('repaidShares', 'uint256'),
  dt('seizedAssets', 'uint256'),
  dt('badDebtAssets', 'uint256'),
  dt('badDebtShares', 'uint256'),
]);

/** Compound v3 Comet: one per collateral asset of an absorbed account (usdValue in Comet's 8-decimal price scale). */
export const COMET_ABSORB_COLLATERAL = ev('AbsorbCollateral', [
  ix('absorber', 'address'),
  ix('borrower', 'address'),
  ix('asset', 'address'),
  dt('collateralAbsorbed', 'uint256'),
  dt('usdValue', 'uint256'),
]);

/** Compound v3 Comet: once per absorbed account, after its AbsorbCollateral logs: the base-token debt wiped. */
export const COMET_ABSORB_DEBT = ev('AbsorbDebt', [ix('absorber', 'address'), ix('borrower', 'address'), dt('basePaidOut', 'uint256'), dt('usdValue', 'uint256')]);

/** Maker/Sky Dog: a vault's collateral moved to a Clipper auction (ink wad, art wad, due rad). */
export const MAKER_BARK = ev('Bark', [
  ix('ilk', 'bytes32'),
  ix('urn', 'address'),
  dt('ink', 'uint256'),
  dt('art', 'uint256'),
  dt('due', 'uint256'),
  dt('clip', 'address'),
  ix('id', 'uint256'),
]);

/** Euler v2 EVault (emitted by the liability vault): repayAssets in its asset, yieldBalance in collateral-vault SHARES. */
export const EULER_LIQUIDATE = ev('Liquidate', [
  ix('liquidator', 'address'),
  ix('violator', 'address'),
  dt('collateral', 'address'),
  dt('repayAssets', 'uint256'),
  dt('yieldBalance', 'uint256'),
]);

/** Fluid vault (VaultT1…T4 core module): amounts in token units of the vault's supply and borrow tokens; nothing indexed. */
export const FLUID_LOG_LIQUIDATE = ev('LogLiquidate', [dt('liquidator_', 'address'), dt('colAmt_', 'uint256'), dt('debtAmt_', 'uint256'), dt('to_', 'address')]);

/**
 * Euler's GenericFactory (the EVault factory): one per proxy it creates. `trailingData` is the proxy's metadata,
 * for an EVault 60 bytes: asset, oracle, unit of account (euler-vault-kit src/GenericFactory/GenericFactory.sol,
 * src/EVault/shared/lib/ProxyUtils.sol).
 */
export const EULER_PROXY_CREATED = ev('ProxyCreated', [ix('proxy', 'address'), dt('upgradeable', 'bool'), dt('implementation', 'address'), dt('trailingData', 'bytes')]);

/** Fluid's VaultFactory: one per vault deployed (fluid-contracts-public deployments/<chain>/VaultFactory.json ABI). */
export const FLUID_VAULT_DEPLOYED = ev('VaultDeployed', [ix('vault', 'address'), ix('vaultId', 'uint256')]);

/** Morpho Blue: one per market created, with its parameters (loanToken, collateralToken, oracle, irm, lltv). */
export const MORPHO_CREATE_MARKET = {
  type: 'event',
  name: 'CreateMarket',
  anonymous: false,
  inputs: [
    { name: 'id', type: 'bytes32', indexed: true },
    {
      name: 'marketParams',
      type: 'tuple',
      indexed: false,
      components: [
        { name: 'loanToken', type: 'address' },
        { name: 'collateralToken', type: 'address' },
        { name: 'oracle', type: 'address' },
        { name: 'irm', type: 'address' },
        { name: 'lltv', type: 'uint256' },
      ],
    },
  ],
} as const;

/** Chainlink OCR/flux aggregator (the contract behind a feed proxy): every new answer, in the feed's decimals. */
export const CHAINLINK_ANSWER_UPDATED = ev('AnswerUpdated', [ix('current', 'int256'), ix('roundId', 'uint256'), dt('updatedAt', 'uint256')]);

export type EventAbi =
  | typeof AAVE_LIQUIDATION_CALL
  | typeof MORPHO_LIQUIDATE
  | typeof COMET_ABSORB_COLLATERAL
  | typeof COMET_ABSORB_DEBT
  | typeof MAKER_BARK
  | typeof EULER_LIQUIDATE
  | typeof FLUID_LOG_LIQUIDATE
  | typeof CHAINLINK_ANSWER_UPDATED
  | typeof EULER_PROXY_CREATED
  | typeof FLUID_VAULT_DEPLOYED
  | typeof MORPHO_CREATE_MARKET;

/**
 * topic0 of each event as pinned (keccak256 of the canonical signature). Pinned as text so that a subscription
 * filter needs no hashing (and no viem) and a changed ABI above fails the test instead of silently matching nothing.
 */
export const TOPIC0 = {
  LiquidationCall: '0xe413a321e8681d831f4dbccbca790d2952b56f977908e45be37335533e005286',
  MorphoLiquidate: '0xa4946ede45d0c6f06a0f5ce92c9ad3b4751452d2fe0e25010783bcab57a67e41',
  AbsorbCollateral: '0x9850ab1af75177e4a9201c65a2cf7976d5d28e40ef63494b44366f86b2f9412e',
  AbsorbDebt: '0x1547a878dc89ad3c367b6338b4be6a65a5dd74fb77ae044da1e8747ef1f4f62f',
  Bark: '0x85258d09e1e4ef299ff3fc11e74af99563f022d21f3f940db982229dc2a3358c',
  EulerLiquidate: '0x8246cc71ab01533b5bebc672a636df812f10637ad720797319d5741d5ebb3962',
  LogLiquidate: '0x80fd9cc6b1821f4a510e45ffce6852ea3404807b5d3d833ffa85664408afcb66',
  AnswerUpdated: '0x0559884fd3a460db3073b7fc896cc77986f16e378210ded43186175bf646fc5f',
  ProxyCreated: '0x04e664079117e113faa9684bc14aecb41651cbf098b14eda271248c6d0cda57c',
  VaultDeployed: '0x00fa89a51ae01c150bfde909191818194382d30b43b645428ed6a71f19551073',
  CreateMarket: '0xac4b2400f169220b0c0afdde7a0b32e775ba727ea1cb30b35f935cdaab8683ac',
} as const;

/** Selectors of the view functions discovery calls (keccak256 of the signature, first 4 bytes). */
export const SELECTOR = {
  /** ERC-4626 convertToAssets(uint256): an EVault's assets for a number of its shares. */
  convertToAssets: '0x07a2d13a',
  /** Fluid vault constantsView(): its tokens among its constants. */
  constantsView: '0xb7791bf2',
} as const;
