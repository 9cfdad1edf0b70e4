/**
 * The coursework's table (test/fixtures/alexnet-coursework.md, a copy of the seed) worked out by
 * hand with (n + 2p − f)/s + 1 and filters × (f·f·Cin + 1): the tool must give every cell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';

const source = readFileSync('examples/alexnet-coursework.cnn', 'utf8');
const network = analyzeText(source).network;

// name, n, Cin, f, p, s, output size, output channels, neurons, filter + 1, params
const expected: [string, number, number, number, number, number, number, number, number, number | undefined, number][] = [
  ['conv1', 227, 3, 11, 0, 4, 55, 48, 145200, 364, 17472],
  ['pool1', 55, 48, 3, 0, 2, 27, 48, 34992, undefined, 0],
  ['conv2', 27, 48, 6, 2, 1, 26, 128, 86528, 1729, 221312],
  ['pool2', 26, 128, 4, 0, 2, 12, 128, 18432, undefined, 0],
  ['conv3', 12, 128, 5, 2, 1, 12, 192, 27648, 3201, 614592],
  ['conv4', 12, 192, 4, 1, 1, 11, 192, 23232, 3073, 590016],
  ['conv5', 11, 192, 3, 1, 1, 11, 128, 15488, 1729, 221312],
  ['pool3', 11, 128, 4, 0, 3, 3, 128, 1152, undefined, 0],
];
// name, size of input, output neurons, filter + 1, params
const dense: [string, number, number, number, number][] = [
  ['fc1', 1152, 1600, 1153, 1844800],
  ['fc2', 1600, 1600, 1601, 2561600],
  ['out', 1600, 1000, 1601, 1601000],
];

test('every cell of the convolution and pooling rows', () => {
  for (const [name, n, cin, f, p, s, out, cout, neurons, filterPlusOne, params] of expected) {
    const layer = network.layers.find((l) => l.name === name);
    assert.ok(layer, `${name} is analysed`);
    assert.deepEqual(layer.input, [n, n, cin], `${name} input`);
    assert.deepEqual([layer.kernel, layer.pad, layer.stride], [[f, f], [p, p], [s, s]], `${name} f, p, s`);
    assert.deepEqual(layer.output, [out, out, cout], `${name} output`);
    assert.equal(layer.neurons, neurons, `${name} neurons`);
    assert.equal(layer.filterPlusOne, filterPlusOne, `${name} size of filter + 1`);
    assert.equal(layer.params, params, `${name} params`);
  }
});

test('every cell of the fully connected rows', () => {
  for (const [name, inputs, neurons, filterPlusOne, params] of dense) {
    const layer = network.layers.find((l) => l.name === name)!;
    assert.equal(layer.input.reduce((a, b) => a * b, 1), inputs, `${name} size of input`);
    assert.deepEqual(layer.output, [neurons]);
    assert.equal(layer.neurons, neurons);
    assert.equal(layer.filterPlusOne, filterPlusOne);
    assert.equal(layer.params, params);
  }
});

test('both totals, counted as the seed and as the AlexNet paper count neurons', () => {
  assert.equal(network.totals.params, 7_672_104);
  assert.equal(network.totals.neurons, 356_872);
  assert.equal(network.totals.neuronsConvFc, 302_296);
});

test('pool3 is 3.33 unrounded, floored to 3, with a warning on the f and s that make it so', () => {
  const pool3 = network.layers.find((l) => l.name === 'pool3')!;
  assert.ok(Math.abs(pool3.raw![0] - 10 / 3) < 1e-12);
  assert.equal(network.diagnostics.length, 1);
  const [d] = network.diagnostics;
  assert.deepEqual([d.line, d.column, d.endColumn, d.severity, d.code], [11, 17, 25, 'warning', 'non-integer-output']);
  assert.match(d.message, /\(11 \+ 2·0 − 4\)\/3 \+ 1 = 3\.33 is not whole; frameworks floor it to 3, so the last row and column of the 11×11 input are never seen/);
});

test('the example file says what the seed table gives: f, p, s and channels of every row', () => {
  const seed = readFileSync('test/fixtures/alexnet-coursework.md', 'utf8');
  const rows = seed.split('\n').filter((line) => /^(Conv\d|MaxPool)\t/.test(line));
  assert.equal(rows.length, 8);
  rows.forEach((row, i) => {
    const cells = row.split('\t');
    const [f, p, s] = cells.slice(3, 6).map(Number);
    const channels = Number(cells[7]);
    const layer = network.layers[i];
    assert.deepEqual([layer.kernel![0], layer.pad![0], layer.stride![0], layer.output[2]], [f, p, s, channels], cells[0]);
  });
  const units = seed.split('\n').filter((line) => /^(FC\d|Softmax)\t/.test(line)).map((line) => Number(line.split('\t')[8]));
  assert.deepEqual(units, [1600, 1600, 1000]);
});
