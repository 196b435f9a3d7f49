/** /api/history requests every store must refuse with 400 before any SQL (test/store/history-api.test.ts, test/questdb). */
export const HOSTILE_HISTORY_PARAMS = [
  "liquidations?venue=okx' OR '1'='1",
  "liquidations?symbol=X'; DROP TABLE liquidations; --",
  'liquidations?base=ETH%00',
  'liquidations?side=long;',
  'liquidations?limit=1000000000',
  'liquidations?limit=-1',
  'liquidations?minUsd=NaN',
  'liquidations?from=1e30',
  'liquidations?kind=liquidation,foo',
  'liquidations?sort=usd;drop',
  'liquidations?unknown=1',
  'minutes?by=venue,1;drop',
  'minutes?by=venue,side,symbol,base,venue',
  'minutes?step=7d',
  'minutes?limit=100001',
  'cascades?limit=10001',
  // Number text as people write it, not whatever Number() takes: hex, '', '+5', exponents.
  'liquidations?limit=0x10',
  'liquidations?limit=',
  'liquidations?limit=%2B5',
  'minutes?limit=1e3',
  'liquidations?minUsd=',
  'liquidations?minUsd=0x10',
  'liquidations?minUsd=1e6',
  // A column grouped twice answered a second column named "venue:1".
  'minutes?by=venue,venue',
];
