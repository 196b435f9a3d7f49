import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ManagedSocket } from '../../src/connection/managed-socket.js';
import { silentLogger } from '../../src/log.js';

// Found by a review of ManagedSocket.drop: the current connection closing while a rollover's replacement was still
// opening left both the replacement and the reconnect its close had scheduled, one socket too many, never closed.
describe('ManagedSocket: the current connection closes during a rollover', () => {
  it('the replacement is the reconnection: no connection is left open after stop()', async () => {
    let connections = 0;
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      // The rollover's replacement (the second connection) is accepted 300 ms late.
      verifyClient: (_info: unknown, done: (ok: boolean) => void) => void setTimeout(() => done(true), ++connections === 2 ? 300 : 0),
    });
    await new Promise((r) => wss.once('listening', r));
    const open = new Set<WebSocket>();
    wss.on('connection', (ws) => {
      open.add(ws);
      ws.on('close', () => open.delete(ws));
    });
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    const socket = new ManagedSocket(
      { venue: 'binance-usdm', name: 'test', url, subscribe: [], pingIntervalMs: 10_000, silenceTimeoutMs: 60_000, maxConnectionMs: 300 },
      { onFrame: () => {}, onGap: () => {}, onUp: () => {}, onReconnect: () => {}, onSubscribeError: () => {} },
      silentLogger(),
      { backoff: { initialMs: 3_000, maxMs: 3_000 }, stableAfterMs: 10_000, drainMs: 10 },
    );
    socket.start();
    await new Promise((r) => setTimeout(r, 400)); // the rollover began at 300 ms; its replacement opens at ≈ 600 ms
    socket.drop('test');
    await new Promise((r) => setTimeout(r, 3_500)); // past the reconnect the close scheduled
    await socket.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(open.size).toBe(0);
    wss.close();
  }, 15_000);
});
