import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { LOG_LIQUIDATE } from './parse.js';
import { FLUID_VAULT_FACTORY } from './plan.js';

export const fluidVenue = () =>
  evmVenue({
    venue: 'fluid',
    about: { name: 'Fluid vaults (Ethereum, Arbitrum, Base)', exchange: 'fluid', colour: '#00a8e8', doc: 'docs/venues/fluid.md' },
    events: [LOG_LIQUIDATE],
    metadata: () => ({ chains: Object.fromEntries(Object.keys(FLUID_VAULT_FACTORY).map((c) => [c, chainMetadata(c, {})])) }),
  });
