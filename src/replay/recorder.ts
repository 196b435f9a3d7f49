import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawFrame, VenueId } from '../schema/events.js';
import type { VenueMetadata } from '../venues/venue.js';
import { recordingWriter } from './recording.js';

const HOUR = 3_600_000;

export interface FileManifest {
  version: 1;
  file: string;
  venues: Record<VenueId, { frames: number; firstRecv: number; lastRecv: number }>;
  frames: number;
  from: number;
  to: number;
  gaps: { venue: VenueId; from: number; to: number; reason: string }[];
}

/** Hourly file name by receive time: liqstream-20251010T21.ndjson.gz (UTC). */
export const hourFileName = (recv: number): string => `liqstream-${new Date(Math.floor(recv / HOUR) * HOUR).toISOString().slice(0, 13).replace(/-/g, '')}.ndjson.gz`;

/**
 * Writes every raw frame to hourly gzip recordings (format v1) with a manifest beside each file,
 * and the venues' market metadata to metadata.json so a replay needs no network.
 */
export class Recorder {
  private writer: ReturnType<typeof recordingWriter> | undefined;
  private manifest: FileManifest | undefined;
  private hour = -1;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  writeMetadata(metadata: Record<VenueId, VenueMetadata>): void {
    writeFileSync(join(this.dir, 'metadata.json'), `${JSON.stringify({ version: 1, venues: metadata }, null, 2)}\n`);
  }

  handleFrame(raw: RawFrame): Promise<void> {
    this.queue = this.queue.then(() => this.write(raw));
    return this.queue;
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
      await this.rotate();
      this.hour = hour;
      const file = hourFileName(raw.recv);
      this.writer = recordingWriter(join(this.dir, file));
      this.manifest = { version: 1, file, venues: {}, frames: 0, from: raw.recv, to: raw.recv, gaps: this.pendingGaps };
      this.pendingGaps = [];
    }
    const m = this.manifest!;
    const v = (m.venues[raw.venue] ??= { frames: 0, firstRecv: raw.recv, lastRecv: raw.recv });
    v.frames += 1;
    v.lastRecv = raw.recv;
    m.frames += 1;
    m.to = raw.recv;
    await this.writer!.write(raw);
  }

  private async rotate(): Promise<void> {
    if (!this.writer || !this.manifest) return;
    await this.writer.close();
    writeFileSync(join(this.dir, this.manifest.file.replace(/\.ndjson\.gz$/, '.manifest.json')), `${JSON.stringify(this.manifest, null, 2)}\n`);
    this.writer = undefined;
    this.manifest = undefined;
  }

  /** Closes the current file and writes its manifest. */
  async close(): Promise<void> {
    await this.queue;
    await this.rotate();
  }
}
