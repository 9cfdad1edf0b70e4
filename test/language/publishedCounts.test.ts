/**
 * Parameter counts that others published: torchvision's AlexNet and VGG16 (sum of
 * p.numel() over model.parameters()), Caffe's bvlc_alexnet (two groups), LeNet-5 with full C3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';

function totals(file: string) {
  const analysis = analyzeText(readFileSync(`examples/${file}`, 'utf8'));
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), [], `${file} has no error`);
  return analysis.network;
}

test('torchvision AlexNet: 61,100,840 parameters', () => {
  const network = totals('alexnet-torchvision.cnn');
  assert.equal(network.totals.params, 61_100_840);
  // torchvision's state dict: features.0 is 64×3×11×11 + 64, classifier.1 is 4096×9216 + 4096.
  assert.equal(network.layers.find((l) => l.name === 'conv1')!.params, 64 * 3 * 11 * 11 + 64);
  assert.equal(network.layers.find((l) => l.name === 'fc6')!.params, 4096 * 9216 + 4096);
});

test('Caffe bvlc_alexnet with groups: 60,965,224 parameters', () => {
  const network = totals('alexnet-caffe.cnn');
  assert.equal(network.totals.params, 60_965_224);
  // conv2's blob in Caffe is 256×48×5×5: each filter sees half of conv1's 96 maps.
  assert.equal(network.layers.find((l) => l.name === 'conv2')!.weights, 256 * 48 * 5 * 5);
});

test('VGG16: 138,357,544 parameters and about 15.5 GMACs', () => {
  const network = totals('vgg16.cnn');
  assert.equal(network.totals.params, 138_357_544);
  assert.equal(Math.round(network.totals.macs / 1e8) / 10, 15.5);
});

test('LeNet-5 with a fully connected C3: 61,706 parameters', () => {
  assert.equal(totals('lenet5.cnn').totals.params, 61_706);
});

test('the 224 variant keeps the coursework parameters but warns on conv1', () => {
  const analysis = analyzeText(readFileSync('examples/alexnet-224.cnn', 'utf8'));
  assert.equal(analysis.network.totals.params, 7_672_104);
  const conv1 = analysis.diagnostics.find((d) => d.code === 'non-integer-output')!;
  assert.equal(conv1.range.start.line + 1, analysis.network.layers[0].line);
  assert.match(conv1.message, /\(224 \+ 2·0 − 11\)\/4 \+ 1 = 54\.25 is not whole; frameworks floor it to 54/);
});
