/**
 * Version 2 of the language (shared/spec/cnn-language-graphs.md): `from=`, `add`, `concat`,
 * blocks with parameters and arithmetic, `repeat`, full names, and the diagnostics for each way a
 * graph can be wrong. Expected numbers are worked out by hand from the spec's arithmetic.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';

const SPEC_EXAMPLE = readFileSync(new URL('./fixtures/resnet-basic-demo.cnn', import.meta.url), 'utf8');

function layer(text: string, name: string) {
  const found = analyzeText(text).network.layers.find((l) => l.name === name);
  assert.ok(found, `no layer ${name}`);
  return found;
}

function codes(text: string): string[] {
  return analyzeText(text).diagnostics.map((d) => d.code);
}

function only(text: string, code: string) {
  const found = analyzeText(text).diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(analyzeText(text).diagnostics)}`);
  return found[0];
}

test("the spec's ResNet basic-block example gives the spec's numbers", () => {
  const n = analyzeText(SPEC_EXAMPLE).network;
  const conv1 = n.layers.find((l) => l.name === 'layer2.0.conv1')!;
  assert.deepEqual(conv1.output, [28, 28, 128]);
  assert.equal(conv1.params, 3 * 3 * 64 * 128); // 73,728, bias=false from the defaults
  assert.deepEqual(conv1.raw, [28.5, 28.5]);
  const down = n.layers.find((l) => l.name === 'layer2.0.downsample.0')!;
  assert.deepEqual(down.output, [28, 28, 128]);
  assert.equal(down.params, 64 * 128); // 8,192
  assert.deepEqual(n.layers.find((l) => l.name === 'layer2.0.out')!.inputs, ['layer2.0.bn2', 'layer2.0.downsample.1']);
  // `repeat=2` names the copies layer1.0 and layer1.1; the second reads the first's output.
  assert.deepEqual(n.layers.find((l) => l.name === 'layer1.0.out')!.inputs, ['input', 'layer1.0.bn2']);
  assert.deepEqual(n.layers.find((l) => l.name === 'layer1.1.conv1')!.inputs, ['layer1.0.out']);
  assert.equal(n.layers.find((l) => l.name === 'layer1.1.conv1')!.block, 'layer1.1');
  assert.equal(n.layers.find((l) => l.name === 'pool')!.block, undefined);
  // Two basic blocks of 64: 2 x (2 x 36,864 + 2 x 128); down 128: 73,728 + 256 + 147,456 + 256 + 8,192 + 256;
  // basic 128: 2 x 147,456 + 2 x 256; fc: 10 x 129.
  const expected = 2 * (2 * 36864 + 2 * 128) + (73728 + 256 + 147456 + 256 + 8192 + 256) + (2 * 147456 + 2 * 256) + 10 * 129;
  assert.equal(n.totals.params, expected);
  const warnings = analyzeText(SPEC_EXAMPLE).diagnostics.filter((d) => d.code === 'non-integer-output');
  assert.deepEqual(warnings.map((d) => d.range.start.line + 1), [14, 18]);
  assert.match(warnings[0].message, /^In layer2\.0: \(56 \+ 2·1 − 3\)\/2 \+ 1 = 28\.5/);
  assert.equal(analyzeText(SPEC_EXAMPLE).diagnostics.filter((d) => d.severity === 'error').length, 0);
});

test('instances carry their totals, and a repeat group holds its copies', () => {
  const n = analyzeText(SPEC_EXAMPLE).network;
  const group = n.instances!.find((i) => i.name === 'layer1')!;
  assert.equal(group.blockName, undefined);
  assert.equal(group.layers, 10);
  assert.equal(group.params, 2 * (2 * 36864 + 2 * 128));
  assert.equal(group.outputLayer, 'layer1.1.out');
  const copy = n.instances!.find((i) => i.name === 'layer1.1')!;
  assert.equal(copy.blockName, 'basic');
  assert.equal(copy.block, 'layer1');
  assert.deepEqual(copy.inputs, ['layer1.0.out']);
  assert.equal(n.instances!.find((i) => i.name === 'layer2.0')!.params, 73728 + 256 + 147456 + 256 + 8192 + 256);
});

test('every version-1 layer reads the one above it, the first reads the input', () => {
  const n = analyzeText('input 32x32x3\nconv 8 f=3\nmaxpool f=2\nfc 10\nsoftmax 4').network;
  assert.deepEqual(n.layers.map((l) => l.inputs), [['input'], ['conv1'], ['maxpool1'], ['fc1']]);
  assert.equal(n.instances, undefined);
});

test('from= branches, add sums equal shapes, concat joins channels in order', () => {
  const text = [
    'input 28x28x16',
    'stem: conv 32 f=3 p=1',
    'a: conv 8 f=1 from=stem',
    'b: conv 16 f=3 p=1 from=stem',
    'c: maxpool f=3 s=1 p=1 from=stem',
    'cat: concat from=a,b,c',
    'sum: add from=cat,cat2',
  ].join('\n');
  const n = analyzeText(text.split('\n').slice(0, 6).join('\n')).network;
  const cat = n.layers.find((l) => l.name === 'cat')!;
  assert.deepEqual(cat.output, [28, 28, 8 + 16 + 32]);
  assert.deepEqual(cat.inputs, ['a', 'b', 'c']);
  assert.deepEqual(cat.inputShapes, [[28, 28, 8], [28, 28, 16], [28, 28, 32]]);
  assert.equal(cat.params, 0);
  assert.equal(cat.macs, 0);
  // The widest field among the operands: b's 3x3 over stem's 3x3 is 5.
  assert.deepEqual(cat.receptiveField, [5, 5]);
  const d = only(text, 'unknown-layer');
  assert.equal(d.range.start.line, 6);
  assert.match(d.message, /No layer named 'cat2'.*did you mean 'cat'/);
  // The rest of the file is still analysed.
  assert.equal(analyzeText(text).network.layers.length, 5);
});

test('add with unequal shapes is shape-mismatch on the operand, naming both shapes', () => {
  const d = only('input 8x8x4\na: conv 8 f=1\nb: conv 4 f=1 from=input\nsum: add from=a,b', 'shape-mismatch');
  assert.equal(d.range.start.line, 3);
  assert.equal(d.range.start.character, 'sum: add from=a,'.length);
  assert.match(d.message, /'b' is 8×8×4 and 'a' is 8×8×8/);
});

test('concat with different H or W is concat-mismatch; flat vectors concatenate', () => {
  assert.match(only('input 8x8x4\na: conv 8 f=1\nb: maxpool f=2 from=input\ncat: concat from=a,b', 'concat-mismatch').message, /height and width/);
  const n = analyzeText('input 8x8x4\na: fc 10\nb: fc 6 from=input\ncat: concat from=a,b\nsoftmax 3').network;
  assert.deepEqual(n.layers.find((l) => l.name === 'cat')!.output, [16]);
});

test('merges need two names, other kinds take one, and a name listed twice is an error', () => {
  assert.match(only('input 8x8x4\na: conv 8 f=1\nsum: add from=a', 'missing-from').message, /two or more/);
  assert.ok(codes('input 8x8x4\na: conv 8 f=1\nsum: add').includes('missing-from'));
  assert.match(only('input 8x8x4\na: conv 8 f=1\nb: conv 8 f=1 from=a,input', 'invalid-value').message, /reads one layer/);
  assert.ok(codes('input 8x8x4\na: conv 4 f=1\nsum: add from=a,a').includes('duplicate-name'));
});

test('a layer cannot read itself or a later one: a file is acyclic by construction', () => {
  assert.ok(codes('input 8x8x4\na: conv 4 f=1 from=a').includes('unknown-layer'));
  assert.ok(codes('input 8x8x4\na: conv 4 f=1 from=b\nb: conv 4 f=1').includes('unknown-layer'));
});

test('block parameters stand for numbers, with integer arithmetic and sizes', () => {
  const text = [
    'input 16x16x8',
    'block unit(width, k=3)',
    '  wide: conv width*4 f=k p=(k-1)/2',
    '  thin: conv width f=1xk p=0x(k - 1)/2',
    'end',
    'u: unit 2',
    'v: unit width=3 k=5',
  ].join('\n');
  const a = analyzeText(text);
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(layer(text, 'u.wide').output, [16, 16, 8]);
  assert.deepEqual(layer(text, 'u.thin').kernel, [1, 3]);
  assert.deepEqual(layer(text, 'u.thin').pad, [0, 1]);
  assert.deepEqual(layer(text, 'v.wide').output, [16, 16, 12]);
  assert.deepEqual(layer(text, 'v.wide').pad, [2, 2]);
  assert.deepEqual(layer(text, 'v.thin').output, [16, 16, 3]);
});

test('a division that is not whole is not-whole; an unknown parameter is named', () => {
  const base = 'input 16x16x8\nblock unit(width)\n  conv width/3 f=1\nend\nunit 8';
  const d = only(base, 'not-whole');
  assert.equal(d.range.start.line, 2);
  assert.match(d.message, /8\/3 is not whole/);
  assert.match(only('input 16x16x8\nblock unit(width)\n  conv widht*2 f=1\nend\nunit 8', 'unknown-parameter').message, /'widht'.*did you mean 'width'/);
});

test('block arguments: missing, unknown, extra and given twice are block-arguments at the use', () => {
  const block = 'input 8x8x4\nblock unit(width, stride=1)\n  conv width f=3 s=stride p=1\nend\n';
  assert.match(only(`${block}unit`, 'block-arguments').message, /needs 'width'/);
  assert.match(only(`${block}unit 8 strid=2`, 'block-arguments').message, /no parameter 'strid': did you mean 'stride'/);
  assert.match(only(`${block}unit 8 2 3`, 'block-arguments').message, /takes 2 arguments/);
  assert.match(only(`${block}unit 8 width=4`, 'block-arguments').message, /already given/);
  // A use's key sets a parameter even where its name is a layer key too.
  assert.deepEqual(layer(`${block}u: unit 8 stride=2`, 'u.conv1').stride, [2, 2]);
});

test('blocks: unknown, defined below, recursive, nested and unclosed are each diagnosed where they are', () => {
  assert.match(only('input 8x8x4\nbasik 4\nblock basic(w)\n  conv w f=1\nend', 'unknown-block').message, /did you mean 'basic'/);
  assert.match(only('input 8x8x4\nunit 4\nblock unit(w)\n  conv w f=1\nend', 'unknown-block').message, /defined below, on line 3/);
  const recursive = only('input 8x8x4\nblock unit(w)\n  conv w f=1\n  unit w\nend\nunit 4', 'recursive-block');
  assert.equal(recursive.range.start.line, 3);
  assert.ok(codes('input 8x8x4\nblock a\n  conv 4 f=1\nblock b\n  conv 4 f=1\nend\nb').includes('nested-block'));
  assert.ok(codes('input 8x8x4\nblock a\n  conv 4 f=1\n').includes('unclosed-block'));
  assert.ok(codes('input 8x8x4\nend').includes('unmatched-end'));
});

test('names inside a block are local: the block sees in, not the network', () => {
  const text = 'input 8x8x4\nstem: conv 4 f=1\nblock unit\n  conv 4 f=1 from=stem\nend\nunit';
  assert.match(only(text, 'unknown-layer').message, /No layer named 'stem'/);
  assert.match(only('input 8x8x4\nblock unit\n  conv 4 f=1 from=input\nend\nunit', 'unknown-layer').message, /its input is 'in'/);
  // Two instances of one block hold layers of the same local name without clashing.
  const n = analyzeText('input 8x8x4\nblock unit\n  c: conv 4 f=1\nend\nunit\nunit\nsoftmax 2').network;
  assert.deepEqual(n.layers.map((l) => l.name), ['unit1.c', 'unit2.c', 'softmax1']);
});

test('the network reaches inside an instance only through full names', () => {
  const text = 'input 8x8x4\nblock unit\n  a: conv 4 f=1\n  b: conv 4 f=1\nend\nu: unit\nside: conv 4 f=1 from=u.a\nsum: add from=u,side';
  const a = analyzeText(text);
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(layer(text, 'side').inputs, ['u.a']);
  assert.deepEqual(layer(text, 'sum').inputs, ['u.b', 'side']);
});

test('defaults in force where a block is defined apply inside it; its own defaults stay inside', () => {
  const text = [
    'input 8x8x4',
    'defaults act=prelu',
    'block unit',
    '  a: conv 4 f=1',
    '  defaults act=tanh',
    '  b: conv 4 f=1',
    'end',
    'defaults act=sigmoid',
    'unit',
    'c: conv 4 f=1',
  ].join('\n');
  assert.equal(layer(text, 'unit1.a').act, 'prelu');
  assert.equal(layer(text, 'unit1.b').act, 'tanh');
  assert.equal(layer(text, 'c').act, 'sigmoid');
});

test('act on batchnorm and the merges, prelu adds one slope per channel, relu6 is a rectifier', () => {
  const bn = layer('input 8x8x4\nconv 6 f=1 act=none\nbn: batchnorm act=prelu', 'bn');
  assert.equal(bn.act, 'prelu');
  assert.equal(bn.params, 2 * 6 + 6);
  // `defaults act=` leaves batchnorm at none: version-1 files keep their numbers.
  assert.equal(layer('input 8x8x4\ndefaults act=prelu\nconv 6 f=1\nbn: batchnorm', 'bn').params, 12);
  const r6 = layer('input 8x8x4\nc: conv 6 f=3 act=relu6', 'c');
  assert.equal(r6.initStd, Math.sqrt(2 / (3 * 3 * 4)));
});

test('a layer that nothing reads is a warning; the last layer is not', () => {
  const d = only('input 8x8x4\na: conv 4 f=1\nb: conv 4 f=1 from=input\nsoftmax 2', 'unused-output');
  assert.equal(d.range.start.line, 1);
  assert.deepEqual(codes('input 8x8x4\na: conv 4 f=1\nsoftmax 2'), []);
});

test('an add of independent paths sums their forward signal products (He et al. 2015 variance)', () => {
  // Without batchnorm, each identity shortcut adds the residual branch's variance to the path's.
  const text = [
    'input 8x8x16',
    'block res',
    '  a: conv 16 f=3 p=1 init=he',
    '  b: conv 16 f=3 p=1 act=none init=he',
    '  out: add from=in,b',
    'end',
    'r: res repeat=3',
    'softmax 2',
  ].join('\n');
  const n = analyzeText(text).network;
  // a: ½·n·(2/n) = 1; b (linear, He for relu): n·2/n = 2 → each block doubles then adds: p → p + 2p = 3p.
  assert.equal(n.layers.find((l) => l.name === 'r.0.b')!.signal!.forwardProduct, 2);
  assert.equal(n.layers.find((l) => l.name === 'r.1.b')!.signal!.forwardProduct, 6);
  assert.equal(n.layers.find((l) => l.name === 'r.2.b')!.signal!.forwardProduct, 18);
});

test('expansion past the limit stops with too-large at the use instead of hanging', () => {
  const lines = ['input 4x4x1', 'block b0', '  conv 1 f=1', 'end'];
  for (let i = 1; i <= 6; i++) lines.push(`block b${i}`, `  b${i - 1} repeat=10`, 'end');
  lines.push('b6');
  const a = analyzeText(lines.join('\n'));
  const d = a.diagnostics.find((x) => x.code === 'too-large');
  assert.ok(d, 'no too-large diagnostic');
  assert.equal(d.range.start.line, lines.length - 1);
});

test('from= reaches inside an instance with a dotted name; messages name operands as written; word defaults', () => {
  const text = [
    'input 8x8x4',
    'block unit(width, a=relu)',
    '  c1: conv width f=1 act=a',
    '  c2: conv width f=1',
    'end',
    'layer2.0: unit 4',
    'side: conv 4 f=1 from=layer2.0.c1',
    'sum: add from=layer2.0,side',
  ].join('\n');
  assert.deepEqual(analyzeText(text).diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(layer(text, 'side').inputs, ['layer2.0.c1']);
  assert.equal(layer(text, 'layer2.0.c1').act, 'relu');
  const mismatch = only('input 8x8x4\nblock unit\n  c: conv 8 f=1\n  s: add from=in,c\nend\nunit', 'shape-mismatch');
  assert.match(mismatch.message, /'c' is 8×8×8 and 'in' is 8×8×4/);
});
