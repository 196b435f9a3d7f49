import { describe, expect, it } from 'vitest';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { PlainRun } from '../../src/venues/fast-events.js';
import { NO_EVENTS } from '../../src/venues/venue.js';

const event = (over: Partial<LiquidationEvent> = {}): LiquidationEvent => ({
  type: 'liquidation',
  id: 'bitfinex:tBTCF0:USTF0:1',
  venue: 'bitfinex',
  symbol: 'tBTCF0:USTF0',
  base: 'BTC',
  side: 'long',
  price: 100,
  qty: 2,
  notionalUsd: 200,
  eventTime: 1_760_130_279_779,
  receiveTime: 1_760_130_280_000,
  fidelity: 'complete',
  kind: 'liquidation',
  source: 'liq:global',
  ...over,
});

describe('PlainRun: one frame of a plain path', () => {
  it('gives the events pushed, in order, when the scan took the frame', () => {
    const run = new PlainRun();
    run.begin('frame one', 1_760_130_280_000);
    expect(run.frame).toBe('frame one');
    expect(run.receiveTime).toBe(1_760_130_280_000);
    const a = event({ id: 'a' });
    const b = event({ id: 'b' });
    expect(run.push(a, true)).toBe(true);
    expect(run.push(b, true)).toBe(true);
    expect(run.end(true)).toEqual({ ok: true, events: [a, b] });
    expect(run.frame).toBe('');
  });

  it('a frame without events is NO_EVENTS; a declined frame undefined, whatever was pushed', () => {
    const run = new PlainRun();
    run.begin('x', 1);
    expect(run.end(true)).toBe(NO_EVENTS);
    run.begin('y', 1);
    run.push(event(), true);
    expect(run.end(false)).toBeUndefined();
  });

  it('each frame starts empty: the events of the frame before are not handed out again', () => {
    const run = new PlainRun();
    run.begin('x', 1);
    run.push(event({ id: 'first' }), true);
    const first = run.end(true);
    run.begin('y', 2);
    run.push(event({ id: 'second' }), true);
    const second = run.end(true);
    expect(first).toEqual({ ok: true, events: [event({ id: 'first' })] });
    expect(second).toEqual({ ok: true, events: [event({ id: 'second' })] });
  });

  it('refuses what the event check refuses: a receive time that is no epoch, a price or size not positive and finite, a name not plainly valid', () => {
    const run = new PlainRun();
    run.begin('x', -1);
    expect(run.push(event({ receiveTime: -1 }), true)).toBe(false);
    run.begin('x', 1.5);
    expect(run.push(event({ receiveTime: 1.5 }), true)).toBe(false);
    run.begin('x', 1);
    expect(run.push(event({ receiveTime: 1, price: 0 }), true)).toBe(false);
    expect(run.push(event({ receiveTime: 1, qty: Infinity }), true)).toBe(false);
    expect(run.push(event({ receiveTime: 1, notionalUsd: Infinity }), true)).toBe(false);
    // Not settled as plainly named: the full check decides (this name passes it).
    expect(run.push(event({ receiveTime: 1 }), false)).toBe(true);
    expect(run.push(event({ receiveTime: 1, symbol: '' }), false)).toBe(false);
    expect(run.end(true)).toEqual({ ok: true, events: [event({ receiveTime: 1 })] });
  });
});
