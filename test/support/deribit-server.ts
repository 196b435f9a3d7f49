import type { WebSocket } from 'ws';
import { HttpWsServer } from './http-ws-server.js';

/**
 * A local Deribit: JSON-RPC 2.0 over WebSocket at /ws/api/v2 (public/set_heartbeat, public/subscribe,
 * public/test; heartbeats with a `test_request` the client must answer) and the two REST methods liqstream
 * reads (get_instruments, get_book_summary_by_currency) on the same port.
 */
export class DeribitServer extends HttpWsServer {
  static readonly PATH = '/ws/api/v2';
  /** `public/test` requests received: answers to test requests. */
  tests = 0;
  testRequests = 0;
  heartbeatIntervals: number[] = [];
  /** Per currency: the `result` rows of get_book_summary_by_currency and of get_instruments. */
  bookSummary: Record<string, unknown[]> = {};
  instruments: Record<string, unknown[]> = {};
  restRequests: string[] = [];

  static async start(): Promise<DeribitServer> {
    const { http, wss } = await HttpWsServer.listen(DeribitServer.PATH);
    return new DeribitServer(http, wss, DeribitServer.PATH);
  }

  protected onRequest(url: URL): unknown {
    this.restRequests.push(`${url.pathname}${url.search}`);
    const table = url.pathname === '/api/v2/public/get_book_summary_by_currency' ? this.bookSummary : url.pathname === '/api/v2/public/get_instruments' ? this.instruments : undefined;
    if (table === undefined) return undefined;
    return { jsonrpc: '2.0', result: table[url.searchParams.get('currency') ?? ''] ?? [], usIn: 1, usOut: 2, usDiff: 1, testnet: false };
  }

  protected onMessage(ws: WebSocket, text: string): void {
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
    return this.sendTo(channel, () => JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } }));
  }
}
