import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local Gate futures v4 server: the WebSocket hosts `/v4/ws/usdt` and `/v4/ws/btc` (subscribe replies with
 * `time_ms` and `result.status`, refusals with `error`, `futures.ping` → `futures.pong`), and the public REST
 * contract list `GET /api/v4/futures/{settle}/contracts` (paged by `limit`/`offset`) answering whatever the
 * test set in `contracts`.
 */
export class GateServer {
  /** Subscribed channels per connection, with the host path it connected to. */
  readonly connections = new Map<WebSocket, { path: string; headers: IncomingHttpHeaders; channels: Set<string> }>();
  pings = 0;
  restRequests = 0;
  readonly contracts: Record<string, string> = {};

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (ws, req) => {
      const path = req.url ?? '';
      this.connections.set(ws, { path, headers: req.headers, channels: new Set() });
      ws.on('message', (data) => this.onMessage(ws, data.toString()));
      ws.on('close', () => this.connections.delete(ws));
    });
    http.on('request', (req, res) => {
      this.restRequests += 1;
      const url = new URL(req.url ?? '/', 'http://local');
      const m = /^\/api\/v4\/futures\/(usdt|btc)\/contracts$/.exec(url.pathname);
      const body = m ? this.contracts[m[1]!] : undefined;
      if (body === undefined) return void res.writeHead(404).end('{"label":"NOT_FOUND"}');
      // `limit` and `offset` page the list, as Gate's endpoint does.
      const limit = url.searchParams.get('limit');
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const rows = JSON.parse(body) as unknown[];
      res.setHeader('content-type', 'application/json').end(limit === null ? body : JSON.stringify(rows.slice(offset, offset + Number(limit))));
    });
  }

  static async start(): Promise<GateServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    return new GateServer(http, wss);
  }

  private get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  wsUrl(settle: 'usdt' | 'btc'): string {
    return `ws://127.0.0.1:${this.port}/v4/ws/${settle}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private onMessage(ws: WebSocket, text: string): void {
    const now = Date.now();
    let msg: { channel?: unknown; event?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (msg.channel === 'futures.ping') {
      this.pings += 1;
      ws.send(JSON.stringify({ time: Math.floor(now / 1000), time_ms: now, channel: 'futures.pong', event: '', result: null }));
      return;
    }
    if (msg.event !== 'subscribe' || typeof msg.channel !== 'string') return;
    const reply = { time: Math.floor(now / 1000), time_ms: now, channel: msg.channel, event: 'subscribe' };
    const payload = Array.isArray(msg.payload) ? msg.payload : [];
    if (msg.channel !== 'futures.public_liquidates' || payload.length === 0) {
      ws.send(JSON.stringify({ ...reply, error: { code: 2, message: `unknown channel or empty payload: ${msg.channel}` }, result: { status: 'failed' } }));
      return;
    }
    this.connections.get(ws)!.channels.add(msg.channel);
    ws.send(JSON.stringify({ ...reply, result: { status: 'success' } }));
  }

  /** Sends a frame to every connection on the settle's host subscribed to the liquidation channel; returns how many got it. */
  publish(settle: 'usdt' | 'btc', frame: string): number {
    let n = 0;
    for (const [ws, c] of this.connections)
      if (c.path === `/v4/ws/${settle}` && c.channels.has('futures.public_liquidates')) {
        ws.send(frame);
        n += 1;
      }
    return n;
  }

  subscribed(settle: 'usdt' | 'btc'): boolean {
    return [...this.connections.values()].some((c) => c.path === `/v4/ws/${settle}` && c.channels.has('futures.public_liquidates'));
  }

  /** Headers of the handshakes on a settle's host (the connector asks for decimal sizes). */
  handshakeHeaders(settle: 'usdt' | 'btc'): IncomingHttpHeaders[] {
    return [...this.connections.values()].filter((c) => c.path === `/v4/ws/${settle}`).map((c) => c.headers);
  }

  async close(): Promise<void> {
    for (const ws of this.connections.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
