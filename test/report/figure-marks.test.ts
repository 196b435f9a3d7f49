import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { replay } from '../../src/replay/replay.js';
import { reportMarks } from '../../src/report/marks.js';
import { reportHtml } from '../../src/report/report-files.js';
import { summarize } from '../../src/report/summary.js';
import { figureMark, markWords } from '../../src/schema/events.js';
import { fixture } from '../support/fixtures.js';
import { tempDir, writeRecording } from '../support/recording.js';

const T = 1_760_130_000_000;

/** A sampled venue (Binance: ≥, a lower bound) beside an inferred one (BitMEX: ≈, an estimate). */
async function mixedReplay() {
  const file = await writeRecording(join(tempDir(), 'mixed.ndjson'), [
    { venue: 'binance-usdm', recv: T, frame: fixture('binance-usdm-forceorder-1.json') },
    { venue: 'bitmex', recv: T + 1_000, frame: fixture('bitmex-liquidation-1.json') },
  ]);
  return replay({ files: [file], speed: 'max', log: silentLogger() });
}

describe('≥ for a lower bound, ≈ for an estimate, wherever figures are shown', () => {
  it('the rule: sampled and partial are lower bounds (≥), inferred an estimate (≈), complete unmarked', () => {
    expect((['complete', 'sampled', 'partial', 'inferred'] as const).map(figureMark)).toEqual(['', '≥', '≥', '≈']);
    expect([markWords('≥'), markWords('≈'), markWords('')]).toEqual(['lower bound', 'estimate', '']);
    // A sum with an estimate in it is an estimate; one with lower bounds only is a lower bound.
    const flagged = { lowerBound: true };
    expect(reportMarks({ lowerBound: true, byVenue: { a: flagged, b: flagged } }, { a: 'sampled', b: 'inferred' }, [{ id: 'e1', lowerBound: true, byVenue: { a: flagged } }])).toEqual({
      total: '≈',
      byVenue: { a: '≥', b: '≈' },
      cascades: { e1: '≥' },
    });
    expect(reportMarks({ lowerBound: false, byVenue: { c: { lowerBound: false } } }, { c: 'complete' }, [])).toEqual({ total: '', byVenue: { c: '' }, cascades: {} });
  });

  it('replay report JSON, --summary and the HTML report: BitMEX reads ≈ estimate, Binance ≥ lower bound as before, the sum ≈', async () => {
    const { report, aggregator } = await mixedReplay();
    expect(report.fidelity).toEqual({ 'binance-usdm': 'sampled', bitmex: 'inferred' });
    expect(report.marks).toEqual({ total: '≈', byVenue: { 'binance-usdm': '≥', bitmex: '≈' }, cascades: {} });

    const summary = summarize(report);
    expect(summary).toMatch(/^liquidations: \S+ \(≈ estimate\) in 2 events/m);
    expect(summary).toMatch(/^ {2}binance-usdm .* \(lower bound: the venue samples its stream\)$/m);
    expect(summary).toMatch(/^ {2}bitmex .* \(≈ estimate: inferred from indirect evidence \(the venue page says which\); may over- or under-count\)$/m);

    const minutes = aggregator.minutes.range();
    const page = reportHtml({ report, minutes, openInterest: aggregator.openInterestByMinute(minutes), fidelity: aggregator.fidelity });
    expect(page).toMatch(/<tr><td>binance-usdm<\/td><td>sampled<\/td>.*? ≥<\/td>.*?lower bound \(the venue samples its stream\)/);
    expect(page).toMatch(/<tr><td>bitmex<\/td><td>inferred<\/td>(?:<td>[^<]*<\/td>){2}<td>[^<]* ≈<\/td><td>1<\/td><td>estimate \(inferred from indirect evidence/);
    expect(page).toMatch(/<th>[^<]* ≈<\/th><th>2<\/th><th>estimate<\/th>/);
    expect(page).toContain('<figcaption>Liquidated USD per minute, by venue (lower bound, estimate)</figcaption>');
    expect(page).toMatch(/<text class="lower-bound"[^>]*>≥ lower bound: includes binance-usdm; ≈ estimate: includes bitmex<\/text>/);
    expect(page).toContain('data-name="bitmex ≈"');
  });

  it('a report without marks (made before they existed) is marked from its flags and fidelity', async () => {
    const { report } = await mixedReplay();
    const { marks: _marks, ...old } = report;
    expect(summarize(old as typeof report)).toBe(summarize(report));
  });
});
