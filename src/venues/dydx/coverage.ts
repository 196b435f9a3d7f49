/**
 * Which dYdX subscriptions the indexer refused, from its own replies. The indexer refuses a `v4_trades`
 * subscription past its per-connection limit (`V4_TRADES_CHANNEL_LIMIT`, 32) with
 * `{"type":"error","message":"Per-connection subscription limit reached for v4_trades (limit=32).","connection_id":…}`:
 * the reply names the connection but not the market. So refusals are kept per connection: a connection that
 * was refused a subscription leaves some market unwatched until its markets have all been subscribed again on a
 * newer connection (the socket reconnected and the indexer took them all). Driven by frames only, so a replay of
 * a recording with a refusal marks the same events `partial`.
 */

/** Indexer replies that refuse a subscription (indexer socks `subscriptions.ts`), as opposed to other errors. */
const REFUSAL = /subscription limit reached|could not fetch data for subscription/i;
export const isRefusal = (message: string): boolean => REFUSAL.test(message);

/** Most connections remembered: a stream of invented connection ids cannot grow the table without bound. */
const MAX_CONNECTIONS = 4_096;

export class DydxSubscriptionCoverage {
  /** Market → the connection of its newest `subscribed` reply. */
  private readonly marketConnection = new Map<string, string>();
  /** Connection → refusals it received and markets it holds. */
  private readonly connections = new Map<string, { refusals: number; markets: number }>();
  private refusedConnections = 0;

  constructor(private readonly onChange: (refused: boolean) => void = () => {}) {}

  /** True while some connection's refused market has not been subscribed since. */
  get refused(): boolean {
    return this.refusedConnections > 0;
  }

  subscribed(connection: string | undefined, market: string): void {
    if (connection === undefined) return;
    const before = this.refused;
    const previous = this.marketConnection.get(market);
    if (previous === connection) return;
    this.marketConnection.set(market, connection);
    this.connection(connection).markets += 1;
    if (previous !== undefined) {
      const old = this.connections.get(previous);
      if (old && --old.markets === 0) this.forget(previous);
    }
    if (this.refused !== before) this.onChange(this.refused);
  }

  refusal(connection: string | undefined, message: string): void {
    if (!isRefusal(message)) return;
    const before = this.refused;
    const c = this.connection(connection ?? '');
    if (c.refusals++ === 0) this.refusedConnections += 1;
    if (this.refused !== before) this.onChange(this.refused);
  }

  private connection(id: string): { refusals: number; markets: number } {
    let c = this.connections.get(id);
    if (!c) {
      if (this.connections.size >= MAX_CONNECTIONS) this.forget(this.connections.keys().next().value!);
      this.connections.set(id, (c = { refusals: 0, markets: 0 }));
    }
    return c;
  }

  /** A connection whose markets all moved to newer ones is gone, and its refusals with it. */
  private forget(id: string): void {
    const c = this.connections.get(id);
    if (c && c.refusals > 0) this.refusedConnections -= 1;
    this.connections.delete(id);
  }
}
