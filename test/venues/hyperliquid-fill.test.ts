import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent } from '../../src/schema/events.js';
import { ADL_DIR, closedPositionSide, fillToEvent, hyperliquidBase } from '../../src/venues/hyperliquid/fill.js';
import { Fill } from '../../src/venues/hyperliquid/schema.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8').trim();
const fillFixture = (name: string): Fill => Fill.parse(JSON.parse(fx(name)));

const RECV = 1_800_000_000_000;
const ctx = { receiveTime: RECV, fidelity: 'complete', source: 'fills' } as const;

describe('fillToEvent', () => {
  const backstop = fillFixture('hyperliquid-fill-backstop-1.json');
  const liquidated = backstop.liquidation!.liquidatedUser;

  it('backstop fixture, user is the liquidatedUser: one backstop event, short closed (startPosition < 0)', () => {
    const event = fillToEvent(liquidated, backstop, ctx);
    expect(event).toEqual({
      type: 'liquidation',
      id: 'hyperliquid:669583051366496:0x000000000000000000000000000000000000000b',
      venue: 'hyperliquid',
      symbol: 'BTC',
      base: 'BTC',
      side: 'short',
      price: 86006,
      qty: 0.07905,
      notionalUsd: 86006 * 0.07905,
      eventTime: 1791280942711,
      receiveTime: RECV,
      fidelity: 'complete',
      kind: 'backstop',
      source: 'fills',
    });
    expect(LiquidationEvent.parse(event)).toEqual(event);
  });

  it('backstop fixture, user is not the liquidatedUser: nothing (the counterparty carries the same object)', () => {
    expect(fillToEvent('0x2e3d94f0562703b25c83308a05046ddaf9a8dd14', backstop, ctx)).toBeUndefined();
  });

  it('matches the liquidatedUser without regard to case', () => {
    const upper = fillToEvent('0x000000000000000000000000000000000000000B', backstop, ctx);
    expect(upper?.id).toBe('hyperliquid:669583051366496:0x000000000000000000000000000000000000000b');
  });

  it('HIP-3 counterparty fixture: nothing for the counterparty; for the liquidated user the full xyz:CRWV symbol and base CRWV', () => {
    const crwv = fillFixture('hyperliquid-fill-hip3-counterparty-1.json');
    expect(fillToEvent('0x1111111111111111111111111111111111111111', crwv, ctx)).toBeUndefined();
    // The liquidated account's own side of that trade: the makers sold (A), so it bought to close a short.
    const own = { ...crwv, side: 'B' as const, startPosition: '-2.47', dir: 'Close Short' };
    expect(fillToEvent('0xbb8b801eeddaa7061ae171041ec77516313f2921', own, ctx)).toEqual({
      type: 'liquidation',
      id: 'hyperliquid:711626751774561:0xbb8b801eeddaa7061ae171041ec77516313f2921',
      venue: 'hyperliquid',
      symbol: 'xyz:CRWV',
      base: 'CRWV',
      side: 'short',
      price: 116.86,
      qty: 2.47,
      notionalUsd: 116.86 * 2.47,
      eventTime: 1786628572099,
      receiveTime: RECV,
      fidelity: 'complete',
      kind: 'liquidation',
      source: 'fills',
    });
  });

  it('kPEPE: symbol kPEPE, base 1000PEPE; px is per 1,000 PEPE and sz in thousands, so px × sz is already USD', () => {
    const user = '0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
    const kpepe: Fill = {
      coin: 'kPEPE',
      px: '0.010503',
      sz: '125000',
      side: 'A',
      time: 1760130963000,
      startPosition: '300000',
      dir: 'Liquidated Cross Long',
      tid: 123456789,
      liquidation: { liquidatedUser: user, markPx: '0.0105', method: 'market' },
    };
    expect(fillToEvent(user, kpepe, ctx)).toEqual({
      type: 'liquidation',
      id: `hyperliquid:123456789:${user}`,
      venue: 'hyperliquid',
      symbol: 'kPEPE',
      base: '1000PEPE',
      side: 'long',
      price: 0.010503,
      qty: 125000,
      notionalUsd: 0.010503 * 125000,
      eventTime: 1760130963000,
      receiveTime: RECV,
      fidelity: 'complete',
      kind: 'liquidation',
      source: 'fills',
    });
  });

  it('ADL: dir "Auto-Deleveraging" is kind adl even though the fill names another account as liquidatedUser', () => {
    // Shape of the ADL fill in the 10 Oct 2025 node archive (docs/venues/hyperliquid.md, "ADL marker").
    const user = '0xe92d2041199b18f611b137457f3acee8bedb22d3';
    const adl: Fill = {
      coin: 'AVAX',
      px: '22.075',
      sz: '28.53',
      side: 'B',
      time: 1760130964831,
      startPosition: '-28.53',
      dir: ADL_DIR,
      tid: 771334864158847,
      liquidation: { liquidatedUser: '0x2e3d94f0562703b25c83308a05046ddaf9a8dd14', markPx: '22.025', method: 'backstop' },
    };
    expect(fillToEvent(user, adl, ctx)).toEqual({
      type: 'liquidation',
      id: `hyperliquid:771334864158847:${user}`,
      venue: 'hyperliquid',
      symbol: 'AVAX',
      base: 'AVAX',
      side: 'short',
      price: 22.075,
      qty: 28.53,
      notionalUsd: 22.075 * 28.53,
      eventTime: 1760130964831,
      receiveTime: RECV,
      fidelity: 'complete',
      kind: 'adl',
      source: 'fills',
    });
  });

  it('an ordinary fill is nothing', () => {
    const { liquidation: _dropped, ...plain } = backstop;
    expect(fillToEvent(liquidated, plain, ctx)).toBeUndefined();
  });
});

describe('closedPositionSide', () => {
  it('startPosition sign first, then a one-sided dir, then the fill side', () => {
    expect(closedPositionSide({ startPosition: '1.5', dir: 'Close Short', side: 'B' })).toBe('long');
    expect(closedPositionSide({ startPosition: '-1.5', dir: 'Close Long', side: 'A' })).toBe('short');
    expect(closedPositionSide({ startPosition: '0.0', dir: 'Liquidated Isolated Short', side: 'A' })).toBe('short');
    expect(closedPositionSide({ dir: 'Close Long', side: 'B' })).toBe('long');
    expect(closedPositionSide({ dir: 'Long > Short', side: 'A' })).toBe('long');
    expect(closedPositionSide({ dir: ADL_DIR, side: 'B' })).toBe('short');
  });
});

describe('hyperliquidBase', () => {
  it('drops a dex prefix and writes k coins as 1000 units', () => {
    expect(hyperliquidBase('BTC')).toBe('BTC');
    expect(hyperliquidBase('xyz:CRWV')).toBe('CRWV');
    expect(hyperliquidBase('kPEPE')).toBe('1000PEPE');
    expect(hyperliquidBase('kBONK')).toBe('1000BONK');
    expect(hyperliquidBase('KAITO')).toBe('KAITO');
  });
});
