import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import { INVALID_UTF8_MARK, type FrameParser } from '../../src/venues/venue.js';
import { mutate, mutationsArb } from './mutate.js';

/**
 * JSON allows whitespace before a value and no fast path reads it, so ` ${frame}` always takes the full
 * path (JSON.parse and the schema) while `frame` takes the fast path whenever it accepts it. A frame
 * marked as invalid UTF-8 keeps its mark in front (its rejection says so): no fast path reads it either,
 * as every one starts with `{`.
 */
export const viaFullPath = (frame: string): string => (frame.startsWith(INVALID_UTF8_MARK) ? frame : ` ${frame}`);

/** Frames as generated, and the same frames mutated the way the parser fuzz test mutates real ones. */
export const generatedAndMutated = (frame: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(frame, fc.tuple(frame, mutationsArb).map(([f, m]) => mutate(f, m)));

/**
 * Property: two parsers made alike, fed the same frames in the same order, one of them only through the
 * full path, give the same result for every frame: every frame the fast path accepts gives exactly the
 * full path's events (and leaves the same state behind), and every frame it declines is read by the full path.
 */
export function assertFastPathExact(make: () => FrameParser, frames: fc.Arbitrary<string[]>, numRuns: number): void {
  fc.assert(
    fc.property(frames, fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }), (list, start) => {
      const fast = make();
      const full = make();
      list.forEach((frame, i) => {
        expectSameResult(fast(frame, start + i * 1_000), full(viaFullPath(frame), start + i * 1_000));
      });
    }),
    { numRuns },
  );
}

/**
 * `expect(actual, message).toEqual(expected)`, answered first by node's strict deep equality, which passes only
 * where toEqual passes too and costs about half of it (a result of 100,000 events: 85–130 ms against 179–200 ms);
 * where it fails, toEqual (which also treats an undefined property as absent) decides and writes the diff.
 */
export function expectSameResult(actual: unknown, expected: unknown, message?: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual, message).toEqual(expected);
}

/** Fed one by one to a parser and, through the full path only, to another made alike: equal results, frame by frame. */
export function expectFramesAsFullPath(make: () => FrameParser, frames: string[], receive: number): void {
  const fast = make();
  const full = make();
  for (const [i, frame] of frames.entries()) expectSameResult(fast(frame, receive + i), full(viaFullPath(frame), receive + i), frame.slice(0, 300));
}
