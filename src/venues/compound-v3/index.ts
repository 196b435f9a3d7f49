import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { ABSORB_COLLATERAL, ABSORB_DEBT } from './parse.js';
import { COMET_CHAINS, cometMarkets } from './plan.js';

export const compoundV3Venue = () =>
  evmVenue({
    venue: 'compound-v3',
    about: { name: 'Compound v3 Comet (Ethereum, Arbitrum, Base)', exchange: 'compound', colour: '#00d395', doc: 'docs/venues/compound-v3.md' },
    events: [ABSORB_COLLATERAL, ABSORB_DEBT],
    metadata: () => ({ chains: Object.fromEntries(COMET_CHAINS.map((c) => [c, chainMetadata(c, cometMarkets(c))])) }),
  });
