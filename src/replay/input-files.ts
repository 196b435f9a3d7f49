/** What the replay's readers share about their input files: limits, and a corrupt gzip named by its file. */

/** Receive time trails event time by far less than this: how far past a slice a replay reads. */
export const SLICE_MARGIN_MS = 5 * 60_000;
/**
 * Frames in a row received past a slice's margin before a replay stops reading: a line whose receive time jumped
 * (the recording host's clock stepped forward, then back) does not end the read while in-slice frames follow it.
 */
export const PAST_SLICE_FRAMES = 1_000;

/** Counts the frames in a row received past `to`'s margin; true once a replay stops reading (PAST_SLICE_FRAMES). */
export function sliceEnd(to: number | undefined): (recv: number) => boolean {
  if (to === undefined) return () => false;
  let past = 0;
  return (recv) => {
    past = recv > to + SLICE_MARGIN_MS ? past + 1 : 0;
    return past >= PAST_SLICE_FRAMES;
  };
}
/**
 * What a replay read of one input file: frames, bad lines, and of these whether the last was the file's cut (a gzip,
 * .lz4 or download ended mid-stream: `cut` items), which is not judged as wrong input (checkFiles).
 */
export interface FileCounts {
  frames: number;
  bad: number;
  cut: number;
}

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

