import fc from 'fast-check';

/**
 * Pieces for the property tests of plain-layout fast paths (a venue's own layout read at fixed positions): values
 * outside what a double holds, and how often generated frames take the plain path.
 */

/** 400 digits: Infinity as a double. */
export const HUGE = '1' + '0'.repeat(400);
/** 309 digits: the shortest integer past the largest double. */
export const DIGITS_309 = '1' + '0'.repeat(308);
/** 308 digits: still finite. */
export const DIGITS_308 = '1' + '0'.repeat(307);

/** The share of `frames` (sampled) that `read` takes whole: a property must exercise the plain path, not only the full one. */
export const takenShare = (frames: fc.Arbitrary<string>, read: (frame: string) => boolean): number => {
  const sample = fc.sample(frames, { numRuns: 2_000, seed: 22 });
  return sample.filter(read).length / sample.length;
};

/** Mostly values of the plain layout (some of which the parser refuses), now and then one outside it. */
export const mostly = (inLayout: string[], outside: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...inLayout) }, { weight: 1, arbitrary: fc.constantFrom(...outside) });
