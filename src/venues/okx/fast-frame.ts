import { DECIMAL_SOURCE } from '../fields.js';
import { ARRAY_END, OBJECT_END, RE_SKIP_STRING, STRING_CHAR, decimalAt } from '../scan.js';
import { LIQUIDATION_CHANNEL, type ContractInstType, type OkxLiquidationDetail } from './schema.js';

/**
 * OKX's `liquidation-orders` pushes read without JSON.parse when they have exactly the layout OKX's serialiser
 * writes (keys in alphabetical order, no whitespace, no escapes, every value a string). What is accepted is what
 * `JSON.parse` plus the schemas (schema.ts) would accept with the same values; anything else returns false and
 * takes the full path (test/venues/okx-fast-frame.test.ts holds both to the same results).
 */

/** What the parser does with a push as it is read; false from any step declines the frame. */
export interface LiquidationSink {
  /** The push's `arg.instType` (any string: the parser compares each item's with it). */
  begin(instType: string): boolean;
  /** An item's instrument, handed over after its details were read (they come first) and before they are. */
  item(instId: string, instType: ContractInstType): boolean;
  /**
   * One detail of that item, in order: its texts as written, and Number of sz, bkPx and ts (decimalAt: the
   * pattern admits plain decimals only).
   */
  detail(
    posSide: OkxLiquidationDetail['posSide'],
    side: OkxLiquidationDetail['side'],
    sz: string,
    bkPx: string,
    ts: string,
    contracts: number,
    price: number,
    time: number,
  ): boolean;
}

const HEAD = `{"arg":{"channel":"${LIQUIDATION_CHANNEL}","instType":"`;
// Sticky patterns that only test the layout (a capture would be a match array and strings made per detail);
// the fields are then read where the layout puts them.
const PUSH_HEAD = new RegExp(`\\{"arg":\\{"channel":"${LIQUIDATION_CHANNEL}","instType":"${STRING_CHAR}*"\\},"data":\\[`, 'y');
const ITEM_HEAD = '{"details":[';
const DETAIL = new RegExp(
  `\\{"bkLoss":${RE_SKIP_STRING},"bkPx":"${DECIMAL_SOURCE}","ccy":${RE_SKIP_STRING},"posSide":"(?:long|short|net)","side":"(?:buy|sell)","sz":"${DECIMAL_SOURCE}","ts":"[0-9]{1,13}"\\}`,
  'y',
);
const ITEM_TAIL = new RegExp(`\\],"instFamily":${RE_SKIP_STRING},"instId":"${STRING_CHAR}+","instType":"(?:SWAP|FUTURES)","uly":${RE_SKIP_STRING}\\}`, 'y');
const COMMA = 0x2c;
const L = 0x6c;
const N = 0x6e;
const B = 0x62;
const S = 0x53;
/** Where each detail of the item being read starts (reused: nothing allocated per item). */
const details: number[] = [];

/**
 * `{"arg":{"channel":"liquidation-orders","instType":"<type>"},"data":[{"details":[{"bkLoss":"…","bkPx":"<decimal>",
 * "ccy":"…","posSide":"long|short|net","side":"buy|sell","sz":"<decimal>","ts":"<ms>"},…],"instFamily":"…",
 * "instId":"<id>","instType":"SWAP|FUTURES","uly":"…"},…]}`
 */
export function readLiquidationPush(f: string, sink: LiquidationSink): boolean {
  PUSH_HEAD.lastIndex = 0;
  if (!PUSH_HEAD.test(f)) return false;
  let i = PUSH_HEAD.lastIndex;
  if (!sink.begin(f.slice(HEAD.length, i - 11))) return false; // before `"},"data":[`
  if (f.charCodeAt(i) === ARRAY_END) return i + 2 === f.length && f.charCodeAt(i + 1) === OBJECT_END;
  for (;;) {
    if (!f.startsWith(ITEM_HEAD, i)) return false;
    i += ITEM_HEAD.length;
    details.length = 0;
    if (f.charCodeAt(i) !== ARRAY_END)
      for (;;) {
        DETAIL.lastIndex = i;
        if (!DETAIL.test(f)) return false;
        details.push(i);
        i = DETAIL.lastIndex;
        const c = f.charCodeAt(i);
        if (c === ARRAY_END) break;
        if (c !== COMMA) return false;
        i++;
      }
    ITEM_TAIL.lastIndex = i;
    if (!ITEM_TAIL.test(f)) return false;
    const end = ITEM_TAIL.lastIndex;
    const id = f.indexOf('"', i + 16) + 12; // after `],"instFamily":"<family>","instId":"`
    const idEnd = f.indexOf('"', id);
    if (!sink.item(f.slice(id, idEnd), f.charCodeAt(idEnd + 14) === S ? 'SWAP' : 'FUTURES')) return false; // after `","instType":"`
    for (let k = 0; k < details.length; k++) {
      const bkPx = f.indexOf('"', details[k]! + 11) + 10; // after `{"bkLoss":"<loss>","bkPx":"`
      const bkPxEnd = f.indexOf('"', bkPx);
      const pos = f.indexOf('"', bkPxEnd + 9) + 13; // after `","ccy":"<ccy>","posSide":"`
      const c = f.charCodeAt(pos);
      const posSide = c === L ? 'long' : c === N ? 'net' : 'short';
      const side = pos + posSide.length + 10; // after `","side":"`
      const buy = f.charCodeAt(side) === B;
      const sz = side + (buy ? 11 : 12); // after `buy","sz":"`
      const szEnd = f.indexOf('"', sz);
      const ts = szEnd + 8; // after `","ts":"`
      const tsEnd = f.indexOf('"', ts);
      const done = sink.detail(
        posSide,
        buy ? 'buy' : 'sell',
        f.slice(sz, szEnd),
        f.slice(bkPx, bkPxEnd),
        f.slice(ts, tsEnd),
        decimalAt(f, sz, szEnd),
        decimalAt(f, bkPx, bkPxEnd),
        decimalAt(f, ts, tsEnd),
      );
      if (!done) return false;
    }
    const c = f.charCodeAt(end);
    if (c === ARRAY_END) return end + 2 === f.length && f.charCodeAt(end + 1) === OBJECT_END;
    if (c !== COMMA) return false;
    i = end + 1;
  }
}
