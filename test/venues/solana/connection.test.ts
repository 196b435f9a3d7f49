import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactingOptions } from '../../../src/log.js';
import { KAMINO_PROTOCOL } from '../../../src/venues/kamino/parse.js';
import { SolanaSettings } from '../../../src/venues/solana/settings.js';
import { solanaConnections } from '../../../src/venues/solana/rpc/connector.js';
import type { ConnectorContext } from '../../../src/venues/venue.js';
import { FakeSolanaNode } from '../../support/fake-solana-node.js';
import { until } from '../../support/until.js';

describe('the Solana connection keeps API keys out of its logs', () => {
  const node = new FakeSolanaNode();
  const lines: string[] = [];
  let stop: (() => Promise<void>) | undefined;
  beforeAll(() => node.start());
  afterAll(async () => {
    await stop?.();
    await node.stop();
  });

  it('URLs carrying a key (query and path): the socket and a failing HTTP endpoint are logged with the key redacted', async () => {
    const key = 'k3yS3cr3t0123456789abcdefXYZ';
    const log = pino({ level: 'debug', ...redactingOptions }, { write: (l: string) => void lines.push(l) });
    const frames: string[] = [];
    const ctx: ConnectorContext = {
      log,
      options: { chains: { solana: { url: `${node.url}/?api-key=${key}`, httpUrl: `http://127.0.0.1:1/${key}/?api-key=${key}` } } },
      solana: SolanaSettings.parse({ requestTimeoutMs: 500 }),
      socketOptions: { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 1_000 },
      attach: () => ({ onFrame: (f) => void frames.push(f), onGap: () => {}, onUp: () => {}, onReconnect: () => {}, onSubscribeError: () => {} }),
      count: () => {},
      position: () => {},
    };
    const [connection] = solanaConnections('kamino', ['solana'], KAMINO_PROTOCOL, 280, ctx);
    stop = () => connection!.stop();
    await until(() => lines.some((l) => l.includes('could not read the newest signature')), 'the anchor request failed and was logged', 15_000);
    expect(lines.join('\n')).not.toContain(key);
    expect(lines.some((l) => l.includes('api-key=REDACTED'))).toBe(true);
  }, 20_000);
});
