import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { liqstreamArgs, readmeExamples } from '../support/readme-examples.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Examples whose check is elsewhere, because they are slow: where, so none goes unchecked. */
const CHECKED_ELSEWHERE: Record<string, string> = {
  'npm run --silent demo': 'test/cli/demo.cli.test.ts (its steps, on the shared simulated day)',
};

describe("the README's quoted examples print what the README says", () => {
  const examples = readmeExamples(join(ROOT, 'README.md'));

  it('the README has examples, and each one is run here or by the test named for it', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const e of examples) expect(CHECKED_ELSEWHERE[e.command] ?? liqstreamArgs(e.command), `README.md:${e.line}: ${e.command}`).toBeDefined();
    expect(Object.keys(CHECKED_ELSEWHERE).every((c) => examples.some((e) => e.command === c))).toBe(true);
  });

  it.each(examples.filter((e) => !CHECKED_ELSEWHERE[e.command]).map((e) => [`README.md:${e.line}: ${e.command}`, e] as const))('%s', async (_name, e) => {
    const r = await runCli(liqstreamArgs(e.command)!, { LIQSTREAM_LOG_LEVEL: 'error', NO_COLOR: '1' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\n$/, '')).toBe(e.output);
  });
});
