import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpillConfig, SpillLog, type SpillRecord } from '../../src/bus/spill-log.js';
import { tempDir } from '../support/recording.js';

const config = (dir: string, over: Partial<SpillConfig> = {}) => SpillConfig.parse({ dir, fsync: 'never', ...over });
const rec = (i: number, topic = 't'): SpillRecord => ({ t: 1_000 + i, topic, messages: [{ key: `k${i}`, value: { i } }] });
const ids = (records: SpillRecord[]) => records.map((r) => (r.messages[0]!.value as { i: number }).i);

describe('SpillLog', () => {
  it('gives records back in order across segments, and reopening resumes after the last acknowledged one', () => {
    const dir = tempDir();
    const log = SpillLog.open(config(dir, { segmentBytes: 1024 }));
    for (let i = 0; i < 100; i++) expect(log.append(rec(i))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.spill')).length).toBeGreaterThan(3);
    expect(ids(log.peek(10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    log.ack(37);
    expect(log.records).toBe(63);
    expect(log.oldest()).toBe(1_037);
    log.close();

    const again = SpillLog.open(config(dir, { segmentBytes: 1024 }));
    expect(again.records).toBe(63);
    expect(ids(again.peek(1000))).toEqual(Array.from({ length: 63 }, (_, i) => 37 + i));
    again.ack(63);
    expect(again.records).toBe(0);
    expect(again.bytes).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.spill'))).toEqual([]);
    again.close();
  });

  it('puts prepended records (in flight when the broker failed) before everything spilled meanwhile', () => {
    const log = SpillLog.open(config(tempDir()));
    log.append(rec(10));
    log.append(rec(11));
    log.ack(1);
    log.prepend([rec(7), rec(8)]);
    expect(ids(log.peek(10))).toEqual([7, 8, 11]);
    log.close();
  });

  it('cuts off a torn record at the end (a crash mid-write) and keeps the ones before it', () => {
    const dir = tempDir();
    const log = SpillLog.open(config(dir));
    for (let i = 0; i < 3; i++) log.append(rec(i));
    log.close();
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith('.spill'))!);
    appendFileSync(segment, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5]));
    const again = SpillLog.open(config(dir));
    expect(again.recoveredTornBytes).toBe(9);
    expect(ids(again.peek(10))).toEqual([0, 1, 2]);
    again.append(rec(3));
    expect(ids(again.peek(10))).toEqual([0, 1, 2, 3]);
    again.close();
  });

  it('refuses appends past maxBytes and takes them again once acknowledged records free the space', () => {
    const log = SpillLog.open(config(tempDir(), { maxBytes: 1024 }));
    let n = 0;
    while (log.append(rec(n))) n += 1;
    expect(n).toBeGreaterThan(5);
    expect(log.bytes).toBeLessThanOrEqual(1024);
    log.ack(1);
    expect(log.append(rec(n))).toBe(true);
    log.close();
  });

  it('refuses a directory another live process holds, and takes over one whose holder died', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), String(process.ppid));
    expect(() => SpillLog.open(config(dir))).toThrow(/in use by process/);
    writeFileSync(join(dir, 'lock'), '999999999');
    const log = SpillLog.open(config(dir));
    log.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('property: any sequence of appends, prepends, acks and reopenings gives records back in the order of a plain list', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('append' as const), fc.constant('reopen' as const), fc.record({ ack: fc.nat(4) }), fc.record({ prepend: fc.integer({ min: 1, max: 3 }) })), { maxLength: 60 }),
        (ops) => {
          const dir = tempDir();
          const cfg = config(dir, { segmentBytes: 1024 });
          let log = SpillLog.open(cfg);
          const model: number[] = [];
          let next = 0;
          let prepended = -1;
          for (const op of ops) {
            if (op === 'append') {
              log.append(rec(next));
              model.push(next++);
            } else if (op === 'reopen') {
              log.close();
              log = SpillLog.open(cfg);
            } else if ('ack' in op) {
              log.ack(op.ack);
              model.splice(0, op.ack);
            } else {
              const recs = Array.from({ length: op.prepend }, () => rec(prepended--));
              log.prepend(recs);
              model.unshift(...ids(recs));
            }
            expect(log.records).toBe(model.length);
          }
          expect(ids(log.peek(1000))).toEqual(model);
          log.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
