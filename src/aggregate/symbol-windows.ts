import type { VenueId } from '../schema/events.js';
import { WindowSet } from './windows.js';

interface Entry {
  windows: WindowSet;
  lastUsed: number;
}

/**
 * Windows per venue and symbol for at most `capacity` symbols; adding a symbol beyond that evicts
 * the least recently updated one. Kept per venue so the hot path builds no composite key, and
 * recency is a counter rather than Map re-insertion, so an update is one lookup.
 */
export class SymbolWindows {
  private readonly byVenue = new Map<VenueId, Map<string, Entry>>();
  private size = 0;
  private tick = 0;

  constructor(private readonly capacity: number) {}

  /** Adds to the symbol's windows; false when the event is older than the longest window. */
  add(venue: VenueId, symbol: string, timeMs: number, units: number): boolean {
    let symbols = this.byVenue.get(venue);
    if (!symbols) this.byVenue.set(venue, (symbols = new Map()));
    let entry = symbols.get(symbol);
    if (!entry) {
      if (this.size >= this.capacity) this.evictLeastRecent();
      symbols.set(symbol, (entry = { windows: new WindowSet(), lastUsed: 0 }));
      this.size += 1;
    }
    entry.lastUsed = ++this.tick;
    return entry.windows.add(timeMs, units);
  }

  *entries(): Generator<{ venue: VenueId; symbol: string; windows: WindowSet }> {
    for (const [venue, symbols] of this.byVenue) for (const [symbol, e] of symbols) yield { venue, symbol, windows: e.windows };
  }

  /** Linear in the capacity, and only when a new symbol arrives at capacity. */
  private evictLeastRecent(): void {
    let oldest: { symbols: Map<string, Entry>; symbol: string; lastUsed: number } | undefined;
    for (const symbols of this.byVenue.values())
      for (const [symbol, e] of symbols) if (!oldest || e.lastUsed < oldest.lastUsed) oldest = { symbols, symbol, lastUsed: e.lastUsed };
    if (oldest) {
      oldest.symbols.delete(oldest.symbol);
      this.size -= 1;
    }
  }
}
