// Memory and time per id of the aggregator's duplicate filter (docs/reliability.md):
// npx tsc -p tsconfig.json && node --expose-gc dist/bench/seen-ids-memory.js
import { SeenIds } from '../src/aggregate/seen-ids.js';

const HOUR = 3_600_000;
const t = 1_760_000_000_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
// A million ids in one hour (a 10 October-like hour), then spread at 40,000 an hour (25 hours).
for (const perHour of [1_000_000, 40_000]) {
  gc();
  const ids = new SeenIds(26 * HOUR);
  const n = 1_000_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const eventTime = t + Math.floor(i / perHour) * HOUR + (i % perHour);
    ids.seen(`binance-usdm:BTCUSDT:${eventTime}:SELL:0.014:${i}`, eventTime);
  }
  const ms = performance.now() - start;
  console.log(
    JSON.stringify({
      idsPerHour: perHour,
      tableBytesPerId: ids.bytes() / n,
      nsPerId: Math.round((ms * 1e6) / n),
    }),
  );
}
