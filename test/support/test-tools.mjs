// The programs the tests run, in plain JavaScript so that `npm test` can check for them (node
// test/support/test-tools.mjs) before compiling anything; the tests use them through tools.ts.
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Tool → Debian package. `bash .ci/run` installs every one of them (Kafka's and QuestDB's jars too, with Maven; Java runs both). */
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
};

/** Debian names chromium's binary chromium; Ubuntu's is chromium-browser. */
const ALIASES = { chromium: ['chromium', 'chromium-browser'] };

/** The tool's full path on PATH (an executable file), or undefined. */
export function findTool(tool, path = process.env.PATH ?? '') {
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

/** How to get missing tools: the one command that installs everything, or their packages. */
export const installAdvice = (tools) =>
  `run \`bash .ci/run\` (installs every tool the tests need, then runs them) or \`apt-get install ${[...new Set(tools.map((t) => TEST_TOOLS[t]))].join(' ')}\``;

/** Whether scripts/kafka/kafka.sh has fetched the broker's jars (then Maven is not needed). */
export function kafkaJarsFetched(home = process.env.KAFKA_HOME_DIR ?? '.cache/kafka') {
  return existsSync(home) && readdirSync(home).some((v) => existsSync(join(home, v, 'libs', '.complete')));
}

/** Whether scripts/questdb/questdb.sh has fetched the QuestDB server jar (then Maven is not needed for it). */
export function questdbJarFetched(home = process.env.QUESTDB_HOME_DIR ?? '.cache/questdb') {
  return existsSync(home) && readdirSync(home).some((v) => existsSync(join(home, v, 'libs', '.complete')));
}

/** Every tool the whole suite needs that is not on PATH (Maven only while the Kafka or QuestDB jars are not fetched). */
export function missingForSuite() {
  const needed = Object.keys(TEST_TOOLS).filter((t) => t !== 'mvn' || !kafkaJarsFetched() || !questdbJarFetched());
  return needed.filter((t) => findTool(t) === undefined);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const missing = missingForSuite();
  if (missing.length > 0) {
    process.stderr.write(`npm test: not installed (not on PATH): ${missing.join(', ')}. The tests need them: ${installAdvice(missing)}.\n`);
    process.exit(1);
  }
}
