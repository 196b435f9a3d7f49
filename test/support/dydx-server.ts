import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local dYdX v4 indexer: the WebSocket at /v4/ws (a `connected` message on connect, `subscribe` to `v4_trades`
 * per market answered with `subscribed` and the market's recent trades, `error` for an unknown market, server
 * pings) and GET /v4/perpetualMarkets on the same port.
 */
export class DydxServer {
  static readonly PATH = '/v4/ws';
  readonly subscriptions = new Map<WebSocket, Set<string>>();
  /** Markets the indexer knows; a subscription to another is refused. */
  markets: Record<string, Record<string, unknown>> = {};
  /** Recent trades per market, sent in the `subscribed` message. */
  recent: Record<string, unknown[]> = {};
  pongs = 0;
  restRequests = 0;
  private messageId = 0;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (ws) => {
      this.subscriptions.set(ws, new Set());
      ws.on('message', (data) => this.onMessage(ws, JSON.parse(data.toString()) as { type?: string; channel?: string; id?: string }));
      ws.on('pong', () => (this.pongs += 1));
      ws.on('close', () => this.subscriptions.delete(ws));
      ws.send(JSON.stringify({ type: 'connected', connection_id: 'local', message_id: 0 }));
      // The indexer pings every 30 s and drops a client that does not pong; here at once, to see the pong.
      ws.ping();
    });
    http.on('request', (req, res) => {
      if (req.url !== '/v4/perpetualMarkets') return void res.writeHead(404).end();
      this.restRequests += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ markets: this.markets }));
    });
  }

  static async start(): Promise<DydxServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: DydxServer.PATH });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    return new DydxServer(http, wss);
  }

  private get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}${DydxServer.PATH}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private onMessage(ws: WebSocket, msg: { type?: string; channel?: string; id?: string }): void {
    const base = { connection_id: 'local', message_id: ++this.messageId };
    if (msg.type !== 'subscribe' || msg.channel !== 'v4_trades') return void ws.send(JSON.stringify({ type: 'error', message: 'Invalid message: could not parse', ...base }));
    if (msg.id === undefined || !(msg.id in this.markets))
      return void ws.send(JSON.stringify({ type: 'error', message: `Invalid subscribe message: id ${msg.id} is not a valid market`, ...base }));
    this.subscriptions.get(ws)!.add(msg.id);
    ws.send(JSON.stringify({ type: 'subscribed', ...base, channel: 'v4_trades', id: msg.id, contents: { trades: this.recent[msg.id] ?? [] } }));
  }

  /** New trades of `market` to every connection subscribed to it; returns how many got them. */
  publish(market: string, trades: unknown[]): number {
    let n = 0;
    for (const [ws, markets] of this.subscriptions)
      if (markets.has(market)) {
        ws.send(JSON.stringify({ type: 'channel_data', connection_id: 'local', message_id: ++this.messageId, id: market, channel: 'v4_trades', version: '2.1.0', contents: { trades } }));
        n += 1;
      }
    return n;
  }

  subscribed(market: string): boolean {
    return [...this.subscriptions.values()].some((m) => m.has(market));
  }

  async close(): Promise<void> {
    for (const ws of this.subscriptions.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
