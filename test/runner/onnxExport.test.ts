/**
 * `cnn export --to onnx`: onnxruntime (an independent engine) runs the exported model of every
 * example, of a network with every layer kind and activation, and of trained runs, and agrees
 * with the runner's forward pass on the same weights and inputs to 1e-4 of the largest value;
 * names, shapes and metadata as docs/export.md says; bad input refused with a clear message.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../server/src/cli';
import { initialTensors } from '../../runner/src/init';
import { exportOnnx, OnnxExportError } from '../../runner/src/export/onnx';
import { decodeModel } from '../../runner/src/onnx/onnxSchema';
import { buildPlan } from '../../runner/src/plan';
import { runWeights } from '../../runner/src/predict';
import { train } from '../../runner/src/train';
import { capture } from '../capture';
import { tempDir } from '../tempDir';
import { analyse, assertAgrees, EVERY_KIND, EXAMPLES_DIR, examples, isLarge, randomTensors } from './onnxExportFixtures';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

type Graph = {
  node: { name: string; opType: string; input: string[]; output: string[]; attribute?: { name: string; i?: number; ints?: number[]; f?: number }[] }[];
  initializer: { name: string; dims?: number[] }[];
  input: { name: string }[];
  output: { name: string; type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[];
  valueInfo: { name: string; type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[];
};

const dims = (v: Graph['valueInfo'][number]) => v.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue);

describe('ONNX export: onnxruntime agrees with the runner', () => {
  it('a network with every layer kind and activation, on random weights and statistics (3 images)', async (t) => {
    const network = analyse(EVERY_KIND, 'every-kind');
    const plan = buildPlan(network);
    const tensors = randomTensors(initialTensors(plan, 1), 5);
    const agreement = await assertAgrees(exportOnnx(plan, tensors), plan, tensors, 3, 11);
    t.diagnostic(`largest difference / largest value: logits ${agreement.logits.toExponential(1)}, probabilities ${agreement.probabilities.toExponential(1)}`);
  });

  for (const { name, network } of examples()) {
    it(`${name}: fresh weights (seed 1), ${isLarge(network) ? '1 image' : '2 images'}`, async (t) => {
      const plan = buildPlan(network);
      const tensors = initialTensors(plan, 1);
      const agreement = await assertAgrees(exportOnnx(plan, tensors), plan, tensors, isLarge(network) ? 1 : 2, 3);
      t.diagnostic(`largest difference / largest value: logits ${agreement.logits.toExponential(1)}, probabilities ${agreement.probabilities.toExponential(1)}`);
    });
  }
});

describe('ONNX export: the model', () => {
  it('names tensors and nodes after the .cnn full names, keeps the weights file\'s names, and gives every intermediate shape', () => {
    const network = analyse(readFileSync(join(EXAMPLES_DIR, 'resnet18.cnn'), 'utf8'), 'resnet18');
    const plan = buildPlan(network);
    const model = decodeModel(exportOnnx(plan, initialTensors(plan, 1), { weights: 'freshly initialised with seed 1' })) as {
      irVersion: number; opsetImport: { domain?: string; version: number }[]; metadataProps: { key: string; value: string }[]; graph: Graph;
    };
    assert.equal(model.irVersion, 8);
    assert.deepEqual(model.opsetImport.map((o) => o.version), [17]);
    assert.deepEqual(model.metadataProps, [{ key: 'cnn.network', value: 'resnet18' }, { key: 'cnn.weights', value: 'freshly initialised with seed 1' }]);
    const g = model.graph;
    assert.deepEqual(g.input.map((i) => i.name), ['input']);
    assert.deepEqual(g.output.map((o) => o.name), ['fc']);
    assert.deepEqual(dims(g.output[0]), ['batch', 1000]);
    // torchvision's state-dict keys, batchnorm statistics included.
    const initializers = new Map(g.initializer.map((t) => [t.name, t.dims]));
    assert.deepEqual(initializers.get('conv1.weight'), [64, 3, 7, 7]);
    assert.deepEqual(initializers.get('layer2.0.downsample.0.weight'), [128, 64, 1, 1]);
    assert.deepEqual(initializers.get('layer4.1.bn2.running_var'), [512]);
    assert.deepEqual(initializers.get('fc.weight'), [1000, 512]);
    const total = g.initializer.filter((t) => !t.name.includes('running_')).reduce((n, t) => n + (t.dims ?? []).reduce((a, b) => a * b, 1), 0);
    assert.equal(total, 11_689_512, 'torchvision\'s parameter count');
    const byName = new Map(g.node.map((n) => [n.name, n]));
    const add = byName.get('layer1.0.add#add')!;
    assert.equal(add.opType, 'Add');
    assert.deepEqual(add.input, ['maxpool', 'layer1.0.bn2'], 'the residual connection reads the block\'s input');
    assert.equal(byName.get('layer1.0.add')!.opType, 'Relu');
    assert.deepEqual(['conv1', 'bn1#batchnorm', 'bn1'].map((n) => byName.get(n)!.opType), ['Conv', 'BatchNormalization', 'Relu']);
    assert.deepEqual(g.node.slice(-3).map((n) => `${n.opType} ${n.name}`), ['Flatten fc#flatten', 'Gemm fc#logits', 'Softmax fc']);
    // Every tensor a node writes, but the graph's output, has its shape: Netron shows them all.
    const shapes = new Map(g.valueInfo.map((v) => [v.name, dims(v)]));
    for (const n of g.node) if (n.output[0] !== 'fc') assert.ok(shapes.has(n.output[0]), `no value_info for ${n.output[0]}`);
    assert.deepEqual(shapes.get('conv1'), ['batch', 64, 112, 112]);
    assert.deepEqual(shapes.get('layer3.0.downsample.1'), ['batch', 256, 14, 14]);
    assert.deepEqual(shapes.get('avgpool'), ['batch', 512, 1, 1]);
    assert.deepEqual(shapes.get('fc#flatten'), ['batch', 512]);
  });

  it('writes round=ceil as ceil_mode, LRN with ONNX\'s alpha/size, ReLU6 as Clip, dropout as an inference Dropout', () => {
    const plan = buildPlan(analyse(EVERY_KIND, 'every-kind'));
    const g = (decodeModel(exportOnnx(plan, initialTensors(plan, 1))) as { graph: Graph }).graph;
    const node = (name: string) => g.node.find((n) => n.name === name)!;
    const attr = (name: string, key: string) => node(name).attribute?.find((a) => a.name === key);
    assert.equal(node('p1').opType, 'MaxPool');
    assert.equal(attr('p1', 'ceil_mode')?.i, 1);
    // An average window past the padded edge counts only what it covers: the padding is a Pad node.
    assert.equal(node('a1').opType, 'AveragePool');
    assert.deepEqual(node('a1').input, ['a1#pad']);
    assert.equal(node('a1#pad').opType, 'Pad');
    assert.equal(attr('a3', 'count_include_pad')?.i, 1);
    assert.equal(attr('n1', 'size')?.i, 5, 'size=4 reads 2 channels either side: 5 wide');
    assert.ok(Math.abs(attr('n1', 'alpha')!.f! - 5e-4) < 1e-10);
    assert.equal(node('c2').opType, 'Clip');
    assert.equal(attr('c1#conv', 'group')?.i, 2);
    assert.equal(node('d1').opType, 'Dropout');
    assert.equal(node('m1#add').opType, 'Add');
    assert.deepEqual(node('m1#sum1').input, ['c2', 'b1']);
    assert.deepEqual(node('m1#add').input, ['m1#sum1', 'b2']);
  });
});

describe('cnn export --to onnx', () => {
  it('exports a trained LeNet-5 run: onnxruntime gives the runner\'s outputs with the run\'s weights', async () => {
    const dir = tempDir('cnn-export-');
    const file = join(dir, 'lenet5.cnn');
    writeFileSync(file, readFileSync(join(EXAMPLES_DIR, 'lenet5.cnn'), 'utf8'));
    const network = analyse(readFileSync(file, 'utf8'), 'lenet5');
    const result = await train(network, { dataset: { kind: 'shapes' }, epochs: 1, batch: 16, trainSamples: 64, valSamples: 16, backend: 'cpu', runDir: dir });
    const out = join(dir, 'lenet5.onnx');
    const run = await cli(['export', file, '--to', 'onnx', '--weights', result.runDir, '-o', out, '--json']);
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(JSON.parse(run.out), { format: 'onnx', output: out, files: [out], weights: { runDir: result.runDir } });
    const trained = runWeights(network, result.runDir);
    const fresh = initialTensors(trained.plan, 1);
    assert.notDeepEqual(trained.params[0].data, fresh.params[0].data, 'the run has moved the weights');
    const bytes = readFileSync(out);
    const metadata = (decodeModel(bytes) as { metadataProps: { key: string; value: string }[] }).metadataProps;
    assert.match(metadata.find((m) => m.key === 'cnn.weights')!.value, /^run lenet5-[^/\\]*, after epoch 1 \(4 steps\)$/);
    await assertAgrees(bytes, trained.plan, trained, 4, 21);
    // `latest` is that run; without --weights the weights are the ones training starts from.
    const latest = await cli(['export', file, '--to', 'onnx', '--weights', 'latest', '-o', join(dir, 'latest.onnx')]);
    assert.equal(latest.code, 0, latest.err);
    assert.deepEqual(readFileSync(join(dir, 'latest.onnx')), bytes);
    const plain = await cli(['export', file, '--to', 'onnx']);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^wrote .*lenet5\.onnx \(onnx\); weights: freshly initialised with seed 1\n$/);
    await assertAgrees(readFileSync(join(dir, 'lenet5.onnx')), trained.plan, fresh, 2, 22);
  });

  it('exports a run trained with act=prelu overriding the file, with batchnorm statistics learnt', async () => {
    const dir = tempDir('cnn-export-');
    const file = join(dir, 'bn.cnn');
    const text = `network bn\ninput 12x12x3\nc1: conv 8 f=3 p=1 bias=false act=none\nbn1: batchnorm act=relu\np1: maxpool f=2\nc2: conv 8 f=3 act=relu\nf1: fc 16 act=relu\nout: softmax 4\n`;
    writeFileSync(file, text);
    const network = analyse(text, 'bn');
    const result = await train(network, { dataset: { kind: 'shapes' }, epochs: 1, batch: 8, trainSamples: 64, valSamples: 8, backend: 'cpu', runDir: dir, act: 'prelu' });
    const run = await cli(['export', file, '--to', 'onnx', '--weights', result.runDir, '-o', join(dir, 'bn.onnx')]);
    assert.equal(run.code, 0, run.err);
    const trained = runWeights(network, result.runDir);
    assert.ok(trained.params.some((t) => t.name === 'bn1.slope'), 'the run\'s PReLU slopes');
    const mean = trained.state.find((t) => t.name === 'bn1.running_mean')!;
    assert.ok(mean.data.some((v) => Math.abs(v) > 1e-3), 'running statistics have moved from 0');
    const g = (decodeModel(readFileSync(join(dir, 'bn.onnx'))) as { graph: Graph }).graph;
    assert.equal(g.node.find((n) => n.name === 'bn1')!.opType, 'PRelu');
    await assertAgrees(readFileSync(join(dir, 'bn.onnx')), trained.plan, trained, 3, 23);
  });

  it('refuses an unknown run folder, weights that do not fit the network, a file with errors, and bad options', async () => {
    const dir = tempDir('cnn-export-');
    const file = join(dir, 'fit.cnn');
    writeFileSync(file, 'network fit\ninput 8x8x1\nc1: conv 2 f=3\nout: softmax 3\n');
    const missing = await cli(['export', file, '--to', 'onnx', '--weights', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^cnn export: no run folder .*nope: give a folder in \.cnn-runs\/ that a training run wrote\n$/);
    const none = await cli(['export', file, '--to', 'onnx', '--weights', 'latest']);
    assert.equal(none.code, 2);
    assert.match(none.err, /no run of fit with weights in .*\.cnn-runs: train it first/);

    const result = await train(analyse(readFileSync(file, 'utf8'), 'fit'), { epochs: 1, batch: 4, trainSamples: 8, valSamples: 4, backend: 'reference', runDir: dir });
    writeFileSync(file, 'network fit\ninput 8x8x1\nc1: conv 3 f=3\nout: softmax 3\n');
    const changed = await cli(['export', file, '--to', 'onnx', '--weights', result.runDir, '-o', join(dir, 'changed.onnx')]);
    assert.equal(changed.code, 1);
    assert.match(changed.err, /^cnn export: cannot export .*fit\.cnn: c1\.weight is \[2, 3, 3, 1\] in the weights of .* but \[3, 3, 3, 1\] in the network: the network has changed since that run\n$/);
    assert.ok(!existsSync(join(dir, 'changed.onnx')), 'nothing written');

    writeFileSync(file, 'network fit\ninput 8x8x1\nc1: conv 2 f=30\nout: softmax 3\n');
    const broken = await cli(['export', file, '--to', 'onnx']);
    assert.equal(broken.code, 1);
    assert.match(broken.err, /fit\.cnn:3:\d+: error: .*\ncnn: cannot export .*fit\.cnn: fix the error above first\n$/);

    writeFileSync(file, 'network fit\ninput 8x8x1\nc1: conv 2 f=3\nout: softmax 3\n');
    for (const [args, message] of [
      [[], /say which format with --to \(onnx/],
      [['--to', 'caffe'], /unknown format "caffe": --to takes onnx/],
      [['--to', 'onnx', '--seed', '1.5'], /--seed needs a whole number from 0 to 4294967295, got "1\.5"/],
      [['--to', 'onnx', '--weights', result.runDir, '--seed', '2'], /--seed draws fresh weights; it does not go with --weights/],
      [['--to', 'onnx', '--frobnicate'], /unknown option "--frobnicate"/],
    ] as [string[], RegExp][]) {
      const r = await cli(['export', file, ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message);
      assert.match(r.err, /usage: cnn export FILE --to onnx/);
    }
    const unwritable = await cli(['export', file, '--to', 'onnx', '-o', join(dir, 'no', 'such', 'dir', 'x.onnx')]);
    assert.equal(unwritable.code, 2);
    assert.match(unwritable.err, /^cnn export: cannot write .*x\.onnx: ENOENT\n$/);
    const help = await cli(['export', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^usage: cnn export FILE --to onnx\|pytorch .*\n[\s\S]*onnx +a model for ONNX Runtime[\s\S]*pytorch +a folder: model\.py[\s\S]*opset 17, IR version 8/);
  });

  it('refuses a ceil-rounded pooling window that starts past the input, naming the layer', () => {
    const plan = buildPlan(analyse('network past\ninput 5x5x1\np1: maxpool f=1 s=3 round=ceil\nout: softmax 2\n', 'past'));
    assert.throws(() => exportOnnx(plan, initialTensors(plan, 1)), (e: Error) => e instanceof OnnxExportError && /^layer p1: with round=ceil its last window starts past the bottom edge of the input/.test(e.message));
  });
});
