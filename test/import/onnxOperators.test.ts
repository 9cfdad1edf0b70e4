/**
 * ONNX operators one by one, on small models written here with the official schema (no Python):
 * each activation folds into the layer before it, MatMul + Add is a fully connected layer with its
 * bias, Softmax at the end makes `softmax N`, and what the language cannot say is refused with the
 * node's name: an activation after a pooling, asymmetric padding, dilation, a mid-network Softmax.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../runner/src/onnx/onnxSchema';
import { analyzeText } from '../../server/src/language/analyze';
import { importModel } from '../../server/src/import/importModel';

interface Node {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute?: Record<string, unknown>[];
}

const ints = (name: string, values: number[]) => ({ name, type: 7, ints: values });
const int = (name: string, value: number) => ({ name, type: 2, i: value });
const float = (name: string, value: number) => ({ name, type: 1, f: value });
const tensor = (name: string, dims: number[], values?: number[]) => {
  const data = values ? new Float32Array(values) : new Float32Array(dims.reduce((a, b) => a * b, 1));
  return { name, dims, dataType: 1, rawData: new Uint8Array(data.buffer) };
};
const info = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

/** A model from `x` (1x3x8x8) to `y` through `nodes`, with these initializers. */
function model(nodes: Node[], initializer: ReturnType<typeof tensor>[]): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'm', node: nodes, initializer, input: [info('x', [1, 3, 8, 8])], output: [info('y', [1, 10])] },
  });
}

const conv = (name: string, input: string, output: string, extra: Record<string, unknown>[] = []): Node => ({
  name, opType: 'Conv', input: [input, `${name}.weight`, `${name}.bias`], output: [output], attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ...extra],
});
const convWeights = (name: string, cin = 3, cout = 4) => [tensor(`${name}.weight`, [cout, cin, 3, 3]), tensor(`${name}.bias`, [cout])];
const head = (input: string): Node[] => [
  { name: '/Flatten', opType: 'Flatten', input: [input], output: ['flat'] },
  { name: '/fc/Gemm', opType: 'Gemm', input: ['flat', 'fc.weight', 'fc.bias'], output: ['y'], attribute: [int('transB', 1)] },
];
const headWeights = (inputs: number) => [tensor('fc.weight', [10, inputs]), tensor('fc.bias', [10])];

function written(bytes: Uint8Array) {
  const result = importModel(bytes, 'm.onnx');
  assert.deepEqual(result.refused, []);
  const analysis = analyzeText(result.text!);
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
  return { text: result.text!, network: analysis.network };
}

test('each activation folds into the layer before it', () => {
  const cases: [Node, string, ReturnType<typeof tensor>[]][] = [
    [{ name: '/a', opType: 'Tanh', input: ['c'], output: ['a'] }, 'tanh', []],
    [{ name: '/a', opType: 'Sigmoid', input: ['c'], output: ['a'] }, 'sigmoid', []],
    [{ name: '/a', opType: 'LeakyRelu', input: ['c'], output: ['a'], attribute: [float('alpha', 0.01)] }, 'leakyrelu', []],
    [{ name: '/a', opType: 'PRelu', input: ['c', 'slope'], output: ['a'] }, 'prelu', [tensor('slope', [4, 1, 1])]],
    [{ name: '/a', opType: 'PRelu', input: ['c', 'slope'], output: ['a'] }, 'prelu-shared', [tensor('slope', [1])]],
    [{ name: '/a', opType: 'Clip', input: ['c', 'lo', 'hi'], output: ['a'] }, 'relu6', [tensor('lo', [], [0]), tensor('hi', [], [6])]],
  ];
  for (const [activation, act, extra] of cases) {
    const { network } = written(model([conv('conv', 'x', 'c'), activation, ...head('a')], [...convWeights('conv'), ...extra, ...headWeights(256)]));
    assert.equal(network.layers[0].act, act, act);
    // conv 4·(27 + 1) = 112, fc 10·257 = 2,570, and PReLU's slopes.
    const slopes = act === 'prelu' ? 4 : act === 'prelu-shared' ? 1 : 0;
    assert.equal(network.totals.params, 112 + 2570 + slopes, act);
  }
});

test('MatMul + Add is a fully connected layer with a bias; a final Softmax makes softmax N; Concat and Add merge', () => {
  const nodes: Node[] = [
    conv('left', 'x', 'l'),
    conv('right', 'x', 'r'),
    { name: '/Concat', opType: 'Concat', input: ['l', 'r'], output: ['cat'], attribute: [int('axis', 1)] },
    conv('mix', 'cat', 'm'),
    { name: '/Add', opType: 'Add', input: ['m', 'l'], output: ['s'] },
    { name: '/relu/Relu', opType: 'Relu', input: ['s'], output: ['sr'] },
    { name: '/Flatten', opType: 'Flatten', input: ['sr'], output: ['flat'] },
    { name: '/fc/MatMul', opType: 'MatMul', input: ['flat', 'fc.w'], output: ['mm'] },
    { name: '/fc/Add', opType: 'Add', input: ['mm', 'fc.b'], output: ['logits'] },
    { name: '/Softmax', opType: 'Softmax', input: ['logits'], output: ['y'] },
  ];
  const { text, network } = written(model(nodes, [...convWeights('left'), ...convWeights('right'), ...convWeights('mix', 8), tensor('fc.w', [256, 10]), tensor('fc.b', [10])]));
  assert.deepEqual(network.layers.map((l) => [l.name, l.kind, l.inputs]), [
    ['left', 'conv', ['input']],
    ['right', 'conv', ['input']],
    ['concat', 'concat', ['left', 'right']],
    ['mix', 'conv', ['concat']],
    ['add', 'add', ['mix', 'left']],
    ['fc', 'softmax', ['add']],
  ]);
  assert.equal(network.layers[4].act, 'relu');
  // 2 x 112 + 4·(72 + 1) = 292, and 10·(256 + 1).
  assert.equal(network.totals.params, 224 + 292 + 2570);
  assert.match(text, /^right: +conv 4 +f=3 p=1 from=input$/m);
});

test('what the language cannot say is refused with the node\'s name and why', () => {
  const pooled: Node[] = [
    conv('conv', 'x', 'c'),
    { name: '/pool/MaxPool', opType: 'MaxPool', input: ['c'], output: ['p'], attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])] },
    { name: '/late/Relu', opType: 'Relu', input: ['p'], output: ['a'] },
    ...head('a'),
  ];
  const late = importModel(model(pooled, [...convWeights('conv'), ...headWeights(64)]), 'm.onnx');
  assert.deepEqual(late.refused.map((p) => p.name), ['/late/Relu']);
  assert.match(late.refused[0].reason, /follows maxpool pool/);

  const odd = importModel(
    model(
      [
        conv('asym', 'x', 'c', []),
        { name: '/dil/Conv', opType: 'Conv', input: ['c', 'dil.weight', 'dil.bias'], output: ['d'], attribute: [ints('kernel_shape', [3, 3]), ints('pads', [2, 2, 2, 2]), ints('dilations', [2, 2])] },
        ...head('d'),
      ].map((n) => (n.name === 'asym' ? { ...n, attribute: [ints('kernel_shape', [3, 3]), ints('pads', [0, 0, 1, 1])] } : n)),
      [...convWeights('asym'), ...convWeights('dil', 4), ...headWeights(256)],
    ),
    'm.onnx',
  );
  assert.deepEqual(odd.refused.map((p) => [p.name, p.op]), [['asym', 'Conv'], ['/dil/Conv', 'Conv']]);
  assert.match(odd.refused[0].reason, /not the same on both sides \(pads 0,0,1,1\)/);
  assert.match(odd.refused[1].reason, /dilation 2x2/);

  const midSoftmax = importModel(model([conv('conv', 'x', 'c'), { name: '/sm', opType: 'Softmax', input: ['c'], output: ['s'] }, ...head('s')], [...convWeights('conv'), ...headWeights(256)]), 'm.onnx');
  assert.deepEqual(midSoftmax.refused.map((p) => p.name), ['/sm']);
  assert.match(midSoftmax.refused[0].reason, /only as the last layer/);
});

test('a zero Pad before an average pooling is its padding; Add(Add(a, b), c) is one add of three', () => {
  const pads = { name: 'pads', dims: [8], dataType: 7, rawData: new Uint8Array(new BigInt64Array([0n, 0n, 1n, 1n, 0n, 0n, 1n, 1n]).buffer) };
  const nodes: Node[] = [
    conv('a', 'x', 'ya'),
    conv('b', 'x', 'yb'),
    conv('c', 'x', 'yc'),
    { name: 'sum#add', opType: 'Add', input: ['ya', 'yb'], output: ['s1'] },
    { name: 'sum#add_1', opType: 'Add', input: ['s1', 'yc'], output: ['s2'] },
    { name: 'pool#pad', opType: 'Pad', input: ['s2', 'pads'], output: ['padded'] },
    { name: 'pool', opType: 'AveragePool', input: ['padded'], output: ['p'], attribute: [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), int('ceil_mode', 1)] },
    ...head('p'),
  ];
  const result = importModel(model(nodes, [...convWeights('a'), ...convWeights('b'), ...convWeights('c'), pads as never, ...headWeights(5 * 5 * 4)]), 'm.onnx');
  assert.deepEqual(result.refused, []);
  assert.deepEqual(result.notes, []);
  const network = analyzeText(result.text!).network;
  const sum = network.layers.find((l) => l.kind === 'add')!;
  assert.equal(sum.name, 'sum');
  assert.deepEqual(sum.inputs, ['a', 'b', 'c']);
  const pool = network.layers.find((l) => l.kind === 'avgpool')!;
  assert.deepEqual([pool.name, pool.pad, pool.round, pool.output], ['pool', [1, 1], 'ceil', [5, 5, 4]]);

  const maxAfterPad = importModel(model(nodes.map((n) => (n.opType === 'AveragePool' ? { ...n, opType: 'MaxPool' } : n)), [...convWeights('a'), ...convWeights('b'), ...convWeights('c'), pads as never, ...headWeights(100)]), 'm.onnx');
  assert.deepEqual(maxAfterPad.refused.map((p) => p.name), ['pool']);
  assert.match(maxAfterPad.refused[0].reason, /max pooling after zero padding/);
});
