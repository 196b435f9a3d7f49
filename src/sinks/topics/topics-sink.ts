import type { Bus, BusMessage } from '../../bus/bus.js';
import type { TopicNames } from '../../bus/topics.js';
import { minuteView } from '../../cascade/tracker.js';
import { messageHeaders } from '../../pipeline/messages.js';
import type { Sink } from '../sink.js';

/**
 * The aggregates and cascades topics: one message per closed minute (key `all`) and one per cascade
 * signal (key: the episode id), published at each flush, aggregates first.
 */
export function topicsSink(bus: Bus, topics: Pick<TopicNames, 'aggregates' | 'cascades'>): Sink {
  let aggregates: BusMessage[] = [];
  let cascades: BusMessage[] = [];
  return {
    name: 'topics',
    onMinuteClosed(bucket, openInterestUsd) {
      aggregates.push({ key: 'all', value: { type: 'minute', ...minuteView(bucket), openInterestUsd: openInterestUsd ?? null }, headers: messageHeaders('minute') });
    },
    onCascade(signal) {
      cascades.push({ key: signal.id, value: signal, headers: messageHeaders(`cascade-${signal.phase}`) });
    },
    async flush() {
      const [a, c] = [aggregates, cascades];
      aggregates = [];
      cascades = [];
      if (a.length) await bus.publish(topics.aggregates, a);
      if (c.length) await bus.publish(topics.cascades, c);
    },
  };
}
