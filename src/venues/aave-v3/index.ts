import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { AAVE_EVENTS } from './parse.js';
import { AAVE_V3_POOLS } from './plan.js';

export const aaveV3Venue = () =>
  evmVenue({
    venue: 'aave-v3',
    about: { name: 'Aave V3 Core (Ethereum, Arbitrum, Base)', exchange: 'aave', colour: '#b6509e', doc: 'docs/venues/aave-v3.md' },
    events: AAVE_EVENTS,
    metadata: () => ({ chains: Object.fromEntries(Object.entries(AAVE_V3_POOLS).map(([c, pool]) => [c, chainMetadata(c, { [pool]: {} })])) }),
  });
