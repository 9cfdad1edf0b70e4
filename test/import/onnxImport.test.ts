/**
 * `cnn import` of ONNX files that PyTorch itself writes (torch.onnx.export, opsets 13 and 17,
 * test/python/onnx_export.py), checked against numbers torch counts, not ours:
 * - torchvision's ResNet-18 exported in training mode keeps its batchnorms: 11,689,512 trainable
 *   parameters, and every layer equals the hand-written examples/resnet18.cnn (same full names);
 * - exported in eval mode, each batchnorm is folded into the convolution before it (a bias of one
 *   per channel instead of a scale and a shift): torch's count minus its batchnorm channels;
 * - MobileNetV2's ReLU6 arrives as Clip(0, 6) and imports as relu6, one per Clip node;
 * - GoogLeNet (opset 15) imports with nested blocks, layer for layer examples/googlenet.cnn;
 * - DenseNet-121: concatenations of up to 25 layers, torch's 7,978,856 parameters;
 * - a Sin node is refused with its name and why; garbage or a truncated file is a clear message.
 * Needs /usr/bin/python3 with torch, torchvision and onnx; without them it skips (fails under CI).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli as cli } from '../cli';
import { analyzeText } from '../../server/src/language/analyze';
import { importModel, ImportError } from '../../server/src/import/importModel';
import { encodeModel } from '../../runner/src/onnx/onnxSchema';
import { isCI } from '../../scripts/lib/ci.mjs';
import { findPython } from '../python';
import { tempDir } from '../tempDir';

interface Exported {
  path: string;
  params: number;
  bnChannels: number;
  ops: Record<string, number>;
}

const dir = tempDir('cnn-import-onnx-');
let exported: Record<string, Exported> | undefined;
let missing: string | undefined;

/** Exports every model once (one Python start), the first time a test needs one. */
function models(t: TestContext): Record<string, Exported> | undefined {
  if (exported) return exported;
  if (missing === undefined) {
    const found = findPython(['torch', 'torchvision', 'onnx'], 'Debian: apt-get install python3-torch python3-torchvision python3-onnx');
    if ('missing' in found) missing = found.missing;
    else {
      const specs = ['resnet18-train:resnet18:train:13', 'resnet18-eval:resnet18:eval:17', 'mobilenet_v2-train:mobilenet_v2:train:13', 'googlenet-train:googlenet:train:15', 'densenet121-train:densenet121:train:13', 'sin:sin:eval:13'];
      const run = spawnSync(found.python, ['test/python/onnx_export.py', dir, ...specs], { encoding: 'utf8', timeout: 600_000 });
      assert.equal(run.status, 0, `onnx_export.py: ${run.stderr}`);
      exported = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, Exported>;
      return exported;
    }
  }
  if (isCI()) assert.fail(`CI needs ${missing}`);
  t.skip(`needs ${missing}`);
  return undefined;
}

function imported(model: Exported) {
  const bytes = readFileSync(model.path);
  const result = importModel(bytes, model.path.split('/').at(-1)!);
  assert.deepEqual(result.refused, [], 'nothing refused');
  assert.ok(result.text);
  const analysis = analyzeText(result.text);
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), [], 'the written file has no error');
  return { result, text: result.text, network: analysis.network };
}

test('ResNet-18 exported in training mode imports to 11,689,512 parameters, layer for layer examples/resnet18.cnn', (t) => {
  const all = models(t);
  if (!all) return;
  const model = all['resnet18-train'];
  assert.equal(model.params, 11_689_512, 'torch counts torchvision\'s published total');
  const { text, network, result } = imported(model);
  assert.equal(network.totals.params, model.params);
  assert.equal(result.params, model.params);
  assert.equal(network.layers.filter((l) => l.kind === 'batchnorm').length, model.ops.BatchNormalization);
  // The repeated basic blocks are blocks, layer1's two copies one line.
  assert.match(text, /^block \w+\(width\)$/m);
  assert.match(text, /^layer1: +\w+ 64 +repeat=2$/m);
  const example = analyzeText(readFileSync('examples/resnet18.cnn', 'utf8')).network;
  const shape = (l: { name: string; kind: string; output: unknown; params: number; act?: string }) => ({ name: l.name, kind: l.kind, output: l.output, params: l.params, act: l.act });
  assert.deepEqual(network.layers.map(shape), example.layers.map(shape));
  // The same wiring; an add lists its operands in the source's order (PyTorch's `out += identity`).
  const wiring = (l: { inputs: string[] }) => [...l.inputs].sort();
  assert.deepEqual(network.layers.map(wiring), example.layers.map(wiring));
});

test('ResNet-18 exported in eval mode (opset 17) has its batchnorms folded into convolution biases', (t) => {
  const all = models(t);
  if (!all) return;
  const model = all['resnet18-eval'];
  const { network } = imported(model);
  assert.equal(model.bnChannels, 4800);
  // Each batchnorm's 2 x C go and its convolution gains C biases: 11,689,512 - 4,800.
  assert.equal(network.totals.params, model.params - model.bnChannels);
  assert.equal(network.totals.params, 11_684_712);
  assert.equal(network.layers.filter((l) => l.kind === 'batchnorm').length, 0);
  assert.equal(network.layers.filter((l) => l.kind === 'conv').length, model.ops.Conv);
  assert.ok(network.layers.filter((l) => l.kind === 'conv').every((l) => l.bias), 'every convolution has the folded bias');
});

test('MobileNetV2: Clip(0, 6) imports as relu6, and the parameters are torchvision\'s 3,504,872', (t) => {
  const all = models(t);
  if (!all) return;
  const model = all['mobilenet_v2-train'];
  const { text, network } = imported(model);
  assert.equal(model.params, 3_504_872);
  assert.equal(network.totals.params, model.params);
  assert.equal(network.layers.filter((l) => l.act === 'relu6').length, model.ops.Clip);
  assert.equal(network.layers.filter((l) => l.kind === 'add').length, model.ops.Add);
  assert.equal(network.layers.filter((l) => l.kind === 'dropout').length, model.ops.Dropout);
  // Depthwise convolutions: groups equal to their channels.
  assert.ok(network.layers.some((l) => l.kind === 'conv' && l.groups === l.count && l.count! > 1));
  assert.doesNotMatch(text, /clip/i);
});

test('GoogLeNet: nested blocks (BasicConv2d inside Inception), layer for layer examples/googlenet.cnn', (t) => {
  const all = models(t);
  if (!all) return;
  const model = all['googlenet-train'];
  const { text, network, result } = imported(model);
  assert.equal(model.params, 6_624_904);
  assert.equal(network.totals.params, model.params);
  const example = analyzeText(readFileSync('examples/googlenet.cnn', 'utf8')).network;
  const row = (l: { name: string; kind: string; output: unknown; params: number; round?: string }) => ({ name: l.name, kind: l.kind, output: l.output, params: l.params, round: l.round });
  assert.deepEqual(network.layers.map(row), example.layers.map(row));
  assert.deepEqual(network.layers.map((l) => l.inputs), example.layers.map((l) => l.inputs));
  // Two blocks, the one used inside the other; nine inception instances of one block.
  assert.equal(text.match(/^block /gm)?.length, 2);
  assert.equal(text.match(/^inception\w+: +inception /gm)?.length, 9);
  // torchvision's batchnorm epsilon 0.001 has no key: said once, for all 57.
  assert.equal(result.notes.length, 1);
  assert.match(result.notes[0].name, /and 54 more$/);
});

test('DenseNet-121: every layer reads the concatenation of all before it; 7,978,856 parameters', (t) => {
  const all = models(t);
  if (!all) return;
  const model = all['densenet121-train'];
  const { network } = imported(model);
  assert.equal(model.params, 7_978_856);
  assert.equal(network.totals.params, model.params);
  // The widest concatenation: denseblock3's input and its 24 layers; denseblock4's 16 layers of
  // 32 channels on transition3's 512.
  const widest = Math.max(...network.layers.filter((l) => l.kind === 'concat').map((l) => l.inputs.length));
  assert.equal(widest, 25);
  assert.deepEqual(network.layers.find((l) => l.name === 'features.denseblock4.concat')?.output, [7, 7, 512 + 16 * 32]);
});

test('an ONNX file with a Sin node is refused with the node\'s name and why; nothing is written', async (t) => {
  const all = models(t);
  if (!all) return;
  const model = all.sin;
  const result = importModel(readFileSync(model.path), 'sin.onnx');
  assert.equal(result.text, undefined);
  assert.equal(result.refused.length, 1);
  assert.equal(result.refused[0].op, 'Sin');
  assert.match(result.refused[0].name, /Sin/);
  assert.match(result.refused[0].reason, /no \.cnn layer kind/);

  const target = join(dir, 'sin.cnn');
  const { code, stderr } = await cli(['import', model.path, '-o', target]);
  assert.equal(code, 1);
  assert.match(stderr, /cannot import .*sin\.onnx: one operator the \.cnn language cannot express:\n {2}\/Sin \(Sin\): no \.cnn layer kind/);
  assert.equal(existsSync(target), false);
});

test('cnn import writes the .cnn beside the model, and will not overwrite it without --force', async (t) => {
  const all = models(t);
  if (!all) return;
  const model = all['resnet18-eval'];
  const target = model.path.replace(/\.onnx$/, '.cnn');
  const first = await cli(['import', model.path]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /wrote .*resnet18-eval\.cnn: 11,684,712 parameters/);
  assert.match(readFileSync(target, 'utf8'), /^network resnet18-eval$/m);
  const again = await cli(['import', model.path]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists; use --force/);
  assert.equal((await cli(['import', model.path, '--force'])).code, 0);
});

test('garbage and a truncated ONNX file are clear messages, not crashes', async () => {
  const garbage = join(dir, 'garbage.onnx');
  writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
  assert.throws(() => importModel(readFileSync(garbage), 'garbage.onnx'), (e: unknown) => e instanceof ImportError && /not an ONNX model/.test(e.message));
  const out = await cli(['import', garbage]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /^cnn: cannot import .*garbage\.onnx: not an ONNX model/);
  assert.doesNotMatch(out.stderr, /internal error/);

  const model = encodeSmallModel();
  const truncated = model.subarray(0, Math.floor(model.length * 0.6));
  assert.throws(() => importModel(truncated, 'cut.onnx'), (e: unknown) => e instanceof ImportError && /is the file complete\?/.test(e.message));
  assert.throws(() => importModel(new Uint8Array(), 'empty.onnx'), ImportError);
});

/** A small valid model (conv, relu, gemm) written with the official schema, to cut short. */
function encodeSmallModel(): Uint8Array {
  const tensor = (name: string, dims: number[]) => ({ name, dims, dataType: 1, rawData: new Uint8Array(dims.reduce((a, b) => a * b, 1) * 4) });
  const info = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'small',
      node: [
        { name: '/conv/Conv', opType: 'Conv', input: ['x', 'conv.weight', 'conv.bias'], output: ['c'], attribute: [{ name: 'kernel_shape', type: 7, ints: [3, 3] }] },
        { name: '/relu/Relu', opType: 'Relu', input: ['c'], output: ['r'] },
        { name: '/Flatten', opType: 'Flatten', input: ['r'], output: ['f'] },
        { name: '/fc/Gemm', opType: 'Gemm', input: ['f', 'fc.weight', 'fc.bias'], output: ['y'], attribute: [{ name: 'transB', type: 2, i: 1 }] },
      ],
      initializer: [tensor('conv.weight', [4, 1, 3, 3]), tensor('conv.bias', [4]), tensor('fc.weight', [10, 4 * 6 * 6]), tensor('fc.bias', [10])],
      input: [info('x', [1, 1, 8, 8])],
      output: [info('y', [1, 10])],
    },
  });
}

test('a small hand-built model imports exactly: names from the weights, relu folded, Flatten dropped', () => {
  const result = importModel(encodeSmallModel(), 'small.onnx');
  assert.deepEqual(result.refused, []);
  // conv: 4 x (9 + 1) = 40; fc: 10 x (144 + 1) = 1,450.
  assert.equal(result.params, 1490);
  assert.match(result.text!, /^conv: conv 4 +f=3 act=relu$/m);
  assert.match(result.text!, /^fc: +softmax 10$/m);
  assert.match(result.text!, /^input 8x8x1$/m);
});

