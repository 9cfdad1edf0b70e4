/**
 * The examples over 100M parameters (VGG16's 138,357,544) exported to PyTorch: model.py with the
 * runner's initial weights gives the runner's forward pass to 1e-4 (see pytorchExamples.test.ts).
 * A file of its own for its 10 minutes: writing and reading 553 MB of weights takes a while.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkForward, examples, LARGE_EXAMPLE_PARAMS } from './pytorchForward';

const large = examples().filter((e) => e.network.totals.params > LARGE_EXAMPLE_PARAMS);
test('the examples include one over 100M parameters (else this file checks nothing)', () => assert.ok(large.length > 0));

for (const { name, network } of large) {
  test(`examples/${name}: the exported model.py with the runner's initial weights gives the runner's forward pass to 1e-4`, (t) => checkForward(t, network));
}
