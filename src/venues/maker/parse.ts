import { MAKER_BARK, TOPIC0 } from '../evm/abi.js';
import { tokenAddress } from '../evm/chains.js';
import type { ProtocolEvent } from '../evm/parser.js';
import { BarkArgs } from './schema.js';

/**
 * Dog.bark: a vault's `ink` (a wad: 18 decimals whatever the token's own) moved into a Clipper auction for `due`
 * DAI of debt (a rad: 45 decimals). It STARTS a liquidation: the collateral is sold later, at auction prices
 * (Clipper Take logs), which this event does not know. So notionalUsd is the collateral put up for auction at the
 * Chainlink price before the bark, and debtUsd the debt the auction must cover (without the penalty, chop): what
 * the auction's sale brought is not measured (docs/venues/maker.md).
 */
export const BARK: ProtocolEvent<BarkArgs> = {
  topic0: TOPIC0.Bark,
  abi: MAKER_BARK,
  args: BarkArgs,
  read: (a, _log, chain) => {
    const ilk = chain.ilks?.[a.ilk.toLowerCase()];
    if (!ilk) return `Maker ilk ${a.ilk} is not in the metadata`;
    return { collateralToken: ilk.token, collateralAmount: a.ink, collateralDecimals: 18, debtToken: tokenAddress('ethereum', 'DAI'), debtAmount: a.due, debtDecimals: 45 };
  },
};
