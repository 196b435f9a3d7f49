import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawFrame, VenueId } from '../schema/events.js';
import type { VenueMetadata } from '../venues/venue.js';
import type { FileManifest } from './manifests.js';
import { readRecording, recordingWriter } from './recording.js';

const HOUR = 3_600_000;

export type { FileManifest } from './manifests.js';

/** Hourly file name by receive time: liqstream-20251010T21.ndjson.gz (UTC). */
export const hourFileName = (recv: number): string => `liqstream-${new Date(Math.floor(recv / HOUR) * HOUR).toISOString().slice(0, 13).replace(/-/g, '')}.ndjson.gz`;

/** After a write fails, frames are not tried again for this long (each would fail the same way on a full disk). */
const RETRY_AFTER_MS = 5_000;

/** Frames a failed write lost, per venue: they become a gap in the next file's manifest. */
interface Unrecorded {
  from: number;
  to: number;
  frames: number;
  reason: string;
}

/**
 * Writes every raw frame to hourly gzip recordings (format v1) with a manifest beside each file,
 * and the venues' market metadata to metadata.json so a replay needs no network.
 *
 * A file is never replaced: a restart within the hour, or a new file after a failed write, takes the
 * next free name (`…T21.1.ndjson.gz`). A write that fails (a full disk) loses frames, never the process:
 * the frames are counted (`onUnrecorded`), and recorded as a gap per venue in the next file's manifest.
 */
export class Recorder {
  private writer: ReturnType<typeof recordingWriter> | undefined;
  private manifest: FileManifest | undefined;
  private hour = -1;
  private queue: Promise<void> = Promise.resolve();
  private readonly unrecorded = new Map<VenueId, Unrecorded>();
  private retryAt = 0;

  constructor(
    private readonly dir: string,
    private readonly onUnrecorded: (venue: VenueId, frames: number, err: Error) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  writeMetadata(metadata: Record<VenueId, VenueMetadata>): void {
    writeFileSync(join(this.dir, 'metadata.json'), `${JSON.stringify({ version: 1, venues: metadata }, null, 2)}\n`);
  }

  handleFrame(raw: RawFrame): Promise<void> {
    this.queue = this.queue.then(() => this.write(raw));
    return this.queue;
  }

  /** Counts frames that are in no file, and keeps them for the gap the next file's manifest records. */
  private lose(venue: VenueId, from: number, to: number, frames: number, err: Error): void {
    const u = this.unrecorded.get(venue);
    if (u) {
      u.from = Math.min(u.from, from);
      u.to = Math.max(u.to, to);
      u.frames += frames;
    } else this.unrecorded.set(venue, { from, to, frames, reason: `recording write failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
    this.onUnrecorded(venue, frames, err);
  }

  /**
   * A write failed: the file is closed and read back, since gzip had accepted frames that never reached
   * the disk. What it holds is a prefix of what was written; the rest of each venue's frames are lost,
   * counted, and a gap from that venue's last readable frame. The manifest is corrected to the file.
   */
  private async salvage(err: Error): Promise<void> {
    const { writer, manifest } = this;
    this.writer = undefined;
    this.manifest = undefined;
    this.hour = -1;
    this.retryAt = this.now() + RETRY_AFTER_MS;
    await writer?.close().catch(() => {});
    if (!manifest) return;
    const readable = new Map<VenueId, { frames: number; lastRecv: number }>();
    try {
      for await (const item of readRecording(join(this.dir, manifest.file))) {
        if (!item.ok) continue;
        const r = readable.get(item.frame.venue) ?? { frames: 0, lastRecv: 0 };
        r.frames += 1;
        r.lastRecv = item.frame.recv;
        readable.set(item.frame.venue, r);
      }
    } catch {
      // Unreadable beyond this point: the frames read so far are what the file holds.
    }
    for (const [venue, v] of Object.entries(manifest.venues)) {
      const r = readable.get(venue);
      const missing = v.frames - (r?.frames ?? 0);
      if (missing > 0) this.lose(venue, r ? r.lastRecv + 1 : v.firstRecv, v.lastRecv, missing, err);
      if (r) Object.assign(v, { frames: r.frames, lastRecv: r.lastRecv });
      else delete manifest.venues[venue];
    }
    manifest.frames = Object.values(manifest.venues).reduce((n, v) => n + v.frames, 0);
    this.writeManifest(manifest);
  }

  gap(venue: VenueId, from: number, to: number, reason: string): void {
    // A gap belongs to the file being written when the connection came back (or the next one).
    this.queue = this.queue.then(() => {
      (this.manifest?.gaps ?? this.pendingGaps).push({ venue, from, to, reason });
    });
  }

  private pendingGaps: FileManifest['gaps'] = [];

  private async write(raw: RawFrame): Promise<void> {
    const hour = Math.floor(raw.recv / HOUR);
    if (hour !== this.hour) {
      if (this.now() < this.retryAt) return this.lose(raw.venue, raw.recv, raw.recv, 1, this.lastError!);
      await this.rotate();
      const file = this.freeName(raw.recv);
      this.writer = recordingWriter(join(this.dir, file), { exclusive: true });
      this.hour = hour;
      const lost = [...this.unrecorded].map(([venue, u]) => ({ venue, from: u.from, to: u.to, reason: `${u.reason} (${u.frames} frames)` }));
      this.unrecorded.clear();
      this.manifest = { version: 1, file, venues: {}, frames: 0, from: raw.recv, to: raw.recv, gaps: [...this.pendingGaps, ...lost] };
      this.pendingGaps = [];
    }
    const m = this.manifest!;
    const v = (m.venues[raw.venue] ??= { frames: 0, firstRecv: raw.recv, lastRecv: raw.recv });
    v.frames += 1;
    v.lastRecv = raw.recv;
    m.frames += 1;
    m.to = raw.recv;
    try {
      await this.writer!.write(raw);
    } catch (err) {
      this.lastError = err as Error;
      await this.salvage(err as Error);
    }
  }

  private lastError: Error | undefined;

  /** The hour's file name, or the next free part of it (`.1`, `.2`, …): an existing file is never replaced. */
  private freeName(recv: number): string {
    const base = hourFileName(recv);
    for (let part = 0; ; part++) {
      const name = part === 0 ? base : base.replace(/\.ndjson\.gz$/, `.${part}.ndjson.gz`);
      if (!existsSync(join(this.dir, name))) return name;
    }
  }

  /** Whole or not at all (written beside, then renamed): a full disk must not leave half a manifest. */
  private writeManifest(manifest: FileManifest): void {
    const path = join(this.dir, manifest.file.replace(/\.ndjson\.gz$/, '.manifest.json'));
    try {
      writeFileSync(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
      renameSync(`${path}.tmp`, path);
    } catch {
      // The disk that failed the recording may fail its manifest too: the file's frames still replay,
      // and the frames lost are counted and go into the next file's gaps.
      rmSync(`${path}.tmp`, { force: true });
    }
  }

  private async rotate(): Promise<void> {
    if (!this.writer || !this.manifest) return;
    try {
      await this.writer.close();
    } catch (err) {
      // The last of the file did not reach the disk.
      this.lastError = err as Error;
      return this.salvage(err as Error);
    }
    this.writeManifest(this.manifest);
    this.writer = undefined;
    this.manifest = undefined;
  }

  /** Closes the current file and writes its manifest (frames lost after the last file were counted and logged). */
  async close(): Promise<void> {
    await this.queue;
    await this.rotate();
  }
}
