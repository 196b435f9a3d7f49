import { DECIMAL_SOURCE } from '../fields.js';
import { ARRAY_END, RE_EPOCH_MS, RE_NUMBER, RE_SKIP_STRING, RE_TEXT, STRING_CHAR, decimalAt, endsAt, isShortestText, matchEntries } from '../scan.js';
import { LIQUIDATION_TOPIC_SUFFIX, type HtxLiquidationOrder } from './schema.js';

const HEAD = new RegExp(`^\\{"op":"notify","topic":"(public\\.[^"\\\\\\u0000-\\u001f]*${LIQUIDATION_TOPIC_SUFFIX.replace('.', '\\.')})","ts":${RE_EPOCH_MS},"data":\\[`);
// An amount as HTX writes it (a JSON number) or as some deployments quote it (a decimal string): two captures.
const AMOUNT = `(?:${RE_NUMBER}|"(${DECIMAL_SOURCE})")`;
// HTX's layout of an order (docs "Subscribe Liquidation Order Data"): business_type, pair and contract_type (which
// the schema does not read) and trade_partition as the docs' example writes them, and as some deployments leave them out.
const ORDER = new RegExp(
  `\\{"contract_code":${RE_TEXT},"symbol":${RE_TEXT},"direction":"(buy|sell)","offset":"(close|both)","volume":${AMOUNT},"price":${AMOUNT},` +
    `"created_at":${RE_EPOCH_MS},"amount":${AMOUNT},"trade_turnover":${AMOUNT}` +
    `(?:,"business_type":${RE_SKIP_STRING},"pair":${RE_SKIP_STRING},"contract_type":${RE_SKIP_STRING})?(?:,"trade_partition":${RE_TEXT})?\\}`,
  'y',
);

// The same order as HTX writes it (the docs' example, the simulator): every amount a plain JSON number. No captures
// (each would be a string made): the fields are read where this layout puts them.
const PLAIN = '(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?';
const PLAIN_ORDER = new RegExp(
  `\\{"contract_code":"${STRING_CHAR}+","symbol":"${STRING_CHAR}+","direction":"(?:buy|sell)","offset":"(?:close|both)","volume":${PLAIN},"price":${PLAIN},` +
    `"created_at":(?:0|[1-9][0-9]{0,12}),"amount":${PLAIN},"trade_turnover":${PLAIN}` +
    `(?:,"business_type":${RE_SKIP_STRING},"pair":${RE_SKIP_STRING},"contract_type":${RE_SKIP_STRING})?(?:,"trade_partition":"${STRING_CHAR}+")?\\}`,
  'y',
);
const PARTITION = ',"trade_partition":"';
const B = 0x62;
const C = 0x63;

/** A captured amount as the schema gives it: the number (finite, not negative, or the read fails) or the decimal string. */
function amount(number: string | undefined, text: string | undefined): number | string | undefined {
  if (number === undefined) return text;
  const n = Number(number);
  return n >= 0 && n < Infinity ? n : undefined;
}

/**
 * An order as the fast path hands it over: with the text of volume and price when it is `String(value)`
 * (isShortestText), which the event id needs. The full path's orders never carry these keys (the schema strips them).
 */
export type FastHtxOrder = HtxLiquidationOrder & { volumeText?: string; priceText?: string };

/**
 * A liquidation_orders push in HTX's own layout read without JSON.parse: its topic and orders as `JSON.parse` plus
 * the LiquidationNotify and LiquidationOrder schemas give them, or undefined (declined: the full path reads it).
 * Any layout of HTX's keys and amounts (numbers or decimal strings); its own plain layout is read by readPlainPush.
 */
export function readNotifyFrame(frame: string): { topic: string; data: FastHtxOrder[] } | undefined {
  const head = HEAD.exec(frame);
  if (head === null) return undefined;
  const data: FastHtxOrder[] = [];
  const read = (m: RegExpExecArray): boolean => {
    const volume = amount(m[5], m[6]);
    const price = amount(m[7], m[8]);
    const qty = amount(m[10], m[11]);
    const turnover = amount(m[12], m[13]);
    if (volume === undefined || price === undefined || qty === undefined || turnover === undefined) return false;
    const order: FastHtxOrder = {
      contract_code: m[1]!,
      symbol: m[2]!,
      direction: m[3] as 'buy' | 'sell',
      offset: m[4] as 'close' | 'both',
      volume,
      price,
      created_at: Number(m[9]),
      amount: qty,
      trade_turnover: turnover,
    };
    if (m[14] !== undefined) order.trade_partition = m[14];
    if (m[5] !== undefined && isShortestText(m[5])) order.volumeText = m[5];
    if (m[7] !== undefined && isShortestText(m[7])) order.priceText = m[7];
    data.push(order);
    return true;
  };
  return endsAt(frame, matchEntries(frame, head[0].length, ORDER, read), '}') ? { topic: head[1]!, data } : undefined;
}

/**
 * One order of a push in PLAIN_ORDER's layout where the frame writes it: positions of the text the event needs and
 * the values read from it (`decimalAt`: Number of the text, which JSON.parse gives too). One object per parser,
 * refilled for every order.
 */
export interface PlainOrder {
  /** `<contract_code>","symbol":"<symbol>` from `names` to `namesEnd`; the contract code ends at `codeEnd`. */
  names: number;
  codeEnd: number;
  coin: number;
  namesEnd: number;
  buy: boolean;
  volume: number;
  vol: number;
  volEnd: number;
  price: number;
  pr: number;
  prEnd: number;
  createdAt: number;
  at: number;
  atEnd: number;
  amount: number;
  turnover: number;
  /** trade_partition's value from `partition` to `partitionEnd`; `partition` is -1 without one. */
  partition: number;
  partitionEnd: number;
}

export const plainOrder = (): PlainOrder => ({
  names: 0,
  codeEnd: 0,
  coin: 0,
  namesEnd: 0,
  buy: false,
  volume: 0,
  vol: 0,
  volEnd: 0,
  price: 0,
  pr: 0,
  prEnd: 0,
  createdAt: 0,
  at: 0,
  atEnd: 0,
  amount: 0,
  turnover: 0,
  partition: -1,
  partitionEnd: -1,
});

/** What the parser does with a push in the plain layout as it is read; false from `order` declines the frame. */
export interface PlainPushSink {
  /** The push's topic names its contract (or `*`) from `code` to `codeEnd` of `frame`. */
  begin(frame: string, code: number, codeEnd: number): void;
  order(frame: string, o: PlainOrder): boolean;
}

const PLAIN_HEAD = new RegExp(
  `\\{"op":"notify","topic":"public\\.${STRING_CHAR}*${LIQUIDATION_TOPIC_SUFFIX.replace('.', '\\.')}","ts":(?:0|[1-9][0-9]{0,12}),"data":\\[`,
  'y',
);
const TOPIC_CODE_AT = '{"op":"notify","topic":"public.'.length;
const COMMA = 0x2c;

/**
 * A liquidation_orders push whose every order is in PLAIN_ORDER's layout (HTX's own, the simulator's), read
 * without JSON.parse and without captures: each order handed to the sink where the layout puts its fields. False
 * (declined: the capturing path, then the full path, read it) for anything else.
 */
export function readPlainPush(f: string, sink: PlainPushSink, o: PlainOrder): boolean {
  PLAIN_HEAD.lastIndex = 0;
  if (!PLAIN_HEAD.test(f)) return false;
  // The topic holds no `"`: its code ends where the suffix before the first one starts.
  sink.begin(f, TOPIC_CODE_AT, f.indexOf('"', TOPIC_CODE_AT) - LIQUIDATION_TOPIC_SUFFIX.length);
  let i = PLAIN_HEAD.lastIndex;
  if (f.charCodeAt(i) === ARRAY_END) return endsAt(f, i + 1, '}');
  for (;;) {
    PLAIN_ORDER.lastIndex = i;
    if (!PLAIN_ORDER.test(f)) return false;
    const end = PLAIN_ORDER.lastIndex;
    const cc = i + 18; // after `{"contract_code":"`
    const ccEnd = f.indexOf('"', cc);
    const sym = ccEnd + 12; // after `","symbol":"`
    const symEnd = f.indexOf('"', sym);
    const buy = f.charCodeAt(symEnd + 15) === B; // after `","direction":"`
    const off = symEnd + (buy ? 30 : 31); // after `buy","offset":"`
    const vol = off + (f.charCodeAt(off) === C ? 16 : 15); // after `close","volume":`
    const volEnd = f.indexOf(',', vol);
    const pr = volEnd + 9; // after `,"price":`
    const prEnd = f.indexOf(',', pr);
    const at = prEnd + 14; // after `,"created_at":`
    const atEnd = f.indexOf(',', at);
    const am = atEnd + 10; // after `,"amount":`
    const amEnd = f.indexOf(',', am);
    const tt = amEnd + 18; // after `,"trade_turnover":`
    const comma = f.indexOf(',', tt);
    const ttEnd = comma !== -1 && comma < end ? comma : end - 1;
    o.volume = decimalAt(f, vol, volEnd);
    o.price = decimalAt(f, pr, prEnd);
    o.amount = decimalAt(f, am, amEnd);
    o.turnover = decimalAt(f, tt, ttEnd);
    // The schema's finite amounts (a number of 309 digits is Infinity).
    if (!(o.volume < Infinity && o.price < Infinity && o.amount < Infinity && o.turnover < Infinity)) return false;
    o.names = cc;
    o.codeEnd = ccEnd;
    o.coin = sym;
    o.namesEnd = symEnd;
    o.buy = buy;
    o.vol = vol;
    o.volEnd = volEnd;
    o.pr = pr;
    o.prEnd = prEnd;
    o.at = at;
    o.atEnd = atEnd;
    o.createdAt = decimalAt(f, at, atEnd);
    // A string value holds no `"`, so the partition's key found after trade_turnover is this order's own.
    const partition = f.lastIndexOf(PARTITION, end);
    o.partition = partition >= ttEnd ? partition + PARTITION.length : -1;
    o.partitionEnd = end - 2;
    if (!sink.order(f, o)) return false;
    const c = f.charCodeAt(end);
    if (c === ARRAY_END) return endsAt(f, end + 1, '}');
    if (c !== COMMA) return false;
    i = end + 1;
  }
}
