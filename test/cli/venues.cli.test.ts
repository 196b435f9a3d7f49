import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('liqstream venues', () => {
  it('marks each venue by the claim its figures make: ≥ lower bound (sampled), ≈ estimate (inferred), nothing when complete', async () => {
    const r = await runCli(['venues']);
    expect(r.code).toBe(0);
    const line = (venue: string) => r.stdout.split('\n').find((l) => l.startsWith(`${venue} `)) ?? '';
    expect(line('okx')).toMatch(/^okx +sampled +≥ /);
    expect(line('bitmex')).toMatch(/^bitmex +inferred +≈ /);
    expect(line('hyperliquid')).toMatch(/^hyperliquid +inferred +≈ /);
    expect(line('bybit-linear')).toMatch(/^bybit-linear +complete {4}\S/);
  });
});
