import { expect } from 'vitest';
import type { ParseResult } from '../../src/venues/venue.js';

/**
 * What a frame of one entry gives when that entry is refused: no events, and the entry dead-lettered on its own
 * (its JSON text and the reason). The frame itself was understood, so it is not a rejected frame.
 */
export const refusedEntry = (reason: string | ReturnType<typeof expect.stringMatching>, entry: unknown = expect.any(String)): ParseResult => ({
  ok: true,
  events: [],
  rejected: [{ entry: entry as string, reason: reason as string }],
});

/** Why a frame gave nothing: its rejection, or the reasons of its refused entries; undefined when it refused nothing. */
export function refusal(r: ParseResult): string | undefined {
  if (!r.ok) return r.reason;
  return r.rejected?.map((x) => x.reason).join('; ');
}

/** True when nothing of the frame counted and something was refused: the frame, or every entry it had. */
export const refused = (r: ParseResult): boolean => !r.ok || (r.events.length === 0 && (r.rejected?.length ?? 0) > 0);
