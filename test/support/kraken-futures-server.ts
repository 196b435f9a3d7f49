import type { WebSocket } from 'ws';
import { HttpWsServer } from './http-ws-server.js';

/**
 * A local Kraken Futures: the WebSocket at /ws/v1 (`info` on connect, `subscribe` to `trade` with product_ids
 * answered `subscribed` and a `trade_snapshot` per product of its `recent` trades, or `error` "Invalid product
 * id" for an unknown product; the heartbeat feed) and
 * GET /derivatives/api/v3/instruments and /tickers on the same port.
 */
export class KrakenFuturesServer extends HttpWsServer {
  static readonly PATH = '/ws/v1';
  /** The instruments answer's rows; a trade subscription naming another symbol is refused. */
  instruments: Record<string, unknown>[] = [];
  tickers: Record<string, unknown>[] = [];
  /** Trades sent in the `trade_snapshot` that follows a product's subscription (as Kraken does), by product. */
  recent: Record<string, Record<string, unknown>[]> = {};
  restRequests = 0;

  static async start(): Promise<KrakenFuturesServer> {
    const { http, wss } = await HttpWsServer.listen(KrakenFuturesServer.PATH);
    return new KrakenFuturesServer(http, wss, KrakenFuturesServer.PATH);
  }

  protected override onConnection(ws: WebSocket): void {
    ws.send(JSON.stringify({ event: 'info', version: 1 }));
  }

  protected onRequest(url: URL): unknown {
    if (url.pathname === '/derivatives/api/v3/instruments') return (this.restRequests += 1), { result: 'success', instruments: this.instruments, serverTime: new Date().toISOString() };
    if (url.pathname === '/derivatives/api/v3/tickers') return (this.restRequests += 1), { result: 'success', tickers: this.tickers, serverTime: new Date().toISOString() };
    return undefined;
  }

  protected onMessage(ws: WebSocket, text: string): void {
    const msg = JSON.parse(text) as { event?: string; feed?: string; product_ids?: string[] };
    if (msg.event !== 'subscribe') return void ws.send(JSON.stringify({ event: 'error', message: 'Json Error' }));
    if (msg.feed === 'heartbeat') {
      ws.send(JSON.stringify({ event: 'subscribed', feed: 'heartbeat' }));
      return void ws.send(JSON.stringify({ feed: 'heartbeat', time: Date.now() }));
    }
    const known = new Set(this.instruments.map((i) => i.symbol));
    if (msg.feed !== 'trade' || !msg.product_ids?.every((p) => known.has(p))) return void ws.send(JSON.stringify({ event: 'error', message: 'Invalid product id' }));
    for (const p of msg.product_ids) this.subscriptions.get(ws)!.add(p);
    ws.send(JSON.stringify({ event: 'subscribed', feed: 'trade', product_ids: msg.product_ids }));
    for (const p of msg.product_ids)
      if (this.recent[p]) ws.send(JSON.stringify({ feed: 'trade_snapshot', product_id: p, trades: this.recent[p].map((t) => ({ feed: 'trade', product_id: p, ...t })) }));
  }


  /** A trade of `product` to every connection subscribed to it; returns how many got it. */
  publish(product: string, trade: Record<string, unknown>): number {
    return this.sendTo(product, () => JSON.stringify({ feed: 'trade', product_id: product, ...trade }));
  }
}
