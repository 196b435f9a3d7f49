import type { WebSocket } from 'ws';
import { HttpWsServer } from './http-ws-server.js';

/**
 * A local Bitfinex API v2: the WebSocket at /ws/2 (`info` on connect, `subscribe` to the `status` channel with key
 * `liq:global` answered `subscribed` with a channel id, `error` 10300 for anything else, `ping` answered `pong`)
 * and GET /v2/status/deriv on the same port.
 */
export class BitfinexServer extends HttpWsServer {
  static readonly PATH = '/ws/2';
  static readonly CHAN_ID = 91684;
  /** Rows of the derivatives status answer. */
  status: unknown[][] = [];
  restRequests = 0;

  static async start(): Promise<BitfinexServer> {
    const { http, wss } = await HttpWsServer.listen(BitfinexServer.PATH);
    return new BitfinexServer(http, wss, BitfinexServer.PATH);
  }

  protected override onConnection(ws: WebSocket): void {
    ws.send(JSON.stringify({ event: 'info', version: 2, serverId: 'local', platform: { status: 1 } }));
  }

  protected onRequest(url: URL): unknown {
    if (url.pathname !== '/v2/status/deriv' || url.searchParams.get('keys') !== 'ALL') return undefined;
    this.restRequests += 1;
    return this.status;
  }

  protected onMessage(ws: WebSocket, text: string): void {
    const msg = JSON.parse(text) as { event?: string; channel?: string; key?: string; cid?: number };
    if (msg.event === 'ping') return void ws.send(JSON.stringify({ event: 'pong', ts: Date.now(), cid: msg.cid }));
    if (msg.event !== 'subscribe' || msg.channel !== 'status' || msg.key !== 'liq:global')
      return void ws.send(JSON.stringify({ event: 'error', msg: 'subscribe: invalid', code: 10300, channel: msg.channel, key: msg.key }));
    this.subscriptions.get(ws)!.add('liq:global');
    ws.send(JSON.stringify({ event: 'subscribed', channel: 'status', chanId: BitfinexServer.CHAN_ID, key: 'liq:global' }));
    // Heartbeat at once (Bitfinex: every 15 s on a quiet channel), to see it ignored.
    ws.send(JSON.stringify([BitfinexServer.CHAN_ID, 'hb']));
  }

  /** Liquidation entries to every subscribed connection; returns how many got them. */
  publish(entries: unknown[]): number {
    return this.sendTo('liq:global', () => JSON.stringify([BitfinexServer.CHAN_ID, entries]));
  }
}
