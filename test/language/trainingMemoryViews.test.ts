/**
 * Training memory where a user reads it: `cnn table --batch N` (its total is the bytes the runner
 * really holds after a step at that batch), the hover on a layer and on `network`, and the
 * `training-memory` warning on the train statement when the batch does not fit the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../cli';
import { analyzeText } from '../../server/src/language/analyze';
import { hover } from '../../server/src/language/hover';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { CpuModel } from '../../runner/src/cpu/model';
import { initialTensors } from '../../runner/src/init';
import { heldBytes, largestWebGpuBuffer } from '../../runner/src/memory';
import { buildPlan } from '../../runner/src/plan';

const cli = runCli;

const LENET = readFileSync('examples/lenet5.cnn', 'utf8');

test('cnn table --batch 8: a memory column whose total is what the runner holds after a step at batch 8', async () => {
  const csv = await cli(['table', 'examples/lenet5.cnn', '--batch', '8', '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const rows = csv.stdout.trim().split('\r\n').map((r) => r.split(','));
  assert.equal(rows[0].at(-1), 'Training memory (batch 8)');
  const network = analyzeText(LENET).network;
  const plan = buildPlan(network);
  const { params, state } = initialTensors(plan, 1);
  const model = new CpuModel(plan, params, state, { optimizer: DEFAULT_OPTIMIZER, seed: 1 });
  const x = new Float32Array(8 * plan.inputSize).fill(0.5);
  model.trainStep(x, new Int32Array(8), 8, 0.01);
  assert.equal(Number(rows.at(-1)!.at(-1)), heldBytes(model, x), 'the total row');
  const layers = rows.slice(1, -1).reduce((n, r) => n + Number(r.at(-1)), 0);
  assert.ok(layers < Number(rows.at(-1)!.at(-1)), 'the input batch and the shared gradient buffers are in the total, in no layer');
  const text = await cli(['table', 'examples/resnet18.cnn', '--batch', '64', '--depth', '1']);
  assert.match(text.stdout, /Training memory \(batch 64\)/);
  assert.match(text.stdout, /Training memory at batch 64 \(cpu backend, SGD\): [\d.]+ GiB = weights 44\.6 MiB \+ gradients 44\.6 MiB \+ optimiser state 44\.6 MiB/);
  assert.match(text.stdout, /Total parameters 11,699,112 \(trainable 11,689,512 \+ 9,600 non-trainable/);
  assert.match(text.stdout, /forward MACs 1,814,073,344 a sample \(forward FLOPs 3,628,146,688 = 2 × MACs; a training step, forward and backward, about 10,884,440,064 FLOPs/);
  assert.doesNotMatch((await cli(['table', 'examples/lenet5.cnn'])).stdout, /Training memory/, 'no column without --batch: the seed table stays as it was');
  const bad = await cli(['table', 'examples/lenet5.cnn', '--batch', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--batch takes a whole number from 1 to 65536, not 'lots'/);
});

test('hover: a layer\'s memory at the file\'s batch, FLOPs named; on network, the totals as Keras counts parameters', () => {
  const analysis = analyzeText(LENET);
  const line = LENET.split('\n').findIndex((l) => l.startsWith('c1:'));
  const value = (hover(analysis, { line, character: 1 }) as { contents: { value: string } }).contents.value;
  // c1: 6 filters of 5x5x1 on 32x32 → 28x28x6; at batch 32 its tanh output and the conv's output
  // are kept (32·4704 floats each), and its input gradient (32·1024) and the activation's (32·4704).
  assert.match(value, /forward MACs: 117,600 a sample \(forward FLOPs 235,200 = 2 × MACs; a training step about 705,600 FLOPs\)/);
  // 2·32·4704 floats = 1,204,224 bytes = 1.15 MiB; (32·1024 + 32·4704)·4 = 733,184 bytes = 716.0 KiB.
  assert.match(value, /training memory at batch 32: \*\*[\d.]+ MiB\*\* \(activations 1\.1 MiB, activation gradients 716\.0 KiB/);
  const net = (hover(analysis, { line: LENET.split('\n').findIndex((l) => l.startsWith('network')), character: 1 }) as { contents: { value: string } }).contents.value;
  assert.match(net, /params: \*\*61,706\*\* \(all trainable\)/);
  assert.match(net, /Training memory at batch 32 \(cpu backend, SGD\)/);
});

test('training-memory: a warning on batch= when the batch does not fit the limit, with the batch that does', async () => {
  const text = LENET.replace('batch=32', 'batch=4096');
  const none = analyzeText(text).diagnostics.filter((d) => d.code === 'training-memory');
  assert.deepEqual(none, [], 'no limit given, no check');
  const analysis = analyzeText(text, { memoryLimit: 64 * 2 ** 20 });
  const [d] = analysis.diagnostics.filter((x) => x.code === 'training-memory');
  assert.ok(d, 'reported');
  assert.equal(d.severity, 'warning');
  const trainLine = text.split('\n').findIndex((l) => l.startsWith('train'));
  assert.equal(d.range.start.line, trainLine);
  assert.equal(text.split('\n')[trainLine].slice(d.range.start.character, d.range.end.character), 'batch=4096');
  assert.match(d.message, /Training at batch 4096 needs about [\d.]+ MiB .* more than the 64\.0 MiB the trainer may use; a batch of about (\d+) fits/);
  const fits = Number(/about (\d+) fits/.exec(d.message)![1]);
  const at = (batch: number) => analyzeText(LENET.replace('batch=32', `batch=${batch}`), { memoryLimit: 64 * 2 ** 20 }).diagnostics.some((x) => x.code === 'training-memory');
  assert.equal(at(fits), false, `batch ${fits} fits`);
  assert.equal(at(fits + 1), true, `batch ${fits + 1} does not`);
  assert.ok(analysis.network.diagnostics.some((x) => x.code === 'training-memory'), 'in the Network too');
  assert.deepEqual(analyzeText(text, { memoryLimit: 64 * 2 ** 20, severity: { 'training-memory': 'off' } }).diagnostics.filter((x) => x.code === 'training-memory'), []);
  assert.deepEqual(analyzeText(LENET.replace(/^train.*$/m, ''), { memoryLimit: 1 }).diagnostics.filter((x) => x.code === 'training-memory'), [], 'no train statement, no training to warn of');
  const checked = await cli(['check', 'examples/lenet5.cnn'], { CNN_MEMORY_LIMIT_MB: '1' });
  assert.match(checked.stdout, /examples\/lenet5\.cnn:\d+:\d+: warning: Training at batch 32 needs about 9\.9 MiB .* more than the 1\.0 MiB the trainer may use; .*\[training-memory\]/);
});

test('training-memory on a WebGPU adapter: one buffer over its maxStorageBufferBindingSize, with the batch that fits', () => {
  const MiB = 2 ** 20;
  const adapter = (maxBufferBytes: number) => ({ name: 'Test adapter', maxBufferBytes, largestBuffer: largestWebGpuBuffer });
  const warnings = (text: string, maxBufferBytes: number) => analyzeText(text, { adapter: adapter(maxBufferBytes) }).diagnostics.filter((d) => d.code === 'training-memory');
  // LeNet-5's c1 output, 28×28×6 floats a sample, is its largest buffer from a batch of 11 on
  // (below that, c5's 400×120 weights are): 1 MiB holds floor(1,048,576 / 18,816) = 55 samples.
  const at64 = LENET.replace('batch=32', 'batch=64');
  const [d] = warnings(at64, MiB);
  assert.ok(d, 'reported at batch 64');
  assert.match(d.message, /^Training at batch 64 on the WebGPU adapter \(Test adapter\) needs one buffer of 1\.1 MiB \(c1 conv output\), more than the 1\.0 MiB the adapter can bind at once \(maxStorageBufferBindingSize\); a batch of 55 fits$/);
  assert.deepEqual(warnings(LENET.replace('batch=32', 'batch=55'), MiB), [], 'batch 55 fits');
  assert.equal(warnings(LENET.replace('batch=32', 'batch=56'), MiB).length, 1, 'batch 56 does not');
  assert.deepEqual(warnings(at64, 128 * MiB), [], 'a usual adapter takes it');
  // A weight tensor does not shrink with the batch: AlexNet's fc6 is 9,216 × 4,096 floats, 144 MiB.
  const alexnet = readFileSync('examples/alexnet-torchvision.cnn', 'utf8').replace('batch=32', 'batch=1');
  const [weights] = warnings(alexnet, 128 * MiB);
  assert.ok(weights, 'fc6 over 128 MiB');
  assert.match(weights.message, /needs one buffer of 144\.0 MiB \(.*6.*\), more than the 128\.0 MiB .*; no batch fits: make that layer smaller, or train on the cpu backend$/);
  assert.deepEqual(warnings(alexnet, 256 * MiB), []);
  // The host's limit is checked first; without a train statement, nothing.
  assert.match(analyzeText(at64, { memoryLimit: 1, adapter: adapter(MiB) }).diagnostics.find((x) => x.code === 'training-memory')!.message, /the trainer may use/);
  assert.deepEqual(warnings(LENET.replace(/^train.*$/m, ''), 1), []);
});
