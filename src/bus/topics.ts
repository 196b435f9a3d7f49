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
export const allTopics = (t: TopicNames): string[] => Object.values(t);
