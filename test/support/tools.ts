import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The programs some tests run, and the Debian package of each. `.ci/run` installs all of them (and Kafka's
 * jars with Maven), so on a fresh machine `bash .ci/run` is the one command; a test that needs one checks
 * for it first and fails at once with this advice, instead of an uncaught spawn error and a timeout.
 */
export const TEST_TOOLS = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  amtool: 'prometheus-alertmanager',
  chromium: 'chromium',
  lz4: 'lz4',
  java: 'openjdk-17-jre-headless',
  mvn: 'maven',
  openssl: 'openssl',
} as const;
export type TestTool = keyof typeof TEST_TOOLS;

/** Debian names chromium's binary chromium; Ubuntu's snap wrapper is chromium-browser. */
const ALIASES: Partial<Record<TestTool, string[]>> = { chromium: ['chromium', 'chromium-browser'] };

/** The tool's full path on PATH, or undefined. */
export function findTool(tool: TestTool, path = process.env.PATH ?? ''): string | undefined {
  for (const name of ALIASES[tool] ?? [tool])
    for (const dir of path.split(delimiter).filter(Boolean)) {
      const file = join(dir, name);
      try {
        if (existsSync(file)) {
          accessSync(file, constants.X_OK);
          return file;
        }
      } catch {
        // not executable: keep looking
      }
    }
  return undefined;
}

/** How to get a missing tool: the one command that installs everything, or just its package. */
export const installAdvice = (tools: readonly TestTool[]): string =>
  `run \`bash .ci/run\` (installs every tool the tests need, then runs them) or \`apt-get install ${[...new Set(tools.map((t) => TEST_TOOLS[t]))].join(' ')}\``;

/** The tools' paths; if any is missing, throws at once naming each and how to install it. */
export function requireTools(...tools: TestTool[]): string[] {
  const found = tools.map((t) => findTool(t));
  const missing = tools.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed (not on PATH) and this test needs ${missing.length > 1 ? 'them' : 'it'}: ${installAdvice(missing)}`);
  return found as string[];
}

export const requireTool = (tool: TestTool): string => requireTools(tool)[0]!;
