/**
 * Kafka bus settings for tests whose subject is not the broker's fetch wait: the broker holds a fetch that finds
 * nothing new for `fetchMaxWaitMs`, and every subscribe waits for its first fetch and every close for the fetch in
 * flight (1 s each at the default). At 100 ms an idle consumer asks ten times a second, nothing to a test broker.
 */
export const TEST_KAFKA = { fetchMaxWaitMs: 100 } as const;
