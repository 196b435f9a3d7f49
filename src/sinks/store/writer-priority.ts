/**
 * The nice value the writer's thread sets for itself (store-worker.ts): `writerNice` below `current`, the
 * nice value it started with (the pipeline's: a thread inherits its creator's), at most 19. Only on Linux,
 * where each thread has a nice value of its own: elsewhere (macOS) a nice value is the whole process's,
 * and setting it would lower the pipeline with the writer; there `undefined`, and the writer runs as an equal.
 */
export function writerPriority(platform: NodeJS.Platform, current: number, writerNice: number): number | undefined {
  return platform === 'linux' ? Math.min(19, current + writerNice) : undefined;
}
