import type { ReplayReport } from '../replay/replay.js';
import { LOWER_BOUND_REASON } from '../schema/events.js';
import { usdShort } from './charts.js';

const iso = (ms: number | null) => (ms === null ? '–' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** A few readable lines for a terminal: totals by venue and every cascade episode. */
export function summarize(report: ReplayReport): string {
  const lines = [`liquidations: ${usdShort(report.totals.usd)} in ${report.totals.count} events (${report.input.frames} frames, ${report.input.badFrames} bad)`];
  for (const [venue, t] of Object.entries(report.totals.byVenue)) {
    const fidelity = report.fidelity[venue as keyof typeof report.fidelity];
    lines.push(`  ${venue.padEnd(14)} longs ${usdShort(t.longUsd).padStart(9)}  shorts ${usdShort(t.shortUsd).padStart(9)}  ${fidelity && LOWER_BOUND_REASON[fidelity] ? `(lower bound: ${LOWER_BOUND_REASON[fidelity]})` : fidelity ?? ''}`);
  }
  lines.push(`cascade episodes: ${report.cascades.length}`);
  for (const c of report.cascades) {
    lines.push(
      `  ${c.id}: start ${iso(c.start)}, worst minute ${iso(c.peakMinute)} (${usdShort(c.peakMinuteUsd)}), end ${iso(c.end)}; ` +
        `${usdShort(c.totalUsd)} liquidated, ${(c.longShare * 100).toFixed(1)}% longs, open interest ${c.oiDrawdownPct === null ? 'n/a' : `-${c.oiDrawdownPct.toFixed(1)}%`}, led by ${c.ledBy ?? 'n/a'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
