import { instrumentLookup } from '../instruments.js';
import type { VenueModule } from '../venue.js';
import { firstFramePerChannel } from '../snapshot-rules.js';
import { fetchOkxInstruments } from './instruments.js';
import { createOkxParser, OKX_VENUE } from './parse.js';
import { okxSocketPlan } from './plan.js';
import { startOkxRestPoller } from './rest-poller.js';

/** The instrument type of a `liquidation-orders` push (its channel is one subscription per type). */
const OKX_PUSH_TYPE = /"channel"\s*:\s*"liquidation-orders"\s*,\s*"instType"\s*:\s*"([A-Z]+)"/;

/**
 * OKX v5 public data: `liquidation-orders` for perpetuals and expiry futures (linear USDT/USDC and
 * coin-margined), one socket; open interest from the REST endpoint, polled every `oiPollMs`. Discovery
 * reads the instrument list for contract values, and with discovery on the list is read again every
 * `refreshMs` as frames (new listings); without it the built-in table values the largest markets and the
 * rest are dead-lettered. See docs/venues/okx.md.
 */
export function okxVenue(): VenueModule {
  return {
    venue: OKX_VENUE,
    about: { name: 'OKX perpetuals and expiry futures', exchange: 'okx', colour: '#2b2b2b', fidelity: 'sampled', doc: 'docs/venues/okx.md' },
    async discover({ restUrl }) {
      const instruments = await fetchOkxInstruments({ baseUrl: restUrl });
      return { symbols: Object.keys(instruments).sort(), instruments };
    },
    // The first `liquidation-orders` push of each instrument type after subscribing carries recent liquidations.
    snapshots: firstFramePerChannel((frame) => OKX_PUSH_TYPE.exec(frame)?.[1]),
    parser(meta) {
      return createOkxParser({ instruments: instrumentLookup(meta.instruments) });
    },
    plans(_meta, { url }) {
      return [okxSocketPlan(url)];
    },
    pollers(_meta, ctx) {
      const common = { sink: ctx.sink, log: ctx.log, baseUrl: ctx.restUrl };
      const refreshMs = Number(ctx.options?.refreshMs ?? 0);
      return [
        ...(ctx.intervalMs > 0 ? [startOkxRestPoller({ ...common, what: 'open interest', intervalMs: ctx.intervalMs })] : []),
        // Discovery off means the built-in table only, as documented: the list is not read later either.
        ...(refreshMs > 0 && ctx.options?.discover !== false ? [startOkxRestPoller({ ...common, what: 'instruments', intervalMs: refreshMs })] : []),
      ];
    },
  };
}
