/** What the replay's readers share about their input files: limits, and a corrupt gzip named by its file. */

/** Receive time trails event time by far less than this: how far past a slice a replay reads. */
export const SLICE_MARGIN_MS = 5 * 60_000;
/** Bad lines logged per file; the rest are counted. */
export const BAD_LINES_LOGGED = 10;

/** Input that cannot be what the user meant (wrong format, mostly junk): the CLI prints it and exits 1. */
export class ReplayInputError extends Error {}

/**
 * The batches of one input file. A corrupt gzip (`incorrect header check`: not merely cut short, which
 * readRecording salvages) fails the replay naming the file: zlib's message alone does not say which of
 * 24 hourly files it was.
 */
export async function* namingFile<T>(path: string, batches: AsyncIterable<T[]>): AsyncGenerator<T[]> {
  try {
    yield* batches;
  } catch (err) {
    if (/^Z_/.test(String((err as NodeJS.ErrnoException).code))) throw new ReplayInputError(`${path}: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}

/** The items of file number `file`, tagged with it (the workers' reader), a corrupt gzip named as above. */
export async function* withFile<T>(file: number, path: string, items: AsyncIterable<T>): AsyncGenerator<T & { file: number }> {
  for await (const batch of namingFile(path, batchesOfItems(items))) for (const item of batch) yield { ...item, file };
}

async function* batchesOfItems<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}

