import { findTool, installAdvice, type TestTool } from './test-tools.mjs';

export { findTool, TEST_TOOLS, type TestTool } from './test-tools.mjs';

/**
 * The tools' paths. A test that needs an installed program calls this first: if any is missing it throws at
 * once, naming each and how to install it (`bash .ci/run`), instead of an uncaught spawn error and a timeout.
 */
export function requireTools(...tools: TestTool[]): string[] {
  const found = tools.map((t) => findTool(t));
  const missing = tools.filter((_, i) => found[i] === undefined);
  if (missing.length > 0)
    throw new Error(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed (not on PATH) and this test needs ${missing.length > 1 ? 'them' : 'it'}: ${installAdvice(missing)}`);
  return found as string[];
}

export const requireTool = (tool: TestTool): string => requireTools(tool)[0]!;
