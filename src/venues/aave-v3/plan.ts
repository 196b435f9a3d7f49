/**
 * Aave V3 Core Pool (proxy) per chain: the contract that emits LiquidationCall. Sources: Aave's address book
 * (bgd-labs/aave-address-book, AaveV3Ethereum / AaveV3Arbitrum / AaveV3Base `POOL`); see docs/venues/aave-v3.md.
 */
export const AAVE_V3_POOLS: Record<string, string> = {
  ethereum: '0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2',
  arbitrum: '0x794a61358d6845594f94dc1db02a252b5b4814ad',
  base: '0xa238dd80c259a72e81d7e4664a9801593f98d1c5',
};
