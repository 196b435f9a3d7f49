import { describe, expect, it } from 'vitest';
import { SpillConfig, SpillLog } from '../../src/bus/spill-log.js';
import { tempDir } from '../support/recording.js';

const rec = (v: number) => ({ t: v, topic: 't', messages: [{ key: 'k', value: v }] });
const values = (log: SpillLog) => log.peek(1_000).map((r) => r.messages[0]!.value);

describe('SpillLog: prepend after partial acks, then restart', () => {
  it('keeps exactly the unsent records, in order, through prepends, partial acks and reopen', () => {
    const config = SpillConfig.parse({ dir: tempDir(), fsync: 'never', segmentBytes: 1024 });
    let log = SpillLog.open(config);
    for (let i = 0; i < 30; i++) log.append(rec(100 + i)); // several 1 KiB segments
    log.ack(3);
    log.prepend([rec(10), rec(11)]);
    log.ack(1);
    log.prepend([rec(1), rec(2)]);
    log.ack(1);
    expect(values(log)).toEqual([2, 11, ...Array.from({ length: 27 }, (_, i) => 103 + i)]);
    log.close();
    log = SpillLog.open(config);
    expect(values(log)).toEqual([2, 11, ...Array.from({ length: 27 }, (_, i) => 103 + i)]);
    log.ack(2 + 10);
    log.close();
    log = SpillLog.open(config);
    expect(values(log)).toEqual(Array.from({ length: 17 }, (_, i) => 113 + i));
    log.append(rec(200));
    log.prepend([rec(50)]);
    log.close();
    log = SpillLog.open(config);
    expect(values(log)).toEqual([50, ...Array.from({ length: 17 }, (_, i) => 113 + i), 200]);
    log.ack(100);
    expect(log.records).toBe(0);
    log.close();
  });
});

describe('SpillLog lock', () => {
  it('refuses a lock held by a live process of another user (kill(pid, 0) fails with EPERM)', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { vi } = await import('vitest');
    const config = SpillConfig.parse({ dir: tempDir(), fsync: 'never' });
    writeFileSync(join(config.dir, 'lock'), '4242');
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    });
    try {
      // Before the fix any error from kill(pid, 0) counted as "dead" and the lock was taken over.
      expect(() => SpillLog.open(config)).toThrow(/in use by process 4242/);
    } finally {
      kill.mockRestore();
    }
  });
});

describe('SpillLock across a reboot', () => {
  it('takes over a lock written before the last boot even if its pid is alive now; refuses the same pid from this boot', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    let bootId = '';
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      return; // not Linux: no boot id to compare
    }
    const config = SpillConfig.parse({ dir: tempDir(), fsync: 'never' });
    // The spill outlived a reboot; the dead holder's pid now belongs to a live, unrelated process.
    writeFileSync(join(config.dir, 'lock'), `${process.ppid} 00000000-0000-0000-0000-000000000000`);
    // Before the fix: 'in use by process <ppid>' on every start, until that unrelated process exits.
    const log = SpillLog.open(config);
    expect(readFileSync(join(config.dir, 'lock'), 'utf8')).toBe(`${process.pid} ${bootId}`);
    log.close();
    writeFileSync(join(config.dir, 'lock'), `${process.ppid} ${bootId}`);
    expect(() => SpillLog.open(config)).toThrow(new RegExp(`in use by process ${process.ppid}`));
  });
});
