import { tokenAddress } from '../evm/chains.js';

/** MCD Dog on Ethereum (Maker's changelog, chainlog.makerdao.com `MCD_DOG`; docs/venues/maker.md). */
export const MAKER_DOG = '0x135954d155898d42c90d2a57824c690e0c7bef1b';

/** An ilk's bytes32 id: its name in ASCII, right-padded with zeros. */
export const ilkId = (name: string): string => `0x${Buffer.from(name, 'ascii').toString('hex').padEnd(64, '0')}`;

/** The ilks it values: name -> collateral token symbol. */
export const MAKER_ILKS: Record<string, string> = { 'ETH-A': 'WETH', 'ETH-B': 'WETH', 'ETH-C': 'WETH', 'WBTC-A': 'WBTC', 'WBTC-B': 'WBTC', 'WBTC-C': 'WBTC' };

export const makerIlks = (): Record<string, { token: string; name: string }> =>
  Object.fromEntries(Object.entries(MAKER_ILKS).map(([name, sym]) => [ilkId(name), { token: tokenAddress('ethereum', sym), name }]));
