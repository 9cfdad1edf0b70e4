/**
 * FLOPs and MACs named right, and the parameters that are not trained (issue "See the network"):
 * the MACs of a forward pass against torchvision's published `_ops` (which, despite the name
 * GFLOPS in its docs, counts multiply-accumulates), forward FLOPs = 2 x MACs, a training step
 * about 3 x forward, and batchnorm's running statistics as non-trainable parameters.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { analyzeText } from '../../server/src/language/analyze';
import { renderTable } from '../../server/src/language/table';

const totals = (file: string) => analyzeText(readFileSync(`examples/${file}`, 'utf8')).network.totals;

test("forward MACs match torchvision's published _ops (GMACs, 3 decimals)", () => {
  const published: Record<string, number> = { 'resnet18.cnn': 1.814, 'resnet50.cnn': 4.089, 'googlenet.cnn': 1.498 };
  for (const [file, gmacs] of Object.entries(published)) {
    assert.equal(Math.round(totals(file).macs / 1e6) / 1e3, gmacs, file);
  }
});

test('forward FLOPs are 2 x MACs and a training step 6 x MACs (forward + backward, about 3 x forward)', () => {
  const t = totals('alexnet-coursework.cnn');
  assert.equal(t.forwardFlops, 2 * t.macs);
  assert.equal(t.trainingFlops, 3 * t.forwardFlops);
});

test('batchnorm running statistics are non-trainable parameters; the table says so', () => {
  // ResNet-18's batchnorm channels: bn1 64, layer1 4 x 64, layer2 4 x 128 + 128 (downsample),
  // layer3 4 x 256 + 256, layer4 4 x 512 + 512: 4,800 channels, each a running mean and variance.
  const t = totals('resnet18.cnn');
  assert.equal(t.nonTrainableParams, 2 * (64 + 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512));
  assert.equal(t.params, 11689512, 'trainable parameters are unchanged');
  assert.equal(totals('alexnet-coursework.cnn').nonTrainableParams, 0);
  const text = renderTable(analyzeText(readFileSync('examples/resnet18.cnn', 'utf8')).network, 'text');
  assert.match(text, /\+ 9,600 non-trainable/);
  assert.match(text, /forward FLOPs 3,628,146,688/);
});
