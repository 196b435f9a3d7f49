import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { binanceRecordingFrames, tempDir, writeRecording } from '../support/recording.js';

it('replay refuses an existing --report file and a planted --report-dir link with one line and exit 1; --force replaces them, not their targets', async () => {
  const dir = tempDir();
  const rec = await writeRecording(join(dir, 'rec.ndjson.gz'), binanceRecordingFrames());
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  const out = join(dir, 'out');
  mkdirSync(out);
  symlinkSync(victim, join(out, 'report.html'));
  const existing = join(dir, 'r.json');
  writeFileSync(existing, 'old\n');
  const env = { LIQSTREAM_LOG_LEVEL: 'error' };

  const planted = await runCli(['replay', rec, '--report-dir', out], env);
  expect(planted.code).toBe(1);
  expect(planted.stderr).toBe(`liqstream: refusing to write through symbolic link ${join(out, 'report.html')} (--force replaces the link itself)\n`);
  const overwrite = await runCli(['replay', rec, '--report', existing], env);
  expect(overwrite.code).toBe(1);
  expect(overwrite.stderr).toBe(`liqstream: refusing to overwrite ${existing} (--force replaces it)\n`);
  expect(readFileSync(existing, 'utf8')).toBe('old\n');

  const forced = await runCli(['replay', rec, '--report-dir', out, '--report', existing, '--force'], env);
  expect(forced.stderr).toBe('');
  expect(forced.code).toBe(0);
  expect(lstatSync(join(out, 'report.html')).isSymbolicLink()).toBe(false);
  expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<!doctype html>');
  expect(JSON.parse(readFileSync(existing, 'utf8'))).toEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
  expect(readFileSync(victim, 'utf8')).toBe('precious\n');

  // /dev/stdout is a link too, but one the user named under /dev, here to a shell pipe (a FIFO; Node's
  // own child pipes are sockets, which cannot be opened by path at all): written as a stream.
  const piped = execFileSync('sh', ['-c', `"${process.execPath}" "${CLI}" replay "${rec}" --report /dev/stdout | cat`], { env: { ...process.env, ...env } });
  expect(JSON.parse(piped.toString())).toEqual(JSON.parse(readFileSync(existing, 'utf8')));
});
