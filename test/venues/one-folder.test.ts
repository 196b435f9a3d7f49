import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { VenueModule } from '../../src/venues/venue.js';

// A venue defined in one place: the test registers it the way a contributor would (one line in the
// registry) and checks that config, reports, the live page's catalogue and the README pick it up.
const acme: VenueModule = {
  venue: 'acme-perp',
  about: { name: 'Acme perpetuals', exchange: 'acme', colour: '#123456', fidelity: 'sampled', doc: 'docs/venues/acme.md' },
  discover: async () => ({}),
  parser: () => () => ({ ok: true, events: [] }),
  plans: () => [],
};
vi.mock('../../src/venues/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/venues/registry.js')>();
  const modules = { ...real.VENUE_MODULES, [acme.venue]: acme };
  const venues = [...real.VENUES, acme.venue];
  return {
    ...real,
    VENUE_MODULES: modules,
    VENUES: venues,
    venueModule: (v: string) => modules[v] ?? real.venueModule(v),
    venueAbout: (v: string) => modules[v]?.about ?? real.venueAbout(v),
  };
});

const { Config } = await import('../../src/config/schema.js');
const { loadConfig } = await import('../../src/config/load.js');
const { enabledVenues } = await import('../../src/service/connectors.js');
const { reportHtml } = await import('../../src/report/report-files.js');
const { venueCatalogue } = await import('../../src/venues/catalogue.js');
const real = await vi.importActual<typeof import('../../src/venues/registry.js')>('../../src/venues/registry.js');

const root = join(import.meta.dirname, '../..');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/**
 * Code that is about particular venues by purpose, not generic code that would need an edit per venue:
 * importers of other tools' formats and the calibrated simulation of 10 October's five venues.
 */
const VENUE_SPECIFIC_BY_PURPOSE = ['src/replay/tardis.ts', 'src/replay/sources.ts', 'src/simulate/'];

describe('a venue is its folder plus one registry line', () => {
  it('no generic source file names a registered venue id', () => {
    const generic = files(join(root, 'src'))
      .map((f) => relative(root, f))
      .filter((f) => !/^src\/venues\/[^/]+\//.test(f) && f !== 'src/venues/registry.ts' && !VENUE_SPECIFIC_BY_PURPOSE.some((p) => f.startsWith(p)));
    expect(generic.length).toBeGreaterThan(50);
    const offenders = generic.flatMap((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return real.VENUES.filter((id) => new RegExp(`['"\`]${id}['"\`]`).test(text)).map((id) => `${f}: ${id}`);
    });
    expect(offenders).toEqual([]);
  });

  it('every registered venue says what it is, has its page, a row in the venue table, and is counted in the coverage line', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const venueTable = readFileSync(join(root, 'docs/venues/README.md'), 'utf8');
    for (const id of real.VENUES) {
      const about = real.VENUE_MODULES[id]!.about;
      expect(about.colour, id).toMatch(/^#[0-9a-f]{6}$/);
      expect(existsSync(join(root, about.doc)), `${id}: ${about.doc}`).toBe(true);
      expect(venueTable, `docs/venues/README.md venue table row for ${id}`).toMatch(new RegExp(`^\\| [^|]*\`${id}\``, 'm'));
    }
    // The README's coverage sentence is the one `liqstream venues` prints for the real registry.
    const stated = /<!-- coverage -->(.*)<!-- \/coverage -->/.exec(readme)?.[1];
    const exchanges = [...new Set(real.VENUES.map((v) => real.venueAbout(v).exchange))];
    expect(stated).toMatch(new RegExp(`^${exchanges.length} exchanges covered: `));
    for (const e of exchanges) expect(stated).toContain(e);
  });

  it('report colours tell exchanges apart: two venues of different exchanges are never near-identical shades', () => {
    // Stacked per-venue charts and legends show twelve series; OKX #7b61ff beside dYdX #6966ff could not be told apart.
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const close: string[] = [];
    for (const a of real.VENUES)
      for (const b of real.VENUES) {
        const [x, y] = [real.venueAbout(a), real.venueAbout(b)];
        if (a < b && x.exchange !== y.exchange) {
          const [p, q] = [rgb(x.colour), rgb(y.colour)];
          if (Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!) < 30) close.push(`${a} ${x.colour} ~ ${b} ${y.colour}`);
        }
      }
    expect(close).toEqual([]);
  });

  it('a module registered with one line gets its config block, report colour and catalogue entry', () => {
    const config = loadConfig({ env: {}, overrides: { venues: { 'acme-perp': { url: 'wss://acme.example/ws' } } } });
    expect(config.venues['acme-perp']).toMatchObject({ enabled: true, discover: true, url: 'wss://acme.example/ws' });
    expect(enabledVenues(config)).toContain('acme-perp');
    expect(Config.safeParse({ ...config, venues: { 'acme-perp': { enabled: true, colour: 'red' } } }).error?.issues[0]?.path).toEqual(['venues', 'acme-perp']);
    expect(enabledVenues(loadConfig({ env: { LIQSTREAM_VENUES__ACME_PERP__ENABLED: 'false' } }))).not.toContain('acme-perp');

    const html = reportHtml({
      report: { input: { files: ['x'], frames: 1, badFrames: 0 }, eventTime: { first: 0, last: 0 }, totals: { usd: 5, count: 1, byVenue: {} }, cascades: [] },
      minutes: [{ minute: 0, units: 5, count: 1, byVenue: { 'acme-perp': { long: 5, short: 0, count: 1, fidelity: 'sampled' } } }],
      openInterest: [{}],
      fidelity: { 'acme-perp': 'sampled' },
    } as unknown as Parameters<typeof reportHtml>[0]);
    expect(html).toContain('#123456');

    const catalogue = venueCatalogue();
    expect(catalogue.venues.at(-1)).toEqual({ id: 'acme-perp', name: 'Acme perpetuals', exchange: 'acme', fidelity: 'sampled', lowerBound: true, doc: 'docs/venues/acme.md' });
    // Other registered exchanges may lack a figure too (gate, htx, deribit, dydx): acme is last in the list.
    expect(catalogue.summary).toMatch(/no published figure for ([a-z0-9-]+, )*acme, so not in the share$/);
  });
});

describe('a venue id no module has (a newer connector publishing to an older aggregator)', () => {
  it('is a valid event, counted under its own id, and named neutrally', async () => {
    const { Aggregator } = await import('../../src/aggregate/aggregator.js');
    const { LiquidationEvent } = await import('../../src/schema/events.js');
    const { liquidation } = await import('../support/events.js');
    const event = liquidation('z1', 1_760_130_900_000, 12_345, { venue: 'zeta-perp', symbol: 'BTCUSDT' });
    expect(LiquidationEvent.safeParse(event).success).toBe(true);
    expect(LiquidationEvent.safeParse({ ...event, venue: 'Zeta Perp' }).success).toBe(false);
    const agg = new Aggregator({ clock: 'watermark' });
    agg.apply(event);
    expect(agg.totalsSnapshot().byVenue['zeta-perp']).toMatchObject({ longUsd: 12_345, count: 1 });
    expect(real.venueAbout('zeta-perp')).toEqual({ name: 'zeta-perp', exchange: 'zeta-perp', colour: '#888888', fidelity: 'complete', doc: '' });
  });
});
