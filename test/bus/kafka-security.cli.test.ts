import { expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

it('connect with a missing CA file stops at start, naming the setting and the path, before any connection', async () => {
  // Port 1 on loopback: nothing listens, so getting past construction would show up as a connection error instead.
  const r = await runCli(['connect', '--kafka', '127.0.0.1:1', '--metrics-port', '0'], {
    LIQSTREAM_LOG_LEVEL: 'error',
    LIQSTREAM_BUS__KAFKA__SSL__CA_FILE: '/nonexistent/liqstream-ca.pem',
    LIQSTREAM_BUS__KAFKA__SASL__MECHANISM: 'plain',
    LIQSTREAM_BUS__KAFKA__SASL__USERNAME: 'u',
    LIQSTREAM_BUS__KAFKA__SASL__PASSWORD: 'cli-secret-5e1',
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^liqstream: bus\.kafka\.ssl\.caFile: cannot read \/nonexistent\/liqstream-ca\.pem: ENOENT[^\n]*\n$/);
  expect(r.stderr + r.stdout).not.toContain('cli-secret-5e1');
});
