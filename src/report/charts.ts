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
  /** Set when some of what is drawn is a lower bound: said in the legend, so a chart is never read as complete. */
  lowerBound?: string;
}

const W = 1100;
const H = 260;
const PAD = { l: 70, r: 10, t: 28, b: 28 };

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export const usdShort = (v: number): string => {
  const a = Math.abs(v);
  if (a >= 1e9) return `$${(v / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `$${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `$${(v / 1e3).toFixed(1)}k`;
  return `$${v.toFixed(0)}`;
};

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

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
  const yMax = Math.max(1, ...tops);
  const yMin = spec.kind === 'lines' ? Math.max(0, Math.min(...lows.filter(Number.isFinite)) * 0.95) : 0;
  const sy = (v: number) => H - PAD.b - ((v - yMin) / Math.max(1e-9, yMax - yMin)) * (H - PAD.t - PAD.b);
  const parts: string[] = [];
  for (const b of spec.bands)
    parts.push(
      `<rect class="band" x="${sx(b.from).toFixed(1)}" y="${PAD.t}" width="${Math.max(1, sx(b.to) - sx(b.from)).toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="#f5c518" opacity="0.18"><title>${esc(b.label)}</title></rect>`,
    );
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4;
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${PAD.l - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${esc(fmt(v))}</text>`);
  }
  const ticks = Math.min(8, n);
  for (let k = 0; k < ticks; k++) {
    const t = spec.xs[Math.floor((k * (n - 1)) / Math.max(1, ticks - 1))] ?? x0;
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${H - 8}" text-anchor="middle" font-size="11" fill="#555">${hhmm(t)}</text>`);
  }
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
  const mark = spec.lowerBound ? `<text class="lower-bound" x="${W - PAD.r}" y="17" text-anchor="end" font-size="11" fill="#a33">≥ lower bound: ${esc(spec.lowerBound)}</text>` : '';
  const caption = `${esc(spec.title)}${spec.lowerBound ? ' (lower bound)' : ''}`;
  return `<figure class="chart"><figcaption>${caption}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${legend}${mark}${parts.join('')}</svg></figure>`;
}
