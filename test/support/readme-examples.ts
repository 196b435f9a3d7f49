import { readFileSync } from 'node:fs';

export interface ReadmeExample {
  /** The command as the README shows it, after `$ `. */
  command: string;
  /** The output the README quotes under it (stdout), without a trailing newline. */
  output: string;
  /** 1-based line of the command in the file. */
  line: number;
}

/**
 * The examples in a markdown file's ```console blocks: each `$ command` line and the lines under it up to the
 * next `$ ` line or the block's end are that command's output. Tests run them and compare, so the quoted
 * output cannot drift from what the program prints.
 */
export function readmeExamples(path: string): ReadmeExample[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const examples: ReadmeExample[] = [];
  let inConsole = false;
  let current: { command: string; output: string[]; line: number } | undefined;
  const flush = () => {
    if (current) examples.push({ command: current.command, output: current.output.join('\n'), line: current.line });
    current = undefined;
  };
  lines.forEach((text, i) => {
    if (!inConsole) {
      inConsole = text.trim() === '```console';
      return;
    }
    if (text.trim() === '```') {
      flush();
      inConsole = false;
    } else if (text.startsWith('$ ')) {
      flush();
      current = { command: text.slice(2).trim(), output: [], line: i + 1 };
    } else current?.output.push(text);
  });
  return examples;
}

/** `npm run --silent liqstream -- ARGS` → the CLI's arguments; undefined for any other command. */
export function liqstreamArgs(command: string): string[] | undefined {
  const m = /^npm run --silent liqstream -- (.+)$/.exec(command);
  if (!m) return undefined;
  if (/["'`\\$|;&<>]/.test(m[1]!)) throw new Error(`README example needs a shell, which the check does not run: ${command}`);
  return m[1]!.split(/\s+/);
}
