import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Client {
  ws: WebSocket;
  /** instTypes subscribed on the liquidation-orders channel. */
  instTypes: Set<string>;
  /** A muted connection answers nothing and delivers nothing: a half-dead TCP connection. */
  muted: boolean;
}

export interface OkxServerOptions {
  /** GET /api/v5/public/instruments?instType=… answers, by instType (absent: an empty list). */
  instruments?: Record<string, unknown[]>;
  /** GET /api/v5/public/open-interest?instType=… answers, by instType (absent: an empty list). */
  openInterest?: Record<string, unknown[]>;
  /** instTypes whose subscription is refused with an error event. */
  refuse?: string[];
  /** liquidation-orders items sent as the first push after a subscription is acknowledged, by instType. */
  recent?: Record<string, unknown[]>;
}

const CONN_ID = 'a4d3ae55';

/**
 * A local server speaking OKX v5's public protocol, WebSocket and REST on one port: `/ws/v5/public`
 * answers `{"op":"subscribe","args":[…]}` with one `{"event":"subscribe","arg":…}` per arg (or an
 * `{"event":"error","code":"60012",…}` for a refused or malformed one) and the text `ping` with `pong`;
 * `/api/v5/public/instruments` and `/api/v5/public/open-interest` answer in OKX's `code`/`msg`/`data` envelope.
 */
export class OkxServer {
  readonly clients = new Set<Client>();
  connections = 0;
  subscribeAcks = 0;
  pings = 0;
  readonly restRequests: string[] = [];
  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly options: OkxServerOptions,
  ) {
    wss.on('connection', (ws) => {
      this.connections += 1;
      const client: Client = { ws, instTypes: new Set(), muted: false };
      this.clients.add(client);
      ws.on('message', (data) => this.onMessage(client, data.toString()));
      ws.on('close', () => this.clients.delete(client));
    });
    http.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      this.restRequests.push(`${url.pathname}${url.search}`);
      const instType = url.searchParams.get('instType') ?? '';
      const table = url.pathname === '/api/v5/public/instruments' ? options.instruments : url.pathname === '/api/v5/public/open-interest' ? options.openInterest : undefined;
      if (table === undefined) {
        res.writeHead(404).end('{"code":"404","msg":"Not Found","data":[]}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: '0', msg: '', data: table[instType] ?? [] }));
    });
  }

  static async start(options: OkxServerOptions = {}): Promise<OkxServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/ws/v5/public' });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new OkxServer(http, wss, options);
  }

  private get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws/v5/public`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private onMessage(client: Client, text: string): void {
    if (client.muted) return;
    if (text === 'ping') {
      this.pings += 1;
      client.ws.send('pong');
      return;
    }
    let msg: { id?: string; op?: string; args?: { channel?: string; instType?: string }[] };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      client.ws.send(JSON.stringify({ event: 'error', code: '60012', msg: `Invalid request: ${text}`, connId: CONN_ID }));
      return;
    }
    const id = msg.id === undefined ? {} : { id: msg.id };
    if (msg.op !== 'subscribe' || !Array.isArray(msg.args)) {
      client.ws.send(JSON.stringify({ ...id, event: 'error', code: '60012', msg: `Invalid request: ${text}`, connId: CONN_ID }));
      return;
    }
    for (const arg of msg.args) {
      if (arg.channel !== 'liquidation-orders' || !arg.instType || this.options.refuse?.includes(arg.instType)) {
        client.ws.send(JSON.stringify({ ...id, event: 'error', code: '60012', msg: `Invalid request: ${JSON.stringify(arg)}`, connId: CONN_ID }));
        continue;
      }
      client.instTypes.add(arg.instType);
      client.ws.send(JSON.stringify({ ...id, event: 'subscribe', arg, connId: CONN_ID }));
      this.subscribeAcks += 1;
      // The first push after subscribing carries recent liquidations.
      const recent = this.options.recent?.[arg.instType];
      if (recent) client.ws.send(JSON.stringify({ arg: { channel: 'liquidation-orders', instType: arg.instType }, data: recent }));
    }
  }

  /**
   * Resolves once `n` subscribe acknowledgements have been sent in total (waited up to 30 s: it follows a
   * process's start, which takes seconds on a loaded 2-core host).
   */
  async acks(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.subscribeAcks < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.subscribeAcks} of ${n} subscribe acknowledgements`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A liquidation-orders push of `data` items to every live subscriber of `instType`; returns how many got it. */
  push(instType: string, data: unknown[]): number {
    let sent = 0;
    for (const c of this.clients)
      if (!c.muted && c.instTypes.has(instType)) {
        c.ws.send(JSON.stringify({ arg: { channel: 'liquidation-orders', instType }, data }));
        sent += 1;
      }
    return sent;
  }

  /** Raw text to every connection (malformed frames, notices). */
  sendRaw(text: string): void {
    for (const c of this.clients) if (!c.muted) c.ws.send(text);
  }

  /** Closes every connection (the client reconnects and subscribes again). */
  dropAll(): void {
    for (const c of this.clients) c.ws.terminate();
  }

  /** Current connections go silent: no pongs, no frames. New connections behave normally. */
  muteAll(): void {
    for (const c of this.clients) c.muted = true;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
