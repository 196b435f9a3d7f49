import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Client {
  ws: WebSocket;
  streams: Set<string>;
  /** A muted connection neither answers pings nor delivers frames: a half-dead TCP connection. */
  muted: boolean;
}

/**
 * A local server that speaks Binance futures' combined-stream protocol: /stream endpoint,
 * {"method":"SUBSCRIBE","params":[...],"id":n} answered with {"result":null,"id":n}, server pings,
 * pong replies to client pings, frames wrapped as {"stream":..., "data":...}, and server-side cuts.
 */
export class BinanceServer {
  readonly clients = new Set<Client>();
  subscribeCount = 0;
  connections = 0;
  private readonly wss: WebSocketServer;
  private waiters: (() => void)[] = [];

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', (ws) => {
      this.connections += 1;
      const client: Client = { ws, streams: new Set(), muted: false };
      this.clients.add(client);
      ws.on('ping', (data) => {
        if (!client.muted) ws.pong(data);
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { method?: string; params?: string[]; id?: number };
        if (msg.method === 'SUBSCRIBE') {
          for (const p of msg.params ?? []) client.streams.add(p);
          ws.send(JSON.stringify({ result: null, id: msg.id }));
          this.subscribeCount += 1;
          this.notify();
        } else {
          ws.send(JSON.stringify({ error: { code: 2, msg: `Invalid request: unknown method ${String(msg.method)}` }, id: msg.id ?? null }));
        }
      });
      ws.on('close', () => this.clients.delete(client));
    });
  }

  static async start(port = 0): Promise<BinanceServer> {
    // autoPong off: this server decides whether to answer pings (see `mute`).
    const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/stream', autoPong: false });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new BinanceServer(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/stream`;
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    waiting.forEach((w) => w());
  }

  /**
   * Resolves once `n` SUBSCRIBE requests have been answered in total (waited up to 30 s: it follows a
   * process's start, which takes seconds on a loaded 2-core host).
   */
  async subscriptions(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.subscribeCount < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.subscribeCount} of ${n} subscriptions`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Sends a forceOrder event (the inner JSON) to every live subscriber of the all-market stream. */
  send(data: string, stream = '!forceOrder@arr'): number {
    let sent = 0;
    for (const c of this.clients)
      if (!c.muted && c.streams.has(stream)) {
        c.ws.send(`{"stream":"${stream}","data":${data}}`);
        sent += 1;
      }
    return sent;
  }

  /** Raw text to every connection, subscribed or not (malformed frames). */
  sendRaw(text: string): void {
    for (const c of this.clients) if (!c.muted) c.ws.send(text);
  }

  /** Server-side disconnect of every connection (as at Binance's 24 h cut or a deploy). */
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
  }
}
