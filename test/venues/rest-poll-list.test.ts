import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { RawFrame } from '../../src/schema/events.js';
import { startRestPoll } from '../../src/venues/rest-poll.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('startRestPoll over a list of URLs', () => {
  it('hands on successful answers as frames, skips refused ones and unreachable URLs, and stops', async () => {
    let n = 0;
    const server = createServer((req, res) => {
      n += 1;
      if (req.url === '/refused') return void res.writeHead(503).end('busy');
      res.end(`{"n":${n}}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const frames: RawFrame[] = [];
    const warnings: string[] = [];
    const log = { ...silentLogger(), warn: (_o: unknown, msg: string) => void warnings.push(msg) } as unknown as ReturnType<typeof silentLogger>;
    const poller = startRestPoll({ venue: 'dydx', url: [`${base}/refused`, `${base}/ok`, 'http://127.0.0.1:9/down'], sink: { handleFrame: (f) => void frames.push(f), gap: () => {} }, log, intervalMs: 20 });
    await until(() => frames.length >= 2, 'two sweeps');
    await poller.stop();
    const after = frames.length;
    expect(frames.slice(0, 2).map((f) => [f.venue, f.frame])).toEqual([
      ['dydx', '{"n":2}'],
      ['dydx', '{"n":4}'],
    ]);
    expect(warnings.slice(0, 2)).toEqual(['REST poll refused', 'REST poll failed']);
    await new Promise((r) => setTimeout(r, 100));
    expect(frames.length).toBe(after);
  });
});
