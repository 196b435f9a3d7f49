import type { WebSocket } from 'ws';
import { HttpWsServer } from './http-ws-server.js';

/**
 * A local dYdX v4 indexer: the WebSocket at /v4/ws (a `connected` message with a connection id of its own on
 * connect, `subscribe` to `v4_trades` per market answered with `subscribed` and the market's recent trades,
 * `error` for an unknown market and, as the indexer's socks service does, for every subscription past
 * `tradesLimit` on one connection (V4_TRADES_CHANNEL_LIMIT, 32), server pings) and GET /v4/perpetualMarkets
 * on the same port.
 */
export class DydxServer extends HttpWsServer {
  static readonly PATH = '/v4/ws';
  /** Markets the indexer knows; a subscription to another is refused. */
  markets: Record<string, Record<string, unknown>> = {};
  /** Recent trades per market, sent in the `subscribed` message. */
  recent: Record<string, unknown[]> = {};
  /** Subscriptions one connection may hold (the indexer's V4_TRADES_CHANNEL_LIMIT); lower it to force a refusal. */
  tradesLimit = 32;
  /** Refusals sent for the limit. */
  refusals = 0;
  pongs = 0;
  restRequests = 0;
  private messageId = 0;
  private connections = 0;
  private readonly connectionIds = new Map<WebSocket, string>();

  static async start(): Promise<DydxServer> {
    const { http, wss } = await HttpWsServer.listen(DydxServer.PATH);
    return new DydxServer(http, wss, DydxServer.PATH);
  }

  protected override onConnection(ws: WebSocket): void {
    ws.on('pong', () => (this.pongs += 1));
    const id = `local-${++this.connections}`;
    this.connectionIds.set(ws, id);
    ws.on('close', () => this.connectionIds.delete(ws));
    ws.send(JSON.stringify({ type: 'connected', connection_id: id, message_id: 0 }));
    // The indexer pings every 30 s and drops a client that does not pong; here at once, to see the pong.
    ws.ping();
  }

  protected onRequest(url: URL): unknown {
    if (url.pathname !== '/v4/perpetualMarkets') return undefined;
    this.restRequests += 1;
    return { markets: this.markets };
  }

  protected onMessage(ws: WebSocket, text: string): void {
    const msg = JSON.parse(text) as { type?: string; channel?: string; id?: string };
    const base = { connection_id: this.connectionIds.get(ws) ?? 'local', message_id: ++this.messageId };
    if (msg.type !== 'subscribe' || msg.channel !== 'v4_trades') return void ws.send(JSON.stringify({ type: 'error', message: 'Invalid message: could not parse', ...base }));
    if (msg.id === undefined || !(msg.id in this.markets))
      return void ws.send(JSON.stringify({ type: 'error', message: `Invalid subscription id for channel: (v4_trades-${msg.id})`, ...base }));
    const held = this.subscriptions.get(ws)!;
    if (held.size >= this.tradesLimit) {
      // indexer/services/socks/src/lib/subscription.ts: createErrorMessage(message, connectionId, messageId), no channel nor id.
      this.refusals += 1;
      return void ws.send(JSON.stringify({ type: 'error', message: `Per-connection subscription limit reached for v4_trades (limit=${this.tradesLimit}).`, ...base }));
    }
    held.add(msg.id);
    ws.send(JSON.stringify({ type: 'subscribed', ...base, channel: 'v4_trades', id: msg.id, contents: { trades: this.recent[msg.id] ?? [] } }));
  }


  /** New trades of `market` to every connection subscribed to it; returns how many got them. */
  publish(market: string, trades: unknown[]): number {
    return this.sendTo(market, () => JSON.stringify({ type: 'channel_data', connection_id: 'local', message_id: ++this.messageId, id: market, channel: 'v4_trades', version: '2.1.0', contents: { trades } }));
  }
}
