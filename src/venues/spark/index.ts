import { AAVE_EVENTS } from '../aave-v3/parse.js';
import { chainMetadata } from '../evm/chains.js';
import { evmVenue } from '../evm/module.js';
import { SPARK_POOLS } from './plan.js';

/** SparkLend: Aave V3's Pool code, so the same LiquidationCall event and parser. */
export const sparkVenue = () =>
  evmVenue({
    venue: 'spark',
    about: { name: 'SparkLend (Ethereum)', exchange: 'spark', colour: '#f5a623', doc: 'docs/venues/spark.md' },
    events: AAVE_EVENTS,
    metadata: () => ({ chains: Object.fromEntries(Object.entries(SPARK_POOLS).map(([c, pool]) => [c, chainMetadata(c, { [pool]: {} })])) }),
  });
