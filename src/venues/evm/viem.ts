import { createRequire } from 'node:module';

/**
 * viem, loaded on first use and synchronously (a FrameParser is synchronous): through its CommonJS build, so that
 * a replay of perps only or of an empty file never loads it (test/cli/viem-lazy.cli.test.ts). Cached by Node.
 */
type Viem = typeof import('viem');
let viem: Viem | undefined;
export function loadViem(): Viem {
  return (viem ??= createRequire(import.meta.url)('viem') as Viem);
}
