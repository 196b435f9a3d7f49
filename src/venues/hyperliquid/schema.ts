import { z } from 'zod';
import { DecimalString, EpochMs, SignedDecimalString, decimalValue } from '../fields.js';

/** Hyperliquid's frames and REST answers as they arrive, before any mapping. */

/** Prices and sizes arrive as decimal strings; validated here (finite, > 0) so that the mapper can trust them. */
export const isPositiveDecimal = (s: string): boolean => (decimalValue(s) ?? 0) > 0;
export const PositiveDecimal = DecimalString.refine(isPositiveDecimal, 'expected a finite decimal > 0');

export const FillLiquidation = z.object({
  liquidatedUser: z.string().min(1),
  markPx: PositiveDecimal,
  // Strict on purpose: a new method would have unknown semantics and should reach the dead-letter topic.
  method: z.enum(['market', 'backstop']),
});
export type FillLiquidation = z.infer<typeof FillLiquidation>;

/** The fill object shared by `userFills`, fill feeds and node fills; only what the mapper reads is required. */
export const Fill = z
  .object({
    coin: z.string().min(1),
    px: PositiveDecimal,
    sz: PositiveDecimal,
    side: z.enum(['A', 'B']),
    time: EpochMs,
    startPosition: SignedDecimalString.optional(),
    dir: z.string(),
    tid: z.number().int().nonnegative(),
    liquidation: FillLiquidation.optional(),
  })
  .loose();
export type Fill = z.infer<typeof Fill>;

/** Public `trades` item; `users` is [buyer, seller] and `side` the taker's side (B buy, A sell). */
export const WsTrade = z
  .object({
    coin: z.string().min(1),
    side: z.enum(['A', 'B']),
    px: PositiveDecimal,
    sz: PositiveDecimal,
    time: EpochMs,
    tid: z.number().int().nonnegative(),
    users: z.tuple([z.string().min(1), z.string().min(1)]),
  })
  .loose();

export const ActiveAssetCtx = z.object({
  coin: z.string().min(1),
  ctx: z.object({ markPx: PositiveDecimal, openInterest: DecimalString }).loose(),
});

export const FillItem = z.union([z.tuple([z.string().min(1), z.unknown()]), z.object({ user: z.string().min(1), fill: z.unknown() })]);
/** A fill feed's items, each judged on its own (FillItem), so one bad item costs only itself. */
export const FillItems = z.array(z.unknown());

/** `POST /info {"type":"metaAndAssetCtxs"}` → `[meta, ctxs]`; `ctxs[i]` belongs to `meta.universe[i]`. */
export const MetaAndAssetCtxs = z.tuple([
  z.object({ universe: z.array(z.object({ name: z.string().min(1), isDelisted: z.boolean().optional() }).loose()) }).loose(),
  z.array(z.object({ markPx: SignedDecimalString.nullable(), openInterest: SignedDecimalString }).loose()),
]);
export type MetaAndAssetCtxs = z.infer<typeof MetaAndAssetCtxs>;

/** `{"type":"perpDexs"}`: the main dex (null) first, then each builder-deployed (HIP-3) dex by name. */
export const PerpDexs = z.array(z.union([z.null(), z.object({ name: z.string().regex(/^[a-z0-9]{1,16}$/i) }).loose()]));

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address of 40 hex digits');

/** `POST /info {"type":"vaultDetails","vaultAddress":…}`: only what is read here. */
export const VaultDetails = z
  .object({
    name: z.string(),
    vaultAddress: Address,
    relationship: z
      .object({ type: z.string(), data: z.object({ childAddresses: z.array(Address).optional() }).loose().optional() })
      .loose()
      .optional(),
  })
  .loose();
