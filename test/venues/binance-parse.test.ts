import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBinanceParser } from '../../src/venues/binance/parse.js';

const fixture = (name: string) => readFileSync(new URL(`../../../shared/fixtures/${name}`, import.meta.url), 'utf8').trim();

describe('binance parse', () => {
  it('usdm sample', () => {
    const p = createBinanceParser({ venue: 'binance-usdm' });
    expect(p(fixture('binance-usdm-forceorder-1.json'), 1)).toMatchObject({ ok: true });
  });
});
