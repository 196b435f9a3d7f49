import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_PATH, compileEmitters, loadArtifacts } from '../../fixtures/evm/compile.js';

// The anvil tests deploy the committed artifact (solcjs takes seconds); this keeps it the source's.
// UPDATE_EMITTERS=1 rewrites it after an edit of Emitters.sol.
describe('test/fixtures/evm/emitters.json', () => {
  it('is what solc compiles from Emitters.sol', () => {
    const compiled = compileEmitters();
    if (process.env.UPDATE_EMITTERS === '1') writeFileSync(ARTIFACT_PATH, `${JSON.stringify(compiled, null, 1)}\n`);
    expect(loadArtifacts()).toEqual(compiled);
    expect(Object.keys(compiled).sort()).toEqual(['LiquidationEmitter', 'MockAggregator', 'MockComet', 'MockEVault', 'MockEulerFactory', 'MockFluidFactory', 'MockFluidVault', 'MockMorpho', 'MockToken']);
  });
});
