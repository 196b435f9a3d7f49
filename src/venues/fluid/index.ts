import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { CONSTANTS_VIEW, VAULT_DEPLOYED } from './discovery.js';
import { LOG_LIQUIDATE } from './parse.js';
import { FLUID_VAULT_FACTORY, fluidCreations } from './plan.js';

export const fluidVenue = () =>
  evmVenue({
    venue: 'fluid',
    about: { name: 'Fluid vaults (Ethereum, Arbitrum, Base)', exchange: 'fluid', colour: '#00a8e8', doc: 'docs/venues/fluid.md' },
    events: [LOG_LIQUIDATE, VAULT_DEPLOYED],
    metadata: () => ({ chains: Object.fromEntries(Object.entries(FLUID_VAULT_FACTORY).map(([c, f]) => [c, chainMetadata(c, { [f.address]: { factory: 'fluid' } })])) }),
    creations: Object.fromEntries(Object.keys(FLUID_VAULT_FACTORY).map((c) => [c, fluidCreations(c)])),
    answers: [CONSTANTS_VIEW],
  });
