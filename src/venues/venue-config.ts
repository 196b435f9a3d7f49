import { z } from 'zod';

/** The config keys every venue block has (`venues.<id>` in the config). */
const VENUE_COMMON = {
  /** Every registered venue is on unless its block says `enabled: false`. */
  enabled: z.boolean().default(true),
  /** WebSocket endpoint; defaults to the venue's public production endpoint. */
  url: z.url().optional(),
  /** REST base URL override (discovery, open-interest polling). */
  restUrl: z.url().optional(),
  /** Fetch markets and contract sizes at start (REST). Off: built-in defaults (see docs/mapping.md). */
  discover: z.boolean().default(true),
  /** Open-interest polling interval where the venue has no stream (Binance); 0 disables. */
  oiPollMs: z.number().int().min(0).default(60_000),
  /** Exactly the markets to watch, with no new-listing watch; discovery still supplies metadata (also what open-interest polling covers). */
  symbols: z.array(z.string().min(1)).optional(),
  /** Re-read the market list this often and subscribe to new listings (Bybit), or the liquidator vault list (Hyperliquid); 0 disables. */
  refreshMs: z.number().int().min(0).default(600_000),
};

const VenueCommonConfig = z.strictObject(VENUE_COMMON);

/** One venue's config block after validation: the common keys plus whatever its own schema adds. */
export type VenueConfig = z.infer<typeof VenueCommonConfig> & Record<string, unknown>;

/**
 * The strict schema of a venue block with `extra` keys of the venue's own. A module that needs
 * cross-field checks refines the result (Hyperliquid: `source: node` needs `nodeDir`).
 */
export const venueConfig = <S extends z.ZodRawShape>(extra: S = {} as S) => z.strictObject({ ...VENUE_COMMON, ...extra });
