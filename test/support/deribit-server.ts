import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local Deribit: JSON-RPC 2.0 over WebSocket at /ws/api/v2 (public/set_heartbeat, public/subscribe,
 * public/test; heartbeats with a `test_request` the client must answer) and the two REST methods liqstream
 * reads (get_instruments, get_book_summary_by_currency) on the same port.
 */
export class DeribitServer {
  static readonly PATH = '/ws/api/v2';
  readonly subscriptions = new Map<WebSocket, Set<string>>();
  /** `public/test` requests received: answers to test requests. */
  tests = 0;
  testRequests = 0;
  heartbeatIntervals: number[] = [];
  /** Per currency: the `result` rows of get_book_summary_by_currency (and, with kind, of get_instruments). */
  bookSummary: Record<string, unknown[]> = {};
  instruments: Record<string, unknown[]> = {};
  restRequests: string[] = [];

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (ws) => {
      this.subscriptions.set(ws, new Set());
      ws.on('message', (data) => this.onMessage(ws, data.toString()));
      ws.on('close', () => this.subscriptions.delete(ws));
    });
    http.on('request', (req, res) => {
      const url = new URL(req.url!, 'http://local');
      this.restRequests.push(`${url.pathname}${url.search}`);
      const currency = url.searchParams.get('currency') ?? '';
      const table = url.pathname === '/api/v2/public/get_book_summary_by_currency' ? this.bookSummary : url.pathname === '/api/v2/public/get_instruments' ? this.instruments : undefined;
      if (table === undefined) return void res.writeHead(404).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', result: table[currency] ?? [], usIn: 1, usOut: 2, usDiff: 1, testnet: false }));
    });
  }

  static async start(): Promise<DeribitServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: DeribitServer.PATH });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    return new DeribitServer(http, wss);
  }

  private get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}${DeribitServer.PATH}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private onMessage(ws: WebSocket, text: string): void {
    const msg = JSON.parse(text) as { id?: number; method?: string; params?: { channels?: string[]; interval?: number } };
    const reply = (body: Record<string, unknown>) => ws.send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, ...body, usIn: 1, usOut: 2, usDiff: 1, testnet: false }));
    if (msg.method === 'public/set_heartbeat') {
      const interval = msg.params?.interval ?? 0;
      if (interval < 10) return reply({ error: { message: 'Invalid params', code: -32602 } });
      this.heartbeatIntervals.push(interval);
      reply({ result: 'ok' });
      // The venue asks at once here (it would after `interval` seconds): the client must answer with public/test.
      this.testRequests += 1;
      ws.send('{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}');
    } else if (msg.method === 'public/subscribe') {
      // Deribit answers with the channels it subscribed; `raw` needs an authorised connection.
      const ok = (msg.params?.channels ?? []).filter((c) => /^trades\.future\.(BTC|ETH|USDC|USDT|EURR|any)\.(100ms|agg2)$/.test(c));
      for (const c of ok) this.subscriptions.get(ws)!.add(c);
      reply({ result: ok });
    } else if (msg.method === 'public/test') {
      this.tests += 1;
      reply({ result: { version: '1.2.26' } });
    } else {
      reply({ error: { message: 'Method not found', code: -32601 } });
    }
  }

  /** A trades notification to every connection subscribed to `channel`; returns how many got it. */
  publish(channel: string, data: unknown[]): number {
    let n = 0;
    for (const [ws, channels] of this.subscriptions)
      if (channels.has(channel)) {
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } }));
        n += 1;
      }
    return n;
  }

  subscribed(channel: string): boolean {
    return [...this.subscriptions.values()].some((c) => c.has(channel));
  }

  async close(): Promise<void> {
    for (const ws of this.subscriptions.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
