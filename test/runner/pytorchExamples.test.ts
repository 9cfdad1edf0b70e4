/**
 * Every example exported to PyTorch (runner/src/export/pytorch.ts): model.py with the runner's
 * initial weights gives the runner's forward pass (the cpu backend) to 1e-4 of the largest
 * probability, on a fixed input. Checked by torch (Debian's python3-torch; or CNN_PYTHON): skips
 * without it, except under CI. A file of its own: the 224x224 examples take minutes on a small machine;
 * those over 100M parameters (VGG16) are in pytorchLargeExamples.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../server/src/language/analyze';
import { checkForward, examples, LARGE_EXAMPLE_PARAMS } from './pytorchForward';

for (const { name, network } of examples().filter((e) => e.network.totals.params <= LARGE_EXAMPLE_PARAMS)) {
  test(`examples/${name}: the exported model.py with the runner's initial weights gives the runner's forward pass to 1e-4`, (t) => checkForward(t, network));
}

// What the examples do not use: every activation with slopes or a ceiling, concat and batchnorm of flat
// vectors, an even LRN window, ceil-mode pooling with padding, dropout (the identity in inference).
const EVERY_KIND = `network kinds
input 12x12x3
c1: conv 6 f=3 p=1 act=prelu
c2: conv 6 f=3 p=1 act=leakyrelu
c3: conv 6 f=1 from=c1 act=relu6
cat: concat from=c2,c3 act=prelu-shared
n1: lrn size=4
p1: avgpool f=3 s=2 p=1 round=ceil
m1: maxpool f=2 s=2 round=ceil
bn: batchnorm act=sigmoid
f1: fc 10 act=prelu
f2: fc 10 act=tanh
d: dropout rate=0.3
bnf: batchnorm
fcat: concat from=f1,bnf
out: softmax 5
`;

test('every activation, flat concat and batchnorm, an even LRN window and ceil-mode pooling, with random weights and statistics: model.py gives the runner\'s forward pass', (t) => {
  const { network } = analyzeText(EVERY_KIND);
  assert.deepEqual(network.diagnostics.filter((d) => d.severity === 'error'), []);
  return checkForward(t, network, true);
});
