import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutputs, OutputRefused, writeOutputFile, writeReportDir, type ReportInput } from '../../src/report/report-files.js';
import { tempDir } from '../support/recording.js';

const input = {
  report: { input: { files: ['x'], frames: 0, badFrames: 0 }, eventTime: { first: null, last: null }, totals: { usd: 0, count: 0, byVenue: {} }, cascades: [] },
  minutes: [],
  openInterest: [],
  fidelity: {},
} as unknown as ReportInput;

/** A directory with a file `victim` that a planted link points at; the test then checks it is untouched. */
function setup() {
  const dir = tempDir();
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  return { dir, victim };
}

describe('writeOutputFile', () => {
  it('creates a new file; refuses an existing one and a planted link (even dangling) without force', () => {
    const { dir, victim } = setup();
    const out = join(dir, 'r.json');
    writeOutputFile(out, 'one', false);
    expect(readFileSync(out, 'utf8')).toBe('one');
    expect(() => writeOutputFile(out, 'two', false)).toThrow(new OutputRefused(`refusing to overwrite ${out} (--force replaces it)`));
    expect(readFileSync(out, 'utf8')).toBe('one');

    const link = join(dir, 'link.json');
    symlinkSync(victim, link);
    expect(() => writeOutputFile(link, 'evil', false)).toThrow(`refusing to write through symbolic link ${link}`);
    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'not-yet'), dangling);
    expect(() => writeOutputFile(dangling, 'evil', false)).toThrow(`refusing to write through symbolic link ${dangling}`);
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('with force replaces the file, and a link by a regular file, leaving the link target and no temporary file', () => {
    const { dir, victim } = setup();
    const out = join(dir, 'r.json');
    writeFileSync(out, 'old');
    writeOutputFile(out, 'new', true);
    expect(readFileSync(out, 'utf8')).toBe('new');
    const link = join(dir, 'link.json');
    symlinkSync(victim, link);
    writeOutputFile(link, 'replaced', true);
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(readFileSync(link, 'utf8')).toBe('replaced');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'r.json', 'victim']);
  });

  it('never replaces a directory; a character device or FIFO is a stream, not a file to refuse', () => {
    const { dir } = setup();
    mkdirSync(join(dir, 'sub'));
    expect(() => writeOutputFile(join(dir, 'sub'), 'x', true)).toThrow(`refusing to write ${join(dir, 'sub')}: it is a directory`);
    expect(() => writeOutputFile('/dev/null', 'x', false)).not.toThrow();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => checkOutputs({ files: ['/dev/null', fifo] }, false)).not.toThrow();
    // A link to a device planted outside /dev is still a link.
    symlinkSync('/dev/null', join(dir, 'to-null'));
    expect(() => writeOutputFile(join(dir, 'to-null'), 'x', false)).toThrow(`refusing to write through symbolic link ${join(dir, 'to-null')}`);
  });
});

describe('writeReportDir and checkOutputs', () => {
  it('refuse a report directory that is a link, or that holds a planted link, without force', () => {
    const { dir, victim } = setup();
    const real = join(dir, 'real');
    mkdirSync(real);
    const linkDir = join(dir, 'linked');
    symlinkSync(real, linkDir);
    const msg = `refusing to use ${linkDir} as the report directory: it is a symbolic link (--force replaces the link with a directory)`;
    expect(() => checkOutputs({ files: [], reportDir: linkDir }, false)).toThrow(msg);
    expect(() => writeReportDir(linkDir, input)).toThrow(msg);
    expect(readdirSync(real)).toEqual([]);

    const out = join(dir, 'out');
    mkdirSync(out);
    symlinkSync(victim, join(out, 'report.html'));
    expect(() => checkOutputs({ files: [], reportDir: out }, false)).toThrow(`refusing to write through symbolic link ${join(out, 'report.html')}`);
    expect(() => writeReportDir(out, input)).toThrow(`refusing to write through symbolic link ${join(out, 'report.html')}`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(() => checkOutputs({ files: [], reportDir: victim }, true)).toThrow(`refusing to use ${victim} as the report directory: it is not a directory`);
  });

  it('with force replace the planted link and a linked directory, writing nothing through either', () => {
    const { dir, victim } = setup();
    const out = join(dir, 'out');
    mkdirSync(out);
    symlinkSync(victim, join(out, 'report.html'));
    checkOutputs({ files: [], reportDir: out }, true);
    writeReportDir(out, input, { force: true });
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<!doctype html>');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');

    const real = join(dir, 'real');
    mkdirSync(real);
    const linkDir = join(dir, 'linked');
    symlinkSync(real, linkDir);
    writeReportDir(linkDir, input, { force: true });
    expect(lstatSync(linkDir).isDirectory()).toBe(true);
    expect(readdirSync(linkDir).sort()).toEqual(['minutes.csv', 'report.html', 'report.json']);
    expect(readdirSync(real)).toEqual([]);
  });

  it('write into a new or an existing empty directory without force', () => {
    const { dir } = setup();
    writeReportDir(join(dir, 'a', 'b'), input);
    mkdirSync(join(dir, 'empty'));
    writeReportDir(join(dir, 'empty'), input);
    expect(readdirSync(join(dir, 'empty')).sort()).toEqual(['minutes.csv', 'report.html', 'report.json']);
    expect(() => checkOutputs({ files: [join(dir, 'empty', 'report.json')], reportDir: join(dir, 'empty') }, false)).toThrow('refusing to overwrite');
  });
});
