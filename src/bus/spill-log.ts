import { closeSync, existsSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { BusMessage } from './bus.js';

export const SpillConfig = z.strictObject({
  /** Directory of the spill segments; one process per directory (a lock file enforces it). */
  dir: z.string().min(1).default('data/spill'),
  /** Unsent bytes on disk before frames stop being read (and a gap is recorded). */
  maxBytes: z.number().int().min(1024).default(1024 ** 3),
  segmentBytes: z.number().int().min(1024).default(16 * 1024 ** 2),
  /**
   * always: fdatasync after every append and cursor move (survives power loss, slowest);
   * interval: at most every fsyncIntervalMs (a process crash loses nothing, the OS keeps the pages;
   * power loss loses at most the interval); never: leave it to the OS.
   */
  fsync: z.enum(['always', 'interval', 'never']).default('interval'),
  fsyncIntervalMs: z.number().int().min(1).default(1000),
  /** Back-off between attempts to reach the broker; attempts never stop. */
  retry: z.strictObject({ initialMs: z.number().int().min(1).default(200), maxMs: z.number().int().min(1).default(10_000) }).default({ initialMs: 200, maxMs: 10_000 }),
});
export type SpillConfig = z.output<typeof SpillConfig>;

/** One publish call, as it waits on disk: when it was accepted, its topic, its messages. */
export interface SpillRecord {
  t: number;
  topic: string;
  messages: BusMessage[];
}

interface Entry {
  segment: number;
  offset: number;
  bytes: number;
  t: number;
}

// len (u32) | crc32 of the rest (u32) | accepted at (f64 ms) | JSON payload
const HEADER = 16;
const FIRST_SEGMENT = 1_000_000_000_000;
const segmentName = (n: number): string => `${String(n).padStart(16, '0')}.spill`;
const CURSOR = 'cursor.json';
const LOCK = 'lock';

class SpillLockedError extends Error {}

/**
 * Writing to the spill failed (disk full, quota, I/O error). `written` records of the call are on
 * disk, whole; the rest are not (nothing half-written is left indexed).
 */
export class SpillWriteError extends Error {
  constructor(
    message: string,
    readonly written: number,
    /** The errno code (ENOSPC, EIO, EDQUOT, …), or 'short' for a short write. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** The errno code of a failed system call (ENOSPC, EIO, …). */
export const errnoCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';

/**
 * This boot of the kernel (Linux; '' elsewhere). A pid in a lock written before the last reboot
 * names no live holder, however alive that pid is now: with the spill kept on disk across a reboot,
 * an unrelated process that got the same pid made every start refuse the directory.
 */
const BOOT_ID = (() => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
})();

const lockText = (): string => `${process.pid} ${BOOT_ID}`.trim();

function acquireLock(dir: string): void {
  const path = join(dir, LOCK);
  const mine = lockText();
  try {
    writeFileSync(path, mine, { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // "pid boot-id"; older locks hold the pid alone.
  const [pidText = '', boot] = readFileSync(path, 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  let alive = false;
  try {
    if (pid > 0 && pid !== process.pid && !(boot && BOOT_ID && boot !== BOOT_ID)) {
      process.kill(pid, 0);
      alive = true;
    }
  } catch (err) {
    // EPERM: the process exists but belongs to another user (kill(pid, 0) may not signal it). Only
    // ESRCH says it is gone; taking over on EPERM let a second connector append beside a live one.
    alive = (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // Two connectors appending to one spill would interleave records and both drain them.
  if (alive) throw new SpillLockedError(`spill directory ${dir} is in use by process ${pid}; give each process its own bus.spill.dir`);
  writeFileSync(path, mine);
}

/**
 * An append-only, segmented log of publishes that could not go to the broker yet. Records are
 * read back in order and acknowledged once the broker has them; a cursor file says how far.
 * A torn record at a segment's end (a crash mid-write) is cut off when the log is opened.
 *
 * Synchronous I/O on purpose: appends land in the page cache in microseconds, and one writer with
 * no interleaving is what keeps the order.
 */
export class SpillLog {
  private readonly entries: Entry[] = [];
  private head = 0;
  /**
   * Where unsent records start in each segment that has sent ones before them (the cursor file).
   * Usually one segment; after a prepend also the segment that was the head before it.
   */
  private readonly starts = new Map<number, number>();
  private bytesOnDisk = 0;
  private fd: number | undefined;
  private tailSegment: number;
  private tailSize = 0;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bytes of torn records cut off when the log was opened. */
  recoveredTornBytes = 0;
  /** Records whose segment file disappeared while the process ran (counted, logged by the bus). */
  lostRecords = 0;
  /** Cursor writes the disk refused after an ack (the next ack tries again). */
  cursorWriteFailures = 0;
  /** Bytes of segment files deleted since the log was opened: space given back to the disk. */
  freedBytes = 0;

  private constructor(
    private readonly dir: string,
    private readonly config: SpillConfig,
  ) {
    this.tailSegment = FIRST_SEGMENT;
  }

  static open(config: SpillConfig): SpillLog {
    mkdirSync(config.dir, { recursive: true });
    acquireLock(config.dir);
    const log = new SpillLog(config.dir, config);
    log.recover();
    if (config.fsync === 'interval') log.timer = setInterval(() => log.sync(), config.fsyncIntervalMs).unref();
    return log;
  }

  /** Unsent records. */
  get records(): number {
    return this.entries.length - this.head;
  }

  /** Bytes of unsent records (headers included). */
  get bytes(): number {
    return this.bytesOnDisk;
  }

  /** When the oldest unsent record was accepted (ms), if any. */
  oldest(): number | undefined {
    return this.entries[this.head]?.t;
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .filter((f) => /^\d{16}\.spill$/.test(f))
      .map((f) => Number(f.slice(0, 16)))
      .sort((a, b) => a - b);
  }

  private recover(): void {
    try {
      const cursor = JSON.parse(readFileSync(join(this.dir, CURSOR), 'utf8')) as Record<string, number>;
      for (const [segment, offset] of Object.entries(cursor)) this.starts.set(Number(segment), offset);
    } catch {
      // No cursor: nothing was sent yet.
    }
    const first = this.starts.size > 0 ? Math.min(...this.starts.keys()) : -Infinity;
    let torn = 0;
    for (const segment of this.segments()) {
      const path = join(this.dir, segmentName(segment));
      // Segments before the cursor were sent (the process stopped before deleting them).
      if (segment < first) {
        rmSync(path, { force: true });
        continue;
      }
      const start = this.starts.get(segment) ?? 0;
      const data = readFileSync(path);
      let offset = 0;
      while (offset + HEADER <= data.length) {
        const len = data.readUInt32LE(offset);
        if (offset + HEADER + len > data.length || data.readUInt32LE(offset + 4) !== crc32(data.subarray(offset + 8, offset + HEADER + len))) break;
        if (offset >= start) {
          this.entries.push({ segment, offset, bytes: HEADER + len, t: data.readDoubleLE(offset + 8) });
          this.bytesOnDisk += HEADER + len;
        }
        offset += HEADER + len;
      }
      if (offset < data.length) {
        torn += data.length - offset;
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, offset);
        closeSync(fd);
      }
      this.tailSegment = segment;
      this.tailSize = offset;
    }
    this.recoveredTornBytes = torn;
    if (this.records === 0) this.reset();
  }

  /** Appends a record at the end; false (nothing written) when it would pass `limit` bytes. */
  append(record: SpillRecord, limit = this.config.maxBytes): boolean {
    const buf = encode(record);
    if (this.bytesOnDisk + buf.length > limit) return false;
    this.writeTail(buf, record.t);
    return true;
  }

  private writeTail(buf: Buffer, t: number): void {
    // An unlinked tail (the directory deleted under us) takes writes that nobody can read back.
    if (this.fd !== undefined && fstatSync(this.fd).nlink === 0) this.forgetMissing();
    let written: number;
    try {
      if (this.fd === undefined || this.tailSize >= this.config.segmentBytes) this.openTail(this.tailSize >= this.config.segmentBytes ? this.tailSegment + 1 : this.tailSegment);
      written = writeSync(this.fd!, buf);
    } catch (err) {
      // ENOSPC, EDQUOT, EIO…: nothing of this record was written (write(2) fails only before the first byte).
      throw new SpillWriteError(`spill: write failed: ${(err as Error).message}`, 0, errnoCode(err));
    }
    if (written !== buf.length) {
      // write(2) returns short when the disk fills mid-record. Indexing the whole record anyway put every
      // later offset in this segment on the wrong bytes. Cut the half record off and report the failure.
      ftruncateSync(this.fd!, this.tailSize);
      throw new SpillWriteError(`spill: short write (${written} of ${buf.length} bytes; disk full?)`, 0, 'short');
    }
    this.entries.push({ segment: this.tailSegment, offset: this.tailSize, bytes: buf.length, t });
    this.tailSize += buf.length;
    this.bytesOnDisk += buf.length;
    this.written();
  }

  /**
   * Writes records that are older than everything in the log (publishes that were in flight when
   * the broker failed) into a new segment before the first one. Not bounded by maxBytes: they were
   * already accepted, and there are at most the in-memory limit of them.
   *
   * When the disk refuses a write, the records before it stay (whole, in order) and SpillWriteError
   * says how many: the caller knows exactly which ones are lost.
   */
  prepend(records: SpillRecord[]): void {
    if (records.length === 0) return;
    if (this.records === 0) {
      for (let i = 0; i < records.length; i++) {
        try {
          this.writeTail(encode(records[i]!), records[i]!.t);
        } catch (err) {
          // Records 0..i-1 are on disk whatever failed (the directory vanishing included).
          throw new SpillWriteError((err as Error).message, i, err instanceof SpillWriteError ? err.code : errnoCode(err));
        }
      }
      return;
    }
    const segment = this.entries[this.head]!.segment - 1;
    const before = this.entries[this.head]!;
    this.starts.set(before.segment, before.offset);
    this.starts.set(segment, 0);
    // The cursor first: a crash after it leaves an empty or torn front segment, which the next start
    // reads or cuts; in the other order the next start would delete the new segment as already sent.
    try {
      this.writeCursor();
    } catch (err) {
      this.starts.delete(segment);
      throw new SpillWriteError(`spill: could not write the cursor: ${(err as Error).message}`, 0, errnoCode(err));
    }
    const path = join(this.dir, segmentName(segment));
    let offset = 0;
    const added: Entry[] = [];
    let failure: SpillWriteError | undefined;
    let fd: number | undefined;
    try {
      fd = openSync(path, 'w');
      for (const record of records) {
        const buf = encode(record);
        const written = writeSync(fd, buf);
        if (written !== buf.length) {
          failure = new SpillWriteError(`spill: short write (${written} of ${buf.length} bytes; disk full?) while moving the in-flight records to disk`, added.length, 'short');
          break;
        }
        added.push({ segment, offset, bytes: buf.length, t: record.t });
        offset += buf.length;
      }
      if (!failure && this.config.fsync === 'always') fdatasyncSync(fd);
    } catch (err) {
      failure = new SpillWriteError(`spill: write failed while moving the in-flight records to disk: ${(err as Error).message}`, added.length, errnoCode(err));
    }
    if (failure && fd !== undefined) {
      // Keep the whole records before the failure; cut the half one (a torn record before the head would
      // otherwise be cut at the next start together with nothing after it, but the index must match now).
      try {
        ftruncateSync(fd, offset);
      } catch {
        // Truncating to a smaller size needs no space; should it fail, the next start cuts the torn end.
      }
    }
    if (fd !== undefined) closeSync(fd);
    if (added.length === 0) {
      rmSync(path, { force: true });
      this.starts.delete(segment);
      try {
        this.writeCursor();
      } catch {
        // The cursor names a segment that is gone: a restart reads the others from their starts (nothing lost).
      }
    } else {
      for (const e of added) this.bytesOnDisk += e.bytes;
      this.entries.splice(0, this.head, ...added);
      this.head = 0;
    }
    if (failure) throw failure;
  }

  /** Reads the first unsent records, at most `max` of them and at most `maxMessages` messages (at least one record). */
  peek(max: number, maxMessages = Infinity): SpillRecord[] {
    const out: SpillRecord[] = [];
    let messages = 0;
    let fd: number | undefined;
    let fdSegment = -1;
    try {
      for (let i = this.head; i < this.entries.length && out.length < max; i++) {
        const e = this.entries[i]!;
        if (e.segment !== fdSegment) {
          if (fd !== undefined) closeSync(fd);
          fd = undefined;
          try {
            fd = openSync(join(this.dir, segmentName(e.segment)), 'r');
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
            // Removed under us (the directory deleted, a disk swapped): those records are gone. Forget
            // them and carry on with what is left, rather than retry a missing file for ever.
            this.forgetMissing();
            return this.peek(max, maxMessages);
          }
          fdSegment = e.segment;
        }
        const buf = Buffer.allocUnsafe(e.bytes - HEADER);
        readSync(fd!, buf, 0, buf.length, e.offset + HEADER);
        const record = JSON.parse(buf.toString('utf8')) as SpillRecord;
        if (out.length > 0 && messages + record.messages.length > maxMessages) break;
        messages += record.messages.length;
        out.push(record);
      }
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return out;
  }

  /** Drops the index entries whose segment file no longer exists, and makes the directory usable again. */
  private forgetMissing(): void {
    const present = new Set(existsSync(this.dir) ? this.segments() : []);
    const kept = this.entries.slice(this.head).filter((e) => present.has(e.segment));
    const lost = this.entries.length - this.head - kept.length;
    for (const e of this.entries.slice(this.head)) if (!present.has(e.segment)) this.bytesOnDisk -= e.bytes;
    this.lostRecords += lost;
    this.entries.length = 0;
    this.entries.push(...kept);
    this.head = 0;
    if (!present.has(this.tailSegment) && this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      this.tailSize = 0;
    }
    mkdirSync(this.dir, { recursive: true });
    if (!existsSync(join(this.dir, LOCK))) writeFileSync(join(this.dir, LOCK), lockText());
    for (const segment of this.starts.keys()) if (!present.has(segment)) this.starts.delete(segment);
    this.writeCursor();
  }

  /** The first `count` unsent records reached the broker: move the cursor past them, drop spent segments. */
  ack(count: number): void {
    if (count <= 0) return;
    const end = Math.min(this.entries.length, this.head + count);
    for (let i = this.head; i < end; i++) this.bytesOnDisk -= this.entries[i]!.bytes;
    const spent = new Set<number>();
    for (let i = this.head; i < end; i++) spent.add(this.entries[i]!.segment);
    this.head = end;
    const next = this.entries[this.head];
    if (!next) {
      this.reset();
      return;
    }
    for (const s of spent)
      if (s !== next.segment) {
        this.starts.delete(s);
        this.removeSegment(s);
      }
    this.starts.set(next.segment, next.offset);
    try {
      this.writeCursor();
    } catch {
      // A full disk refuses even the small cursor file. The records were sent; a stale cursor only makes
      // a restart send them again (at least once), so carry on: the next ack writes it again.
      this.cursorWriteFailures += 1;
    }
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Everything sent: start again from an empty first segment. */
  private reset(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    for (const s of this.segments()) this.removeSegment(s);
    rmSync(join(this.dir, CURSOR), { force: true });
    this.starts.clear();
    this.entries.length = 0;
    this.head = 0;
    this.bytesOnDisk = 0;
    this.tailSegment = FIRST_SEGMENT;
    this.tailSize = 0;
  }

  private removeSegment(segment: number): void {
    const path = join(this.dir, segmentName(segment));
    try {
      this.freedBytes += statSync(path).size;
    } catch {
      // Already gone.
    }
    rmSync(path, { force: true });
  }

  private openTail(segment: number): void {
    if (this.fd !== undefined) {
      if (this.config.fsync !== 'never') fdatasyncSync(this.fd);
      closeSync(this.fd);
    }
    if (segment !== this.tailSegment) this.tailSize = 0;
    this.tailSegment = segment;
    this.fd = openSync(join(this.dir, segmentName(segment)), 'a');
  }

  private writeCursor(): void {
    const tmp = join(this.dir, `${CURSOR}.tmp`);
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.starts)));
    renameSync(tmp, join(this.dir, CURSOR));
    this.written();
  }

  private written(): void {
    if (this.config.fsync === 'always') this.sync();
    else this.dirty = true;
  }

  /** fdatasync the open segment (interval policy calls this on a timer). */
  sync(): void {
    if (this.fd !== undefined && (this.dirty || this.config.fsync === 'always')) fdatasyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.fd !== undefined) {
      if (this.config.fsync !== 'never') fdatasyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    rmSync(join(this.dir, LOCK), { force: true });
  }

  /** Size of the segment files on disk (for tests and diagnostics). */
  diskBytes(): number {
    return this.segments().reduce((s, n) => s + statSync(join(this.dir, segmentName(n))).size, 0);
  }
}

function encode(record: SpillRecord): Buffer {
  const payload = Buffer.from(JSON.stringify({ t: record.t, topic: record.topic, messages: record.messages }), 'utf8');
  const buf = Buffer.allocUnsafe(HEADER + payload.length);
  buf.writeUInt32LE(payload.length, 0);
  buf.writeDoubleLE(record.t, 8);
  payload.copy(buf, HEADER);
  buf.writeUInt32LE(crc32(buf.subarray(8)), 4);
  return buf;
}
