// The history store's writer thread (dist/src/sinks/store/store-worker.js), starved on purpose: before each message
// from the pipeline it sleeps SLOW_STORE_WORKER_MS (Atomics.wait blocks the thread as a CPU it does not get would),
// so the chunks posted meanwhile wait in its port, as they do for a writer at writerNice 10 on a saturated host.
import { parentPort } from 'node:worker_threads';

const ms = Number(process.env.SLOW_STORE_WORKER_MS ?? 0);
const pause = new Int32Array(new SharedArrayBuffer(4));
const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(event, event === 'message' ? (m) => (Atomics.wait(pause, 0, 0, ms), listener(m)) : listener);
await import(new URL('../../dist/src/sinks/store/store-worker.js', import.meta.url).href);
