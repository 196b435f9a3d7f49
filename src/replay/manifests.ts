import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { GapEvent, VenueId } from '../schema/events.js';

/** What `liqstream record` writes beside each recording file (`….manifest.json`). */
export const FileManifest = z.object({
  version: z.literal(1),
  file: z.string(),
  venues: z.record(VenueId, z.object({ frames: z.number(), firstRecv: z.number(), lastRecv: z.number() })),
  frames: z.number(),
  from: z.number(),
  to: z.number(),
  gaps: z.array(GapEvent.omit({ type: true })),
});
export type FileManifest = z.infer<typeof FileManifest>;

const RECORDING = /\.ndjson(\.gz)?$/;
/** The names `record` gives its files: each has a manifest beside it unless the recorder died or its disk failed. */
const RECORDED_NAME = /^liqstream-\d{8}T\d{2}(\.\d+)?\.ndjson\.gz$/;

export const manifestPath = (recording: string): string => recording.replace(RECORDING, '.manifest.json');

/** Files `record` writes beside the recordings that are not recordings: a `replay dir/*` names them too. */
export const isSidecar = (path: string): boolean => basename(path) === 'metadata.json' || basename(path).endsWith('.manifest.json');

/** The inputs of a replay without the sidecar files among them (read beside their recordings instead). */
export function withoutSidecars(files: string[]): { recordings: string[]; skipped: string[] } {
  return { recordings: files.filter((f) => !isSidecar(f)), skipped: files.filter(isSidecar) };
}

/**
 * The gaps in the manifests beside `files` that overlap [from, to), as gap events ordered by their end
 * (when a live run learns of a gap). Each gap once: a file named twice, or two manifests holding the
 * same gap, add it once. A manifest that is missing (beside a file named as `record` names them) or
 * unreadable is a warning naming it, not a failure: the file's frames still replay, and the gaps
 * recorded while it was open are unknown. Entry by entry: a bad gap in a manifest is logged, the rest kept.
 */
export function manifestGaps(files: string[], log: Logger, from = -Infinity, to = Infinity): GapEvent[] {
  const gaps = new Map<string, GapEvent>();
  for (const path of new Set(files.filter((f) => RECORDING.test(f)).map((f) => resolve(manifestPath(f))))) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing || RECORDED_NAME.test(basename(path).replace(/\.manifest\.json$/, '.ndjson.gz')))
        log.warn({ manifest: path, err: (err as Error).message }, missing ? 'recording has no manifest: gaps recorded while it was open are unknown' : 'manifest unreadable: gaps recorded while its file was open are unknown');
      continue;
    }
    const list = (doc as { gaps?: unknown } | null)?.gaps;
    if (!Array.isArray(list)) {
      log.warn({ manifest: path }, 'manifest has no gaps list: gaps recorded while its file was open are unknown');
      continue;
    }
    for (const entry of list) {
      const parsed = GapEvent.safeParse({ ...(entry as object), type: 'gap' });
      if (!parsed.success) {
        log.warn({ manifest: path, gap: JSON.stringify(entry)?.slice(0, 256), reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }, 'bad gap in manifest, skipped');
        continue;
      }
      const g = parsed.data;
      if (g.to > from && g.from < to) gaps.set(JSON.stringify([g.venue, g.from, g.to, g.reason]), g);
    }
  }
  return [...gaps.values()].sort((a, b) => a.to - b.to);
}
