import { figureMark, type Fidelity, type FigureMark } from '../schema/events.js';

/**
 * How the report's figures are marked for people (docs/mapping.md, "Fidelity and lower bounds"): `≥` a lower
 * bound (sampled or partial sources), `≈` an estimate (inferred ones), `''` exact. The `lowerBound` flags say
 * "not complete"; these marks say which claim the figure makes. A sum with an estimate in it is an estimate.
 */
export interface ReportMarks {
  total: FigureMark;
  byVenue: Record<string, FigureMark>;
  /** By cascade episode id. */
  cascades: Record<string, FigureMark>;
}

type Flagged = { lowerBound: boolean };

/** The mark of a venue's figure: none unless it is flagged; `≥` when its fidelity is unknown. */
const venueMark = (fidelity: Record<string, Fidelity | undefined>, venue: string, t: Flagged | undefined): FigureMark =>
  t?.lowerBound ? figureMark(fidelity[venue]) || '≥' : '';

/** The mark of a sum of marked parts, flagged as a whole or not. */
function sumMark(flagged: boolean, parts: FigureMark[]): FigureMark {
  if (!flagged) return '';
  return parts.includes('≈') ? '≈' : '≥';
}

export function reportMarks(
  totals: Flagged & { byVenue: Record<string, Flagged> },
  fidelity: Record<string, Fidelity | undefined>,
  cascades: (Flagged & { id: string; byVenue: Record<string, Flagged> })[],
): ReportMarks {
  const byVenue = Object.fromEntries(Object.entries(totals.byVenue).map(([v, t]) => [v, venueMark(fidelity, v, t)]));
  const ofEpisode = (c: (typeof cascades)[number]) => sumMark(c.lowerBound, Object.entries(c.byVenue).map(([v, t]) => venueMark(fidelity, v, t)));
  return { total: sumMark(totals.lowerBound, Object.values(byVenue)), byVenue, cascades: Object.fromEntries(cascades.map((c) => [c.id, ofEpisode(c)])) };
}
