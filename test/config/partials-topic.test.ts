import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const NO_ENV = {};

describe('the minute partials topic follows the aggregator group', () => {
  it('the default group keeps liqstream.minute-partials.v1; another group gets its own; an explicit name wins', () => {
    expect(loadConfig({ env: NO_ENV }).bus.topics.partials).toBe('liqstream.minute-partials.v1');
    expect(loadConfig({ env: { LIQSTREAM_AGGREGATOR__GROUP_ID: 'eu-aggregator' } }).bus.topics.partials).toBe('liqstream.minute-partials.v1.eu-aggregator');
    expect(
      loadConfig({ env: { LIQSTREAM_AGGREGATOR__GROUP_ID: 'eu-aggregator', LIQSTREAM_BUS__TOPICS__PARTIALS: 'shared.partials' } }).bus.topics.partials,
    ).toBe('shared.partials');
  });
});
