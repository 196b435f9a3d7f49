import type { LiquidationEvent, Side } from '../../schema/events.js';
import { DECIMAL_SOURCE, isMarketName } from '../fields.js';
import { ARRAY_END, OBJECT_END, RE_SKIP_STRING, STRING_CHAR, decimalAt } from '../scan.js';
import { NO_EVENTS, plainlyValid, type ParseResult } from '../venue.js';
import { ADL_DIR, closedPositionSide, hyperliquidBase, sameAddress } from './fill.js';
import { NODE_FILLS_SOURCE, parseNodeTime } from './node-time.js';

/**
 * A node block line made of marked fills only (every fill carries a `liquidation` object: a cascade's blocks, and
 * every block the simulator writes) read without JSON.parse, in the layout the node writes (its key order, no
 * whitespace, no escapes). Each fill is tested against that layout, checked as `asFill` and fillPairsToResult
 * check it (decimals > 0, a market name) and turned into its event as fillToEvent does. Undefined, and the
 * line goes on to scanNodeBlock or JSON.parse, at anything else: an unmarked fill (scanNodeBlock steps over those
 * faster), another layout, a fill or event either of those would refuse (the full path dead-letters that fill
 * alone). test/venues/hyperliquid-fast-block.test.ts holds it to the full path's results.
 */

const INT = '(?:0|[1-9][0-9]{0,14})'; // a safe integer
const EPOCH = '(?:0|[1-9][0-9]{0,12})'; // EpochMs: at most 13 digits
const TEXT = `"${STRING_CHAR}+"`;
const HEAD = new RegExp(`\\{"local_time":${RE_SKIP_STRING},"block_time":${RE_SKIP_STRING},"block_number":${INT},"events":\\[`, 'y');
// Only tested (a capture would be a match array and strings made per fill); the fields are read where the layout puts them.
const FILL = new RegExp(
  `\\[${TEXT},\\{"coin":${TEXT},"px":"${DECIMAL_SOURCE}","sz":"${DECIMAL_SOURCE}","side":"[AB]","time":${EPOCH},"startPosition":"-?${DECIMAL_SOURCE}",` +
    `"dir":${RE_SKIP_STRING},"closedPnl":${RE_SKIP_STRING},"hash":${RE_SKIP_STRING},"oid":${INT},"crossed":(?:true|false),"fee":${RE_SKIP_STRING},"tid":${INT}` +
    // The node writes a `cloid` when the order had one, and a `twapId` (null but for TWAP orders): the schema reads neither.
    `(?:,"cloid":(?:${RE_SKIP_STRING}|null))?,"liquidation":\\{"liquidatedUser":${TEXT},"markPx":"${DECIMAL_SOURCE}","method":"(?:market|backstop)"\\},"feeToken":${RE_SKIP_STRING}` +
    `(?:,"twapId":(?:null|${INT}))?\\}\\]`,
  'y',
);
const COMMA = 0x2c;
const MINUS = 0x2d;
const A = 0x41;
const B = 0x62;
const T = 0x74;
const LIQUIDATED = ',"liquidation":{"liquidatedUser":"';
const MAX_COINS = 4_096;

const positive = (x: number): boolean => x > 0 && x < Infinity;

/**
 * Whether the `n` characters at `a` and at `b` are the same but for the case of ASCII letters (what sameAddress,
 * toLowerCase on both, says of ASCII text); undefined when a pair that differs is not ASCII.
 */
function asciiSameCase(f: string, a: number, b: number, n: number): boolean | undefined {
  for (let k = 0; k < n; k++) {
    let x = f.charCodeAt(a + k);
    let y = f.charCodeAt(b + k);
    if (x === y) continue;
    if (x > 0x7f || y > 0x7f) return undefined;
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/**
 * Reads one marked fill in the node's layout at `i` (its `[`) into its event, pushed on `events` when the fill
 * counts (fillToEvent's rules); returns the index past the fill's `]`, or -1 when the fill is not in that layout
 * or is one the full path would dead-letter or refuse (it is then left to the caller's full path).
 */
export type MarkedFillReader = (f: string, i: number, receiveTime: number, vaults: ReadonlySet<string>, events: LiquidationEvent[]) => number;

/** A marked-fill reader with its own cache of coins (base, market name). */
export function createMarkedFillReader(): MarkedFillReader {
  const coins = new Map<string, string | null>();
  // The base of a coin that is a market name, or null (asked once per coin: a block names a few coins many times).
  const baseOf = (coin: string): string | null => {
    let base = coins.get(coin);
    if (base === undefined) {
      base = isMarketName(coin) ? hyperliquidBase(coin) : null;
      if (coins.size < MAX_COINS) coins.set(coin, base);
    }
    return base;
  };

  // `vaults.has(account)` without hashing the account (a new string per fill): a few vaults are compared one by one.
  let vaultSet: ReadonlySet<string> | undefined;
  let vaultList: string[] = [];
  const isVault = (vaults: ReadonlySet<string>, account: string): boolean => {
    if (vaults.size > 8) return vaults.has(account);
    if (vaults !== vaultSet) vaultList = [...(vaultSet = vaults)];
    // Equal length and prefix: `===` on two strings made per fill cost ≈ 3× this (measured apart, 2026-12-05).
    for (const v of vaultList) if (v.length === account.length && account.startsWith(v)) return true;
    return false;
  };

  let lastCoin = '';
  let lastBase = '';
  return (f, i, receiveTime, vaults, events) => {
    FILL.lastIndex = i;
    if (!FILL.test(f)) return -1;
    const end = FILL.lastIndex;
    const userEnd = f.indexOf('"', i + 2);
    const coin = userEnd + 11; // after `",{"coin":"`
    const coinEnd = f.indexOf('"', coin);
    const px = coinEnd + 8; // after `","px":"`
    const pxEnd = f.indexOf('"', px);
    const sz = pxEnd + 8; // after `","sz":"`
    const szEnd = f.indexOf('"', sz);
    const sideAt = szEnd + 10; // after `","side":"`
    const time = sideAt + 10; // after `A","time":`
    const timeEnd = f.indexOf(',', time);
    const start = timeEnd + 18; // after `,"startPosition":"`
    const startEnd = f.indexOf('"', start);
    const dir = startEnd + 9; // after `","dir":"`
    const dirEnd = f.indexOf('"', dir);
    const pnlEnd = f.indexOf('"', dirEnd + 15); // after `","closedPnl":"`
    const hashEnd = f.indexOf('"', pnlEnd + 10); // after `","hash":"`
    const oidEnd = f.indexOf(',', hashEnd + 8); // after `","oid":`
    const feeEnd = f.indexOf('"', oidEnd + (f.charCodeAt(oidEnd + 11) === T ? 23 : 24)); // after `,"crossed":true,"fee":"`
    const tid = feeEnd + 8; // after `","tid":`
    const tidEnd = f.indexOf(',', tid);
    // After `tid` or the `cloid` (a string without quotes): the first such text is the fill's own object.
    const liquidated = f.indexOf(LIQUIDATED, tidEnd) + LIQUIDATED.length;
    const liquidatedEnd = f.indexOf('"', liquidated);
    const mark = liquidatedEnd + 12; // after `","markPx":"`
    const markEnd = f.indexOf('"', mark);
    const backstop = f.charCodeAt(markEnd + 12) === B; // after `","method":"`
    const price = decimalAt(f, px, pxEnd);
    const qty = decimalAt(f, sz, szEnd);
    // asFill's refinements (px, sz and markPx finite and > 0) and fillPairsToResult's market name.
    if (!positive(price) || !positive(qty) || !positive(decimalAt(f, mark, markEnd))) return -1;
    // A block names a few coins many times: the last one's string and base are kept.
    if (coinEnd - coin !== lastCoin.length || !f.startsWith(lastCoin, coin)) {
      const named = f.slice(coin, coinEnd);
      const base = baseOf(named);
      if (base === null) return -1;
      lastCoin = named;
      lastBase = base;
    }
    const symbol = lastCoin;
    const base = lastBase;
    const adl = dirEnd - dir === ADL_DIR.length && f.startsWith(ADL_DIR, dir);
    // fillToEvent's isCountedFill: an ADL, or the liquidated account's own fill (sameAddress, asked only when
    // the two differ in more than the case of ASCII letters).
    const user = i + 2;
    const userText = f.slice(user, userEnd);
    // The same text (the common case) by startsWith; otherwise compared letter by letter.
    let own =
      liquidatedEnd - liquidated === userEnd - user ? f.startsWith(userText, liquidated) || asciiSameCase(f, user, liquidated, userEnd - user) : false;
    if (own === undefined) own = sameAddress(userText, f.slice(liquidated, liquidatedEnd));
    if (adl || own) {
      const account = userText.toLowerCase();
      const kind = adl ? 'adl' : isVault(vaults, account) ? 'vault' : backstop ? 'backstop' : 'liquidation';
      // closedPositionSide: the sign of startPosition when it has one, else its rules on dir and side.
      const held = decimalAt(f, f.charCodeAt(start) === MINUS ? start + 1 : start, startEnd);
      const side: Side =
        held > 0
          ? f.charCodeAt(start) === MINUS
            ? 'short'
            : 'long'
          : closedPositionSide({ startPosition: f.slice(start, startEnd), dir: f.slice(dir, dirEnd), side: f.charCodeAt(sideAt) === A ? 'A' : 'B' });
      const event: LiquidationEvent = {
        type: 'liquidation',
        // fillEventId's text, built flat.
        id: ['hyperliquid', f.slice(tid, tidEnd), account].join(':'),
        venue: 'hyperliquid',
        symbol,
        base,
        side,
        price,
        qty,
        notionalUsd: price * qty,
        eventTime: decimalAt(f, time, timeEnd),
        receiveTime,
        fidelity: 'complete',
        kind,
        source: NODE_FILLS_SOURCE,
      };
      // An event the check refuses is dead-lettered by the full path.
      if (!plainlyValid(event)) return -1;
      events.push(event);
    }
    return end;
  };
}

/** A reader of whole blocks of marked fills, with its own cache of coins (base, market name) for one parser. */
export function createBlockReader(): (line: string, vaults: ReadonlySet<string>) => ParseResult | undefined {
  const readFill = createMarkedFillReader();
  return (f, vaults) => {
    HEAD.lastIndex = 0;
    if (!HEAD.test(f)) return undefined;
    const receiveTime = parseNodeTime(f.slice(15, f.indexOf('"', 15))); // after `{"local_time":"`
    if (receiveTime === undefined) return undefined;
    let i = HEAD.lastIndex;
    const events: LiquidationEvent[] = [];
    if (f.charCodeAt(i) !== ARRAY_END)
      for (;;) {
        const end = readFill(f, i, receiveTime, vaults, events);
        if (end < 0) return undefined;
        const c = f.charCodeAt(end);
        i = end + 1;
        if (c === ARRAY_END) break;
        if (c !== COMMA) return undefined;
      }
    else i++;
    if (i + 1 !== f.length || f.charCodeAt(i) !== OBJECT_END) return undefined;
    return events.length === 0 ? NO_EVENTS : { ok: true, events };
  };
}
