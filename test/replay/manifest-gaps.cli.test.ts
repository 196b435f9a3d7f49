import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { recordedDir } from '../support/recorded-dir.js';

const QUIET = { LIQSTREAM_LOG_LEVEL: 'error' };
const NOTE =
  'replay: skipping 3 manifest/metadata files among the inputs (liqstream-20251010T21.manifest.json, liqstream-20251010T22.manifest.json, metadata.json): they are read beside their recordings\n';

describe('liqstream replay of a record directory (CLI)', () => {
  it('`replay dir/*` skips the manifests and metadata.json with one note, counts the manifests’ gaps once, the same bytes with 1 and 2 workers', async () => {
    const { dir } = await recordedDir();
    // What the shell makes of `dir/*`.
    const all = readdirSync(dir).sort().map((n) => join(dir, n));
    expect(all.map((f) => f.slice(dir.length + 1))).toEqual([
      'liqstream-20251010T21.manifest.json',
      'liqstream-20251010T21.ndjson.gz',
      'liqstream-20251010T22.manifest.json',
      'liqstream-20251010T22.ndjson.gz',
      'metadata.json',
    ]);
    const one = await runCli(['replay', ...all, '--workers', '1'], QUIET);
    expect(one.stderr).toBe(NOTE);
    expect(one.code).toBe(0);
    const report = JSON.parse(one.stdout) as { input: { files: string[] }; totals: { gaps: number; count: number } };
    expect(report.input.files).toEqual(['liqstream-20251010T21.ndjson.gz', 'liqstream-20251010T22.ndjson.gz']);
    expect(report.totals).toMatchObject({ gaps: 3, count: 4 });

    const two = await runCli(['replay', ...all, '--workers', '2'], QUIET);
    expect(two.code).toBe(0);
    expect(two.stderr.startsWith(`${NOTE}replay: 2 workers, `)).toBe(true);
    expect(two.stdout).toBe(one.stdout);
  }, 60_000);

  it('only manifest/metadata files: one line, exit 2', async () => {
    const { dir } = await recordedDir();
    const r = await runCli(['replay', join(dir, 'metadata.json')], QUIET);
    expect(r.stderr).toBe(
      'replay: skipping 1 manifest/metadata file among the inputs (metadata.json): they are read beside their recordings\nliqstream: no recording among the inputs (only manifest/metadata files)\n',
    );
    expect(r.code).toBe(2);
  }, 30_000);
});
