import { readFileSync } from 'node:fs';
import { VENUES, venueAbout } from '../venues/registry.js';

/**
 * The replay report's minutes.csv read back, for checking a store against it (the store tests and benches):
 * the file is the perps' minutes, so a store's rows are compared where `PERPS_ONLY_SQL` holds.
 */

/** "123.4567" → integer 1/10,000 units, without a float step. */
export function units(text: string): number {
  const [int, frac = ''] = text.split('.');
  if (frac.length > 4) throw new Error(`more than 4 decimals: ${text}`);
  return Number(int) * 10_000 + Number(frac.padEnd(4, '0'));
}

/** A replay report's minutes.csv as `minute|venue|side` → USD in 1/10,000 units (cells that are not 0). */
export function minutesCsvCells(file: string): Map<string, number> {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const cells = new Map<string, number>();
  for (const line of lines) {
    const row = line.split(',');
    cols.forEach((c, i) => {
      const m = /^(.+)_(long|short)_usd$/.exec(c);
      if (m && units(row[i]!) !== 0) cells.set(`${row[1]}|${m[1]}|${m[2]}`, units(row[i]!));
    });
  }
  return cells;
}

/**
 * A SQL condition (DuckDB and QuestDB alike) keeping the perps' liquidations: the lending protocols' are kept
 * apart from minutes.csv and every perps total (issue 20). From the registry, so no list of ids is kept here.
 */
export const PERPS_ONLY_SQL = `venue NOT IN (${VENUES.filter((v) => venueAbout(v).market === 'lending')
  .map((v) => `'${v}'`)
  .join(', ')})`;
