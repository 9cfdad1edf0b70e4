/** Each diagnostic code on a small file: where it lands, what it says, and recovery after it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../server/src/language/analyze';

function codes(text: string) {
  return analyzeText(text).diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.code}`);
}

function only(text: string, code: string) {
  const found = analyzeText(text).diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `one ${code} in ${JSON.stringify(text)}: ${JSON.stringify(analyzeText(text).diagnostics)}`);
  return found[0];
}

test('sizes: HxWxC, × and spaces around x are one size', () => {
  for (const input of ['227x227x3', '227 x 227 x 3', '227×227×3', '227 × 227 ×3']) {
    const n = analyzeText(`input ${input}\nconv 48 f=11 s=4`).network;
    assert.deepEqual(n.layers[0].output, [55, 55, 48], input);
  }
});

test('a bad line is reported and the lines after it are still analysed', () => {
  const text = 'input 28x28x1\nconv 6 f=5\n@@ nonsense\nmaxpool f=2\nfc 10';
  const analysis = analyzeText(text);
  assert.deepEqual(codes(text), ['3:1 error syntax-error']);
  assert.deepEqual(analysis.network.layers.map((l) => l.name), ['conv1', 'maxpool1', 'fc1']);
  assert.deepEqual(analysis.network.layers[2].input, [12, 12, 6]);
});

test('unknown keys and kinds suggest the nearest word', () => {
  assert.match(only('input 8x8x1\nconv 4 f=3 strid=1', 'unknown-key').message, /did you mean 'stride'\?/);
  assert.match(only('input 8x8x1\nconv 4 f=3 act=relu\nmaxpool f=2 act=relu', 'unknown-key').message, /'maxpool' takes no 'act'/);
  assert.match(only('input 8x8x1\ncovn 4 f=3', 'unknown-kind').message, /did you mean 'conv'\?/);
});

test('a missing kernel, count or input is an error that names what to write', () => {
  const kernel = only('input 8x8x1\nconv 4 s=1', 'missing-kernel');
  assert.equal(kernel.range.start.line, 1);
  assert.match(kernel.message, /'conv' needs a kernel/);
  assert.match(only('input 8x8x1\nconv f=3', 'missing-count').message, /number of filters/);
  assert.match(only('conv 4 f=3', 'missing-input').message, /input 227x227x3/);
  assert.match(only('input 227x227\nconv 4 f=3', 'invalid-input').message, /227x227x3 for colour/);
});

test('output sizes that cannot work', () => {
  const small = only('input 5x5x1\nconv 4 f=7', 'output-too-small');
  assert.match(small.message, /\(5 \+ 2·0 − 7\)\/1 \+ 1 = -1 < 1/);
  assert.match(only('input 8x8x6\nconv 4 f=3 groups=4', 'groups-mismatch').message, /groups=4 must divide both the input channels \(6\) and the filters \(4\)/);
  assert.match(only('input 8x8x1\nmaxpool f=3 p=2', 'pool-pad-too-large').message, /PyTorch refuses it/);
  assert.equal(only('input 8x8x1\nconv 4 f=3 p=3', 'pad-too-large').severity, 'warning');
  assert.match(only('input 8x8x1\nfc 10\nconv 4 f=3', 'needs-image-input').message, /'fc1' outputs a flat vector of 10/);
});

test('softmax must be last; statements keep their order', () => {
  assert.match(only('input 8x8x1\nsoftmax 10\nfc 4', 'softmax-not-last').message, /'fc1' follows it/);
  assert.deepEqual(codes('input 8x8x1\nnetwork late'), ['2:1 error statement-order']);
  assert.deepEqual(codes('input 8x8x1\nfc 4\ntrain epochs=1\nfc 2'), ['4:1 error statement-order']);
  assert.deepEqual(codes('input 8x8x1\ninput 8x8x1'), ['2:1 error duplicate-statement']);
});

test('values are checked with their position', () => {
  const d = only('input 8x8x1\nconv 4 f=3 act=relux', 'invalid-value');
  assert.deepEqual([d.range.start.line, d.range.start.character, d.range.end.character], [1, 15, 20]);
  assert.match(d.message, /expected one of relu, prelu/);
  assert.match(only('input 8x8x1\nfc 1_600', 'syntax-error').message, /write 1600 instead of 1_600/);
  assert.match(only('input 8x8x1\nconv 4 f=3 init=gaussian(-1)', 'invalid-value').message, /gaussian\(STD\) needs a standard deviation greater than 0/);
});

test('ceil rounding and rectangular windows', () => {
  const n = analyzeText('input 11x13x2\nmaxpool f=4x3 s=3x2 round=ceil').network;
  assert.deepEqual(n.layers[0].output, [4, 6, 2]);
  assert.deepEqual(n.layers[0].raw!.map((r) => Number(r.toFixed(2))), [3.33, 6]);
  assert.match(n.diagnostics[0].message, /round=ceil makes it 4, so the last window runs 2 past the padded edge/);
});

test('defaults apply to later layers that take the key, not to softmax act', () => {
  const n = analyzeText('input 8x8x3\ndefaults act=prelu init=xavier\nconv 4 f=3\nsoftmax 10').network;
  assert.equal(n.layers[0].act, 'prelu');
  assert.equal(n.layers[0].activationParams, 4);
  assert.equal(n.layers[0].params, 4 * (27 + 1) + 4);
  assert.equal(n.layers[1].act, undefined);
  assert.deepEqual(n.layers[1].init, { kind: 'xavier' });
});

test('init std follows He, Glorot and AlexNet', () => {
  const n = analyzeText('input 8x8x3\nconv 4 f=3 p=1\nconv 4 f=3 p=1 act=prelu\nconv 4 f=3 p=1 init=xavier\nconv 4 f=3 p=1 init=gaussian').network;
  assert.ok(Math.abs(n.layers[0].initStd! - Math.sqrt(2 / 27)) < 1e-12);
  assert.ok(Math.abs(n.layers[1].initStd! - Math.sqrt(2 / (1.0625 * 36))) < 1e-12);
  assert.ok(Math.abs(n.layers[2].initStd! - Math.sqrt(2 / (36 + 36))) < 1e-12);
  assert.equal(n.layers[3].initStd, 0.01);
});

test('receptive field and jump grow as (f − 1)·jump and jump·s', () => {
  const n = analyzeText('input 227x227x3\nconv 96 f=11 s=4\nmaxpool f=3 s=2\nconv 256 f=5 p=2').network;
  assert.deepEqual(n.layers.map((l) => l.receptiveField[0]), [11, 19, 51]);
  assert.deepEqual(n.layers.map((l) => l.jump[0]), [4, 8, 8]);
});

test('bias=false drops the + 1; batchnorm and dropout', () => {
  const n = analyzeText('input 8x8x3\nconv 4 f=3 bias=false\nbatchnorm\ndropout rate=0.3\nfc 2').network;
  assert.equal(n.layers[0].filterPlusOne, 27);
  assert.equal(n.layers[0].params, 108);
  assert.equal(n.layers[1].params, 8);
  assert.equal(n.layers[2].rate, 0.3);
  assert.equal(n.totals.neurons, 6 * 6 * 4 + 2);
});

test('an unnamed layer is <kind><k>, counting that kind from 1', () => {
  const n = analyzeText('input 8x8x1\nconv 2 f=3\nfirst: maxpool f=2\nconv 2 f=2\ndense 4\nmaxpool f=1').network;
  assert.deepEqual(n.layers.map((l) => l.name), ['conv1', 'first', 'conv2', 'fc1', 'maxpool2'].slice(0, 4));
  assert.equal(n.layers.length, 4);
  assert.match(analyzeText('input 8x8x1\nconv 2 f=3\nconv1: conv 2 f=3').diagnostics[0].message, /already exists on line 2/);
});
