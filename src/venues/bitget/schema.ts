import { z } from 'zod';
import { DecimalString, EpochMs } from '../fields.js';

/**
 * Bitget UTA (v3) public WebSocket raw shapes (docs https://www.bitget.com/api-doc/uta/websocket/public/Liquidation-Channel).
 * Bitget writes prices, amounts and row times as strings; the push envelope's `ts` is a number.
 */

export const LIQUIDATION_TOPIC = 'liquidation';
/** The product types the channel takes (docs: request parameter `instType`), each one platform-wide. */
export const INST_TYPES = ['usdt-futures', 'coin-futures', 'usdc-futures'] as const;
export const InstType = z.enum(INST_TYPES);
export type InstType = z.infer<typeof InstType>;

/** Epoch milliseconds as Bitget writes them in rows: a string of at most 13 digits ("1736371332162"). */
export const EpochMsString = z.string().regex(/^[0-9]{1,13}$/, 'expected epoch milliseconds as a string of at most 13 digits');

export const LiquidationRow = z.object({
  symbol: z.string().min(1),
  /** Docs: "Position side: `buy` Long position liquidation, `sell` Short position liquidation". */
  side: z.enum(['buy', 'sell']),
  /** Docs: "Liquidation price". */
  price: DecimalString,
  /** Docs: "Liquidation amount. Unit: quote coin." (USDT, USDC, or USD on coin-margined contracts). */
  amount: DecimalString,
  /** Docs: "Liquidation time (Unix millisecond timestamp)". */
  ts: EpochMsString,
});
export type BitgetLiquidationRow = z.infer<typeof LiquidationRow>;

export const LiquidationPush = z.object({
  arg: z.object({ instType: InstType, topic: z.literal(LIQUIDATION_TOPIC) }),
  /** Docs: `snapshot` full data, `update` incremental data; both carry liquidations. */
  action: z.enum(['snapshot', 'update']),
  /** Each row judged on its own (LiquidationRow), so one bad row costs only itself. */
  data: z.array(z.unknown()),
  ts: EpochMs.optional(),
});
export type BitgetLiquidationPush = z.infer<typeof LiquidationPush>;

/** `{"event":"subscribe"|"unsubscribe"|"error", "arg":…, "code":…, "msg":…, "connId":…}` (docs: response parameters). */
export const EventReply = z.object({
  event: z.string(),
  // The UTA table says String; Bitget's v2 error examples write a number: either is read as text.
  code: z.union([z.string(), z.number()]).optional(),
  msg: z.string().optional(),
});
