// Memory and time per id of the aggregator's duplicate filter (docs/reliability.md):
// npx tsc -p tsconfig.json && node --expose-gc dist/bench/seen-ids-memory.js
import { SeenIds } from '../src/aggregate/seen-ids.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const t = 1_760_000_000_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
// A million ids, each hour's spread evenly over its minutes: 1,000,000 in one hour (a 10 October-like hour);
// 40,000 an hour (25 hours); 61,500 an hour, i.e. 1,025 a minute, one past a table's half (the most bytes per id);
// and 60 an hour, one a minute over the 26-hour horizon (a minute's smallest table per id).
for (const perHour of [1_000_000, 40_000, 61_500, 60]) {
  gc();
  const ids = new SeenIds(26 * HOUR);
  const n = perHour === 60 ? 26 * 60 : 1_000_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const eventTime = t + Math.floor(i / perHour) * HOUR + Math.floor(((i % perHour) * HOUR) / perHour);
    ids.seen(`binance-usdm:BTCUSDT:${eventTime}:SELL:0.014:${i}`, eventTime);
  }
  const ms = performance.now() - start;
  console.log(
    JSON.stringify({
      ids: n,
      idsPerHour: perHour,
      tableBytesPerId: Math.round((ids.bytes() / n) * 10) / 10,
      tableBytes: ids.bytes(),
      nsPerId: Math.round((ms * 1e6) / n),
    }),
  );
}
