/**
 * He et al. 2015's variance analysis: ½·n·Var[w] forward (eq. 10), ½·n̂·Var[w] backward (eq. 14),
 * (1 + a²)/2 for PReLU, and the warnings and fixes when the products leave [1e-3, 1e3].
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';
import { quickFixes } from '../../server/src/language/codeActions';
import { hover } from '../../server/src/language/hover';
import { applyEdits } from '../../server/src/language/textEdits';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${a} ≈ ${b}`);

test('He init with ReLU keeps every forward factor at 1; backward is d_out/c_in', () => {
  const n = analyzeText(readFileSync('examples/alexnet-coursework.cnn', 'utf8')).network;
  for (const layer of n.layers.filter((l) => l.act === 'relu')) close(layer.signal!.forward, 1);
  const conv2 = n.layers.find((l) => l.name === 'conv2')!;
  close(conv2.signal!.backward, 128 / 48);
  // softmax has no rectifier: n·Var[w] = n·2/n.
  close(n.layers.at(-1)!.signal!.forward, 2);
  assert.equal(n.diagnostics.some((d) => d.code.endsWith('-signal')), false);
});

test('PReLU with its own He init: (1 + a²)/2 · n · 2/((1 + a²) n) = 1', () => {
  const n = analyzeText('input 16x16x3\nconv 8 f=3 act=prelu\nconv 8 f=3 act=prelu-shared').network;
  for (const layer of n.layers) close(layer.signal!.forward, 1);
});

test('Xavier with tanh: n · 2/(n + n_out), Glorot and Bengio\'s linear regime', () => {
  const n = analyzeText('input 16x16x3\nconv 8 f=3 act=tanh init=xavier').network;
  close(n.layers[0].signal!.forward, 27 * 2 / (27 + 72));
});

test('AlexNet\'s gaussian(0.01) on the 30-layer plain network vanishes; init=he does not', () => {
  const text = readFileSync('examples/plain30.cnn', 'utf8');
  const analysis = analyzeText(text);
  const forward = analysis.diagnostics.find((d) => d.code === 'vanishing-signal' && d.message.startsWith('The forward'))!;
  assert.ok(forward, 'forward warning');
  // ½·27·1e-4 · ½·72·1e-4 = 4.86e-6 after two layers (3 then 8 input channels, 3x3 kernels).
  assert.match(forward.message, /up to conv2 its variance is scaled by 4\.86e-6/);
  const fixes = quickFixes(analysis, forward.range);
  assert.match(fixes[0].title, /^Use init=he for every layer/);
  assert.equal(fixes[0].preferred, true);
  const fixed = analyzeText(applyEdits(text, fixes[0].edits));
  assert.deepEqual(fixed.diagnostics.filter((d) => d.code.endsWith('-signal')), []);
  const he = analyzeText(text.replace('defaults init=gaussian(0.01)', 'defaults init=he'));
  assert.deepEqual(he.diagnostics, []);
});

test('hover shows the forward and backward gains of a layer', () => {
  const analysis = analyzeText(readFileSync('examples/alexnet-coursework.cnn', 'utf8'));
  const text = (hover(analysis, { line: 5, character: 2 })!.contents as { value: string }).value;
  assert.match(text, /going forward this layer multiplies the variance by 0\.5·n·Var\[w\] = 1 \(all layers from the input to here: 1\); going back it multiplies the gradient's variance by 0\.5·n̂·Var\[w\] = 2\.67/);
});
