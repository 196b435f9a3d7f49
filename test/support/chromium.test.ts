import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage } from './chromium.js';
import { tempDir } from './recording.js';

describe('openPage', () => {
  // report-html.cli.test.ts once counted 0 of 5 charts under load: Chromium's page target was still on its
  // initial about:blank (readyState 'complete'). openPage now returns only once the URL's document loaded.
  it('returns with the requested document loaded, never the initial about:blank', async () => {
    const file = join(tempDir('open-page-'), 'p.html');
    writeFileSync(file, '<!doctype html><title>t</title><svg width="300" height="200"><rect class="series" width="10" height="10"/></svg>');
    for (let i = 0; i < 3; i++) {
      const page = await openPage(`file://${file}`);
      try {
        expect(await page.evaluate<string>('location.href + " " + document.readyState + " " + document.querySelectorAll("svg .series").length')).toBe(`file://${file} complete 1`);
      } finally {
        await page.close();
      }
    }
  }, 90_000);
});
