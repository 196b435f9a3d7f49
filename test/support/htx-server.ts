import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';

const PATH = '/linear-swap-notification';
const TOPIC = /^public\.(\*|[A-Z0-9]+-USDT(-[0-9]{6})?)\.liquidation_orders$/;

/**
 * A local HTX USDT-margined notification endpoint: every frame it sends is gzip (binary), it pings each
 * connection with {"op":"ping","ts":"…"} every `pingMs` and closes one that leaves `maxMissedPongs` pings in a
 * row unanswered (as HTX does), and answers {"op":"sub"} with `err-code` 0 or a refusal. Its REST side answers
 * GET /linear-swap-api/v1/swap_open_interest with whatever the test set in `openInterest`.
 */
export class HtxServer {
  readonly connections = new Map<WebSocket, { topics: Set<string>; unanswered: number }>();
  pongs = 0;
  closedForMissingPongs = 0;
  restRequests = 0;
  openInterest: string | undefined;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    pingMs: number,
    maxMissedPongs: number,
  ) {
    wss.on('connection', (ws) => {
      this.connections.set(ws, { topics: new Set(), unanswered: 0 });
      ws.on('message', (data, isBinary) => this.onMessage(ws, isBinary ? gunzipSync(data as Buffer).toString() : data.toString()));
      ws.on('close', () => this.connections.delete(ws));
    });
    http.on('request', (req, res) => {
      this.restRequests += 1;
      if (req.url?.startsWith('/linear-swap-api/v1/swap_open_interest') && this.openInterest !== undefined) res.setHeader('content-type', 'application/json').end(this.openInterest);
      else res.writeHead(404).end();
    });
    this.timer = setInterval(() => {
      for (const [ws, c] of this.connections) {
        if (c.unanswered >= maxMissedPongs) {
          this.closedForMissingPongs += 1;
          ws.close(4000, 'heartbeat timeout');
          continue;
        }
        c.unanswered += 1;
        this.send(ws, JSON.stringify({ op: 'ping', ts: String(Date.now()) }));
      }
    }, pingMs);
  }

  static async start(o: { pingMs?: number; maxMissedPongs?: number } = {}): Promise<HtxServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: PATH });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    return new HtxServer(http, wss, o.pingMs ?? 100, o.maxMissedPongs ?? 3);
  }

  private get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}${PATH}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every frame goes out gzip-compressed as a binary message. */
  send(ws: WebSocket, text: string): void {
    ws.send(gzipSync(text), { binary: true });
  }

  private onMessage(ws: WebSocket, text: string): void {
    let msg: { op?: unknown; cid?: unknown; topic?: unknown; ts?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    const c = this.connections.get(ws)!;
    if (msg.op === 'pong') {
      this.pongs += 1;
      c.unanswered = 0;
    } else if (msg.op === 'sub') {
      const reply = { op: 'sub', cid: msg.cid, topic: msg.topic, ts: Date.now() };
      if (typeof msg.topic !== 'string' || !TOPIC.test(msg.topic)) {
        this.send(ws, JSON.stringify({ ...reply, 'err-code': 2011, 'err-msg': `invalid topic ${String(msg.topic)}` }));
        return;
      }
      c.topics.add(msg.topic);
      this.send(ws, JSON.stringify({ ...reply, 'err-code': 0 }));
    }
  }

  /** Sends a notification for `code` to every connection whose subscription covers it; returns how many got it. */
  publish(code: string, frame: string): number {
    let n = 0;
    for (const [ws, c] of this.connections)
      if (c.topics.has('public.*.liquidation_orders') || c.topics.has(`public.${code}.liquidation_orders`)) {
        this.send(ws, frame);
        n += 1;
      }
    return n;
  }

  subscribed(): boolean {
    return [...this.connections.values()].some((c) => c.topics.size > 0);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const ws of this.connections.keys()) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
