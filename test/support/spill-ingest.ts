import type { Bus, BusMessage } from '../../src/bus/bus.js';
import type { SpillingBus } from '../../src/bus/spilling-bus.js';
import type { Metrics } from '../../src/metrics/metrics.js';
import type { LiquidationEvent } from '../../src/schema/events.js';

/**
 * The spilling bus as the ingestor sees it, keeping every message handed to it (`attempted`), so that a
 * test knows the true number lost: attempted minus delivered.
 */
export function countingBus(spilling: SpillingBus, o: { startWaitMs?: number; closeDeadlineMs?: number } = {}): { bus: Bus; attempted: BusMessage[] } {
  const attempted: BusMessage[] = [];
  const bus: Bus = {
    kind: 'kafka',
    start: (topics) => spilling.start(topics, o.startWaitMs),
    publish: (topic, messages) => {
      attempted.push(...messages);
      return spilling.publish(topic, messages);
    },
    subscribe: (options, handler) => spilling.subscribe(options, handler),
    close: () => spilling.close(o.closeDeadlineMs),
  };
  return { bus, attempted };
}

/** A $100 long liquidation of `binance-usdm` with the given id suffix, event time and receive time. */
export const testLiquidation = (id: string, eventTime: number, receiveTime: number): LiquidationEvent => ({
  type: 'liquidation',
  id: `binance-usdm:${id}`,
  venue: 'binance-usdm',
  symbol: 'BTCUSDT',
  base: 'BTC',
  side: 'long',
  price: 100,
  qty: 1,
  notionalUsd: 100,
  eventTime,
  receiveTime,
  fidelity: 'sampled',
  kind: 'liquidation',
  source: 'test',
});

/** The sum of a metric's samples whose labels include `labels`. */
export const metricSum = async (metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> =>
  (await metrics.registry.getSingleMetric(name)!.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
