/**
 * Blocks from the source's module hierarchy, without Python: what repeats becomes a block with the
 * numbers that differ as parameters (proportional ones as `p*k`), `P.0 ... P.<n-1>` alike becomes
 * `repeat=n`, and what does not repeat, or cannot be an instance, stays as layers. Every file
 * written must analyse to the same layers (names, shapes, parameters) as the flat file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../server/src/language/analyze';
import { writeCnn } from '../../server/src/import/cnnWriter';
import type { ImportedLayer } from '../../server/src/import/importedNetwork';

function conv(name: string, count: number, inputs: string[], extra: Partial<ImportedLayer> = {}): ImportedLayer {
  return { name, kind: 'conv', count, kernel: [1, 1], stride: [1, 1], pad: [0, 0], groups: 1, act: 'relu', bias: false, inputs, ...extra };
}

/** Bottleneck-like modules: conv width, conv width*4, add with the input (when shapes allow). */
function stage(prefix: string, width: number, from: string): ImportedLayer[] {
  return [
    conv(`${prefix}.a`, width, [from]),
    conv(`${prefix}.b`, width * 4, [`${prefix}.a`], { act: 'none' }),
    { name: `${prefix}.sum`, kind: 'add', act: 'relu', inputs: [from, `${prefix}.b`] },
  ];
}

function written(layers: ImportedLayer[], input: [number, number, number]) {
  const result = writeCnn({ name: 'net', input, layers, source: 'a test' }, [], []);
  assert.deepEqual(result.refused, []);
  const network = analyzeText(result.text!).network;
  assert.deepEqual(network.layers.map((l) => l.name), layers.map((l) => l.name), 'the source\'s full names, in order');
  return { text: result.text!, network };
}

test('repeated modules become one block; proportional numbers are written p*k; P.0, P.1 alike become repeat', () => {
  const layers = [
    conv('stem', 64, ['input']),
    ...stage('stage1.0', 16, 'stem'),
    ...stage('stage1.1', 16, 'stage1.0.sum'),
    ...stage('stage2', 16, 'stage1.1.sum'),
    conv('widen', 128, ['stage2.sum']),
    ...stage('stage3', 32, 'widen'),
    { name: 'pool', kind: 'globalavgpool', act: 'none', inputs: ['stage3.sum'] } as ImportedLayer,
    { name: 'fc', kind: 'fc', count: 10, act: 'none', bias: true, inputs: ['pool'] } as ImportedLayer,
  ];
  const { text, network } = written(layers, [8, 8, 3]);
  assert.match(text, /^block stage\(width\)$/m);
  assert.match(text, /^ {2}b: +conv width\*4 +f=1$/m);
  assert.match(text, /^ {2}sum: +add +from=in,b act=relu$/m);
  assert.match(text, /^stage1: +stage 16 +repeat=2$/m);
  assert.match(text, /^stage3: +stage 32$/m);
  // Without its definition the file does not analyse: the uses are real uses of the block.
  const flat = analyzeText(text.replace(/^block[\s\S]*?^end\n/m, '')).network;
  assert.ok(flat.diagnostics.some((d) => d.severity === 'error'), 'the block is really used');
  const expected = 3 * 64 + 3 * (64 * 16 + 16 * 64) + 64 * 128 + (128 * 32 + 32 * 128) + 10 * 129;
  assert.equal(network.totals.params, expected);
});

test('a module read from outside through an inner layer, or used once, stays as layers', () => {
  const layers: ImportedLayer[] = [
    conv('m1.a', 8, ['input']),
    conv('m1.b', 8, ['m1.a']),
    conv('m2.a', 8, ['m1.b']),
    conv('m2.b', 8, ['m2.a']),
    // reads m2.a, inside m2: m2 cannot be an instance, so m1 has nothing like it either.
    { name: 'sum', kind: 'add', act: 'none', inputs: ['m2.a', 'm2.b'] },
  ];
  const { text } = written(layers, [4, 4, 8]);
  assert.doesNotMatch(text, /^block /m);
  assert.match(text, /^m2\.b: +conv 8 f=1 act=relu$/m);
});
