import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { writeTestConfig } from '../support/config-file.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';

// A stand-in for the venue and for a third-party fills feed: accepts every socket, sends nothing.
let server: WebSocketServer;
let base: string;
const paths: string[] = [];
beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (_ws, req) => paths.push(req.url ?? ''));
  await new Promise((r) => server.once('listening', r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const FEED_TOKEN = 'feed-token-7d1c';
const SASL_PASSWORD = 'sasl-password-94be';

it('start-up at debug level logs the configuration and the fills feed connection, without the feed token or the SASL password', async () => {
  const config = writeTestConfig(
    { hyperliquid: { url: `${base}/ws`, source: 'fills-ws', fillsUrl: `${base}/fills?token=${FEED_TOKEN}&coin=all`, symbols: ['BTC'] } },
    { bus: { kafka: { sasl: { mechanism: 'scram-sha-512', username: 'liqstream' } } } },
  );
  const svc = await startServiceProcess(['run', '--config', config], { LIQSTREAM_LOG_LEVEL: 'debug', LIQSTREAM_BUS__KAFKA__SASL__PASSWORD: SASL_PASSWORD });
  try {
    await until(() => svc.logs().includes('"socket":"hyperliquid-fills"'), 'the fills feed connection log line');
  } finally {
    await svc.stop();
  }
  const logs = svc.logs();
  // The feed did get the token: redaction is in the log only.
  expect(paths).toContain(`/fills?token=${FEED_TOKEN}&coin=all`);
  expect(logs).toContain(`"url":"${base}/fills?token=REDACTED&coin=all"`);
  expect(logs).toMatch(/"sasl":\{"mechanism":"scram-sha-512","username":"liqstream","password":"REDACTED"\}/);
  expect(logs).not.toContain(FEED_TOKEN);
  expect(logs).not.toContain(SASL_PASSWORD);
});
