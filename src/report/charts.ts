/** Minimal server-side SVG charts: the report must be one self-contained file with no scripts to fetch. */

export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface ChartSpec {
  title: string;
  xs: number[]; // minute start, ms
  series: Series[];
  kind: 'stacked' | 'lines';
  /** Shaded intervals (cascade episodes), ms. */
  bands: { from: number; to: number; label: string }[];
  yFormat?: (v: number) => string;
  /** The y axis's title (its unit). */
  yTitle: string;
  /** Lines only: start the y axis at 0 (a cumulative series) instead of just below the lowest value. */
  fromZero?: boolean;
  /** Set when some of what is drawn is a lower bound: said in the legend, so a chart is never read as complete. */
  lowerBound?: string;
  /** Set when some of what is drawn is an estimate (inferred liquidations): said in the legend as well. */
  estimate?: string;
}

const W = 1100;
const H = 280;
const PAD = { l: 84, r: 10, t: 28, b: 44 };
const MINUTE = 60_000;
/** Tick steps for the time axis, in minutes: each a whole number of UTC minutes, hours or days. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

/** A round step (1, 2 or 5 × 10^k) that cuts `span` into at most `max` parts. */
export function niceStep(span: number, max: number): number {
  const raw = span / Math.max(1, max);
  const mag = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
}

/** Tick times on whole UTC multiples of a step chosen so that at most `max` fit in [from, to]. */
export function timeTicks(from: number, to: number, max = 8): number[] {
  const spanMin = Math.max(1, (to - from) / MINUTE);
  // A span of k steps can show k + 1 ticks.
  const step = (TIME_STEPS.find((s) => spanMin / s <= max - 1) ?? Math.ceil(spanMin / (max - 1) / 1440) * 1440) * MINUTE;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export const usdShort = (v: number): string => {
  const a = Math.abs(v);
  if (a >= 1e9) return `$${(v / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `$${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `$${(v / 1e3).toFixed(1)}k`;
  return `$${v.toFixed(0)}`;
};

// A tick at midnight says the date, so a chart over several days is read right.
const tickLabel = (ms: number) => (ms % 86_400_000 === 0 ? new Date(ms).toISOString().slice(5, 10) : new Date(ms).toISOString().slice(11, 16));

export function chartSvg(spec: ChartSpec): string {
  const n = spec.xs.length;
  const fmt = spec.yFormat ?? usdShort;
  const x0 = spec.xs[0] ?? 0;
  const x1 = (spec.xs[n - 1] ?? x0) + 60_000;
  const sx = (t: number) => PAD.l + ((t - x0) / Math.max(1, x1 - x0)) * (W - PAD.l - PAD.r);
  const tops = spec.xs.map((_, i) =>
    spec.kind === 'stacked' ? spec.series.reduce((s, se) => s + (se.values[i] ?? 0), 0) : Math.max(0, ...spec.series.map((se) => se.values[i] ?? 0)),
  );
  const lows = spec.kind === 'lines' ? spec.xs.map((_, i) => Math.min(...spec.series.map((se) => se.values[i] ?? Infinity))) : [0];
  const top = Math.max(1, ...tops);
  const low = spec.kind === 'lines' && !spec.fromZero ? Math.max(0, Math.min(...lows.filter(Number.isFinite)) * 0.95) : 0;
  // Round dollar ticks: the axis runs between multiples of a 1-2-5 step.
  const yStep = niceStep(top - low, 4);
  const yMin = Math.floor(low / yStep) * yStep;
  const yMax = Math.max(yMin + yStep, Math.ceil(top / yStep) * yStep);
  const sy = (v: number) => H - PAD.b - ((v - yMin) / Math.max(1e-9, yMax - yMin)) * (H - PAD.t - PAD.b);
  const parts: string[] = [];
  for (const b of spec.bands)
    parts.push(
      `<rect class="band" x="${sx(b.from).toFixed(1)}" y="${PAD.t}" width="${Math.max(1, sx(b.to) - sx(b.from)).toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="#f5c518" opacity="0.18"><title>${esc(b.label)}</title></rect>`,
    );
  for (let v = yMin; v <= yMax + yStep / 2; v += yStep) {
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    parts.push(`<text class="y-tick" x="${PAD.l - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${esc(fmt(v))}</text>`);
  }
  for (const t of timeTicks(x0, x1)) {
    // The last label sits inside the plot, so it is never clipped at the right edge.
    const anchor = sx(t) > W - PAD.r - 20 ? 'end' : 'middle';
    parts.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${H - PAD.b}" y2="${H - PAD.b + 4}" stroke="#999"/>`);
    parts.push(`<text class="x-tick" x="${sx(t).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="${anchor}" font-size="11" fill="#555">${tickLabel(t)}</text>`);
  }
  parts.push(`<text x="${(PAD.l + W - PAD.r) / 2}" y="${H - 6}" text-anchor="middle" font-size="11" fill="#333">time (UTC)</text>`);
  parts.push(`<text transform="translate(14 ${(PAD.t + H - PAD.b) / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#333">${esc(spec.yTitle)}</text>`);
  const bw = Math.max(1, (W - PAD.l - PAD.r) / Math.max(1, n) - 0.5);
  if (spec.kind === 'stacked') {
    const acc = new Array<number>(n).fill(0);
    for (const se of spec.series) {
      const rects: string[] = [];
      se.values.forEach((v, i) => {
        if (!(v > 0)) return;
        const y1 = sy(acc[i]!);
        acc[i]! += v;
        const y2 = sy(acc[i]!);
        rects.push(`<rect x="${sx(spec.xs[i]!).toFixed(1)}" y="${y2.toFixed(1)}" width="${bw.toFixed(2)}" height="${Math.max(0.5, y1 - y2).toFixed(1)}"/>`);
      });
      parts.push(`<g class="series" data-name="${esc(se.name)}" fill="${se.color}">${rects.join('')}</g>`);
    }
  } else {
    for (const se of spec.series) {
      const pts = se.values.map((v, i) => (Number.isFinite(v) ? `${sx(spec.xs[i]! + 30_000).toFixed(1)},${sy(v).toFixed(1)}` : '')).filter(Boolean);
      parts.push(`<polyline class="series" data-name="${esc(se.name)}" fill="none" stroke="${se.color}" stroke-width="1.6" points="${pts.join(' ')}"/>`);
    }
  }
  const legend = spec.series
    .map((se, i) => `<rect x="${PAD.l + i * 150}" y="8" width="10" height="10" fill="${se.color}"/><text x="${PAD.l + i * 150 + 14}" y="17" font-size="11">${esc(se.name)}</text>`)
    .join('');
  const marks = [spec.lowerBound && `≥ lower bound: ${spec.lowerBound}`, spec.estimate && `≈ estimate: ${spec.estimate}`].filter(Boolean).join('; ');
  const mark = marks ? `<text class="lower-bound" x="${W - PAD.r}" y="17" text-anchor="end" font-size="11" fill="#a33">${esc(marks)}</text>` : '';
  const said = [spec.lowerBound && 'lower bound', spec.estimate && 'estimate'].filter(Boolean).join(', ');
  const caption = `${esc(spec.title)}${said ? ` (${said})` : ''}`;
  return `<figure class="chart"><figcaption>${caption}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${legend}${mark}${parts.join('')}</svg></figure>`;
}
