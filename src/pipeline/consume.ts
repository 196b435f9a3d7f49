import type { Bus, Subscription } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { NormalizedEvent } from '../schema/events.js';
import { compileValidator } from '../schema/validator.js';

const normalizedEvent = compileValidator(NormalizedEvent);

/**
 * Reads normalized events from the bus and hands each valid one to `apply`. The batch's offsets
 * are committed by the bus only after this handler returns, i.e. after the events were applied.
 * A message that fails validation is counted and logged, never applied.
 */
export function consumeEvents(
  bus: Bus,
  topics: TopicNames,
  groupId: string,
  deps: {
    metrics: Metrics;
    log: Logger;
    fromBeginning?: boolean;
    onConsumed?: (count: number) => void;
    /** Runs after a batch was applied and before its offsets are committed (e.g. publish derived records). */
    afterBatch?: () => Promise<void>;
  },
  apply: (event: NormalizedEvent) => void,
): Promise<Subscription> {
  return bus.subscribe(
    { topics: [topics.liquidations, topics.openInterest, topics.gaps], groupId, fromBeginning: deps.fromBeginning ?? false },
    async ({ topic, messages }) => {
      for (const m of messages) {
        if (normalizedEvent.is(m.value)) {
          apply(m.value);
          continue;
        }
        deps.metrics.invalidBusMessagesTotal.inc({ topic });
        deps.log.error({ topic, key: m.key, value: JSON.stringify(m.value)?.slice(0, 512), reason: normalizedEvent.explain(m.value) }, 'invalid message on bus');
      }
      await deps.afterBatch?.();
      deps.onConsumed?.(messages.length);
    },
  );
}
