/**
 * Building the page's DOM: every string from the API becomes a text node or an attribute value,
 * never markup (test/web/live-page-escaping.test.ts), and numbers are formatted one way.
 */

type Child = Node | string | number | null | undefined | false;

/** An element with attributes (`class`, `title`, `data-*`…) and children; strings are text. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== false) el.setAttribute(k, v === true ? '' : String(v));
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

/** Replaces the rows of a table body; a single `empty` row saying what is missing when there are none. */
export function fill(body: HTMLTableSectionElement, rows: HTMLTableRowElement[], empty: string): void {
  const cols = body.parentElement?.querySelector('thead tr')?.children.length ?? 1;
  body.replaceChildren(...(rows.length > 0 ? rows : [h('tr', {}, h('td', { class: 'empty', colspan: cols }, empty))]));
}

export function usd(n: number): string {
  const a = Math.abs(n);
  return a >= 1e9 ? `$${(n / 1e9).toFixed(2)}B` : a >= 1e6 ? `$${(n / 1e6).toFixed(2)}M` : a >= 1e3 ? `$${(n / 1e3).toFixed(1)}k` : `$${n.toFixed(0)}`;
}
export const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
export const dateTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
export function price(p: number): string {
  return p >= 1000 ? p.toFixed(1) : p.toPrecision(5);
}
export function pct(share: number, digits = 0): string {
  return `${(100 * share).toFixed(digits)}%`;
}

/** ≥ a lower bound; ≈ an estimate (inferred liquidations, or a sum with some in it): not the same claim. */
export function badge(mark: '' | '≥' | '≈'): HTMLElement | null {
  return mark ? h('span', { class: 'badge', title: mark === '≈' ? 'estimate' : 'lower bound' }, mark) : null;
}
export const markOf = (lowerBound: boolean, fidelity?: string): '' | '≥' | '≈' => (!lowerBound ? '' : fidelity === 'inferred' ? '≈' : '≥');

/** A long-share bar (red longs over green shorts); none when there is nothing to share. */
export function shareBar(long: number, short: number): HTMLElement | null {
  const total = long + short;
  return total > 0 ? h('span', { class: 'bar', title: `longs ${pct(long / total, 1)}` }, h('span', { style: `width:${((100 * long) / total).toFixed(1)}%` })) : null;
}
