import { z } from 'zod';

/** Topic names. Versioned: a breaking change of a payload gets a new topic, not a reinterpretation. */
export const TopicNames = z.strictObject({
  raw: z.string().min(1).default('liqstream.raw-frames.v2'),
  liquidations: z.string().min(1).default('liqstream.liquidations.v2'),
  openInterest: z.string().min(1).default('liqstream.open-interest.v2'),
  gaps: z.string().min(1).default('liqstream.gaps.v2'),
  deadLetter: z.string().min(1).default('liqstream.dead-letter.v2'),
  aggregates: z.string().min(1).default('liqstream.aggregates.v2'),
  cascades: z.string().min(1).default('liqstream.cascades.v2'),
  /** Per-partition minute partials from the aggregators to the one active cascade detector (docs/kafka.md). */
  partials: z.string().min(1).default('liqstream.minute-partials.v1'),
});
export type TopicNames = z.infer<typeof TopicNames>;

export const defaultTopics = (): TopicNames => TopicNames.parse({});

/** The aggregator group whose partials topic keeps the historical name `liqstream.minute-partials.v1`. */
export const DEFAULT_AGGREGATOR_GROUP = 'liqstream-aggregator';

/**
 * The partials topic of an aggregator group, when the configuration does not name one: the group's own.
 * Every member of a group publishes its minute partials there and the group's detector merges all of
 * them, so two groups sharing one partials topic would feed each other's detectors (each minute from
 * twice the partitions, or the other group's share first). The default group keeps the historical name,
 * so a deployment on the defaults keeps its detector's history across the upgrade.
 */
export const partialsTopicFor = (groupId: string): string =>
  groupId === DEFAULT_AGGREGATOR_GROUP ? 'liqstream.minute-partials.v1' : `liqstream.minute-partials.v1.${groupId}`;
export const allTopics = (t: TopicNames): string[] => Object.values(t);
