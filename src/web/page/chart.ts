import type UPlot from 'uplot';
import { h, price, time } from './dom.js';

/** uPlot, loaded by its own script tag from the package (node_modules/uplot, served at /page/uPlot.iife.min.js). */
declare const uPlot: typeof UPlot | undefined;

/** One stacked layer of the chart: a venue (or a coin), its longs drawn up and its shorts down. */
export interface Layer {
  label: string;
  long: number[];
  short: number[];
}
export interface ChartData {
  /** Minute starts, ms since the epoch (UTC). */
  minutes: number[];
  layers: Layer[];
  /** Mark price per minute, when known (a coin is selected and the server has per-coin minutes). */
  price?: (number | null)[];
}

/** Axis labels: short enough for the axis's width ($800M, $1.5B, $20k). */
function axisUsd(n: number): string {
  const [d, unit] = n >= 1e9 ? [1e9, 'B'] : n >= 1e6 ? [1e6, 'M'] : n >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `$${Number((n / d).toPrecision(3))}${unit}`;
}

const PALETTE = ['#f0b90b', '#4f8cff', '#b57cff', '#ff8a3d', '#2ec4b6', '#e84393', '#a3d977', '#7f8c8d'];
export const colourOf = (i: number): string => PALETTE[i % PALETTE.length]!;

/**
 * The per-minute liquidation chart: bars stacked by layer, longs above zero and shorts below, with the
 * mark price as a line on its own axis. Stacking is drawn as cumulative bars, the tallest first, so each
 * layer shows as its own band.
 */
export class LiquidationChart {
  private plot: UPlot | undefined;
  private readonly resize = new ResizeObserver(() => this.plot?.setSize(this.size()));

  constructor(
    private readonly el: HTMLElement,
    private readonly legend: HTMLElement,
  ) {
    this.resize.observe(el);
  }

  private size() {
    return { width: Math.max(200, this.el.clientWidth), height: 220 };
  }

  /** Draws `data`; false when the chart library did not load (the caller says so). */
  draw(data: ChartData): boolean {
    this.plot?.destroy();
    this.plot = undefined;
    if (typeof uPlot === 'undefined') return false;
    const x = data.minutes.map((m) => m / 1000);
    const cumulative = (side: 'long' | 'short') => {
      const sums = data.minutes.map(() => 0);
      return data.layers.map((l) => l[side].map((v, i) => (sums[i]! += v) * (side === 'long' ? 1 : -1)));
    };
    const longs = cumulative('long');
    const shorts = cumulative('short');
    const bars = uPlot.paths.bars!({ size: [0.9, 14], align: 0 });
    const series: UPlot.Series[] = [{}];
    const columns: (number | null)[][] = [x];
    // The tallest (cumulative) layer first: each later, shorter one is drawn over it.
    for (let i = data.layers.length - 1; i >= 0; i--)
      for (const [side, values] of [['longs', longs[i]!], ['shorts', shorts[i]!]] as const) {
        series.push({ label: `${data.layers[i]!.label} ${side}`, scale: 'usd', paths: bars, fill: colourOf(i), stroke: colourOf(i), width: 0, points: { show: false } });
        columns.push(values);
      }
    const withPrice = data.price?.some((p) => p !== null) ?? false;
    if (withPrice) {
      series.push({ label: 'mark price', scale: 'price', stroke: '#e6e6e6', width: 1.5, spanGaps: true, points: { show: false }, value: (_u, v) => (v === null ? '–' : price(v)) });
      columns.push(data.price!);
    }
    const axis = { stroke: '#8b93a1', grid: { stroke: '#2a2f3a', width: 1 }, ticks: { stroke: '#2a2f3a', width: 1 } };
    this.plot = new uPlot(
      {
        ...this.size(),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        tzDate: (ts) => uPlot!.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, usd: { auto: true }, price: { auto: true } },
        axes: [
          // Minutes as HH:MM in UTC, like every time on the page.
          { ...axis, values: (_u, ticks) => ticks.map((t) => time(t * 1000).slice(0, 5)) },
          { ...axis, scale: 'usd', size: 60, values: (_u, ticks) => ticks.map((t) => axisUsd(Math.abs(t))) },
          ...(withPrice ? [{ ...axis, scale: 'price', side: 1, size: 60, grid: { show: false }, values: (_u: UPlot, ticks: number[]) => ticks.map(price) }] : []),
        ],
        series,
      },
      columns as UPlot.AlignedData,
      this.el,
    );
    this.legend.replaceChildren(
      ...data.layers.map((l, i) => h('span', {}, h('i', { style: `background:${colourOf(i)}` }), l.label)),
      h('span', { class: 'dim' }, 'longs up, shorts down'),
      ...(withPrice ? [h('span', {}, h('i', { style: 'background:#e6e6e6;height:2px' }), 'mark price')] : []),
    );
    return true;
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.legend.replaceChildren();
  }
}
