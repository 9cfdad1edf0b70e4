/** Variants of a network for `cnn compare`: every init and act the file sets, replaced once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';
import { variantText } from '../../server/src/language/variants';

test('the Caffe example with he and prelu everywhere: each layer re-analysed with them', () => {
  const text = readFileSync('examples/alexnet-caffe.cnn', 'utf8');
  const variant = variantText(text, { init: 'he', act: 'prelu' });
  assert.doesNotMatch(variant, /gaussian/);
  const network = analyzeText(variant).network;
  assert.deepEqual(analyzeText(variant).diagnostics, []);
  for (const layer of network.layers.filter((l) => l.kind === 'conv' || l.kind === 'fc')) {
    assert.equal(layer.act, 'prelu');
    assert.ok(Math.abs(layer.initStd! - Math.sqrt(2 / (1.0625 * layer.fanIn!))) < 1e-12, layer.name);
  }
  // softmax takes no act; its init follows.
  const out = network.layers.at(-1)!;
  assert.equal(out.act, undefined);
  assert.deepEqual(out.init, { kind: 'he' });
  // PReLU adds one slope per channel: 60,965,224 + the conv and fc channels.
  const slopes = network.layers.filter((l) => l.act === 'prelu').reduce((n, l) => n + l.output[l.output.length - 1], 0);
  assert.equal(network.totals.params, 60_965_224 + slopes);
});

test('gaussian(0.01) on LeNet-5 replaces its xavier default; lines keep their numbers for later layers', () => {
  const text = readFileSync('examples/lenet5.cnn', 'utf8');
  const variant = variantText(text, { init: 'gaussian(0.01)' });
  const network = analyzeText(variant).network;
  assert.ok(network.layers.filter((l) => l.initStd !== undefined).every((l) => l.initStd === 0.01));
  assert.ok(network.layers.filter((l) => l.kind === 'conv').every((l) => l.act === 'tanh'), 'act untouched');
  assert.equal(network.totals.params, 61_706);
});
