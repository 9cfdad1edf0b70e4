/**
 * The PyTorch export (runner/src/export/pytorch.ts) checked by torch itself (Debian's python3-torch
 * and python3-torchvision; or CNN_PYTHON=/path/to/python): without them the tests skip and say what
 * is missing, except under CI, where they fail.
 * - examples/resnet18.cnn's model.py loads torchvision's resnet18().state_dict() with strict=True
 *   and gives torchvision's outputs;
 * - a trained run's weights give the runner's validation loss and error in PyTorch (train.py --evaluate);
 * - train.py under torchrun --nproc_per_node=2 (gloo, CPU) trains LeNet-5 for an epoch: the loss
 *   falls, both processes end with the same weights, and the runner reads the run folder.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../server/src/cli';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { createModel } from '../../runner/src/backends';
import { exportPytorch } from '../../runner/src/export/pytorch';
import { initialTensors } from '../../runner/src/init';
import { buildPlan } from '../../runner/src/plan';
import { readRunStatus, readRunWeights } from '../../runner/src/runFolder';
import { decodeSafetensors, encodeSafetensors } from '../../runner/src/safetensors';
import { evaluate, loadTrainingData, train } from '../../runner/src/train';
import { resolveSettings } from '../../runner/src/settings';
import { listRunFolders, runsOfNetwork } from '../../client/src/training/runFolders';
import { isCI } from '../../scripts/lib/ci.mjs';
import { findPython } from '../python';
import { tempDir } from '../tempDir';
import { capture } from '../capture';

const CHECK = 'test/python/pytorch_export_check.py';

function torchOrSkip(t: TestContext, modules = ['torch', 'torchvision']): string | undefined {
  const found = findPython(modules, 'Debian: python3-torch python3-torchvision');
  if ('python' in found) return found.python;
  if (isCI()) assert.fail(`CI is set and the PyTorch checks cannot run: missing ${found.missing}`);
  t.skip(`missing ${found.missing}`);
  return undefined;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${err.slice(-4000)}`))));
  });
}

const networkOf = (file: string): Network => analyzeText(readFileSync(file, 'utf8')).network;

test('resnet18.cnn exported to PyTorch loads torchvision\'s resnet18 state dict with strict=True and gives its outputs', async (t) => {
  const python = torchOrSkip(t);
  if (!python) return;
  const dir = tempDir('cnn-pytorch-r18-');
  exportPytorch(networkOf('examples/resnet18.cnn'), { outDir: dir, dataDir: 'examples', noData: true });
  const result = JSON.parse(await run(python, [CHECK, 'torchvision', dir])) as { maxAbs: number; maxRef: number; keys: boolean };
  assert.equal(result.keys, true, 'the state dict keys are torchvision\'s, in its order');
  assert.ok(result.maxAbs <= 1e-4 * result.maxRef, `largest difference ${result.maxAbs} against outputs up to ${result.maxRef}`);
});

test('a trained run\'s weights give the runner\'s validation loss and error in PyTorch (train.py --evaluate)', { timeout: 600_000 }, async (t) => {
  const python = torchOrSkip(t, ['torch']);
  if (!python) return;
  const network = networkOf('examples/lenet5.cnn');
  const runDir = tempDir('cnn-pytorch-trained-');
  const trained = await train(network, { backend: 'cpu', dataset: { kind: 'shapes' }, epochs: 1, trainSamples: 512, runDir });
  const dir = tempDir('cnn-pytorch-eval-');
  exportPytorch(network, { outDir: dir, dataDir: 'examples', weightsRunDir: trained.runDir });
  const theirs = JSON.parse(await run(python, [join(dir, 'train.py'), '--evaluate'])) as { valLoss: number; top1Error: number; top5Error: number };
  const ours = trained.epochs[0];
  assert.ok(Math.abs(theirs.valLoss - ours.valLoss) <= 1e-4 * ours.valLoss, `val loss ${theirs.valLoss} in PyTorch, ${ours.valLoss} in the runner`);
  assert.equal(theirs.top1Error, ours.top1Error);
  assert.equal(theirs.top5Error, ours.top5Error);
});

test('train.py writes each line it prints in one write, so torchrun --tee, which tails a log file, never splits one', { timeout: 600_000 }, async (t) => {
  const python = torchOrSkip(t, ['torch']);
  if (!python) return;
  const dir = tempDir('cnn-pytorch-writes-');
  exportPytorch(networkOf('examples/lenet5.cnn'), { outDir: dir, dataDir: 'examples', settings: { epochs: 1 } });
  for (const args of [['--json'], [], ['--evaluate']]) {
    const writes = JSON.parse(await run(python, [CHECK, 'writes', dir, ...args, '--runs', tempDir('cnn-pytorch-writes-runs-')])) as string[];
    assert.ok(writes.length >= (args[0] === '--evaluate' ? 1 : 4), `train.py ${args.join(' ')} wrote ${JSON.stringify(writes)}`);
    for (const text of writes) assert.match(text, /^[^\n]+\n$/, `train.py ${args.join(' ')} wrote ${JSON.stringify(text)} in one write`);
    if (args[0] === '--json') assert.deepEqual([...new Set(writes.map((w) => JSON.parse(w).type))], ['started', 'progress', 'epoch', 'done']);
  }
});

test('torchrun --nproc_per_node=2 (gloo, CPU) trains lenet5 on MNIST for an epoch: the loss falls, both processes end equal, the runner reads the run folder', { timeout: 600_000 }, async (t) => {
  const python = torchOrSkip(t, ['torch']);
  if (!python) return;
  const network = networkOf('examples/lenet5.cnn');
  const dir = tempDir('cnn-pytorch-ddp-');
  const runs = tempDir('cnn-pytorch-ddp-runs-');
  exportPytorch(network, { outDir: dir, dataDir: 'examples', settings: { epochs: 1 } });
  const before = JSON.parse(await run(python, [join(dir, 'train.py'), '--evaluate'])) as { valLoss: number };
  // Debian 12's torch 1.13 on Python 3.11 cannot parse torchrun's default --redirects 0 --tee 0 (Std.from_str
  // iterates an IntFlag, which no longer yields 0): stderr to its log file and stdout teed, prefixed [default0]:.
  const out = await run(python, ['-m', 'torch.distributed.run', '--nproc_per_node=2', '--redirects', '2', '--tee', '1', '--log_dir', join(runs, 'logs'),
    join(dir, 'train.py'), '--json', '--rank-weights', '--runs', runs]);
  const events = out.trim().split('\n').map((l) => l.replace(/^\[default\d+\]:/, '')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  const started = events.find((e) => e.type === 'started')!;
  assert.match(started.adapter, /2 processes \(DistributedDataParallel, gloo\)/);
  const progress = events.filter((e) => e.type === 'progress');
  assert.equal(progress.at(-1)!.step, started.stepsPerEpoch);
  assert.ok(progress.at(-1)!.loss < progress[0].loss, `training loss ${progress[0].loss} at first, ${progress.at(-1)!.loss} at the end`);
  const done = events.find((e) => e.type === 'done')!;
  const epoch = done.epochs[0];
  assert.ok(epoch.valLoss < before.valLoss / 2, `validation loss ${before.valLoss} before, ${epoch.valLoss} after the epoch`);

  const [rank0, rank1] = [0, 1].map((r) => decodeSafetensors(readFileSync(join(done.runDir, `rank${r}.safetensors`))).tensors);
  assert.deepEqual(rank0.map((x) => x.name), rank1.map((x) => x.name));
  rank0.forEach((x, i) => assert.deepEqual(x.data, rank1[i].data, `${x.name} differs between the two processes`));

  // The runner's readers: the training view's run list, the status, and the weights on the runner's forward pass.
  const listed = runsOfNetwork(listRunFolders(runs), network.network);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].problem, undefined);
  assert.deepEqual(listed[0].epochs, [epoch]);
  assert.equal(readRunStatus(done.runDir)?.status, 'completed');
  const plan = buildPlan(network);
  const saved = readRunWeights(plan, done.runDir);
  const { model } = await createModel('cpu', plan, saved.params, saved.state, { optimizer: DEFAULT_OPTIMIZER, seed: 0 }, 32);
  try {
    const data = loadTrainingData(plan, resolveSettings(network, { dataDir: 'examples' }));
    const ours = await evaluate(model, plan, data.val, 32);
    assert.equal(ours.top1Error, epoch.top1Error);
    assert.ok(Math.abs(ours.loss - epoch.valLoss) <= 1e-4 * epoch.valLoss, `the runner reads val loss ${ours.loss} from the weights, PyTorch wrote ${epoch.valLoss}`);
  } finally {
    model.dispose();
  }
  assert.ok(existsSync(join(done.runDir, 'metrics.csv')));
});

test('cnn export FILE --to pytorch -o DIR writes the folder; usage and unusable weights are refused with what is wrong', async () => {
  const dir = tempDir('cnn-pytorch-cli-');
  const ok = capture();
  assert.equal(await main(['export', 'examples/lenet5.cnn', '--to', 'pytorch', '-o', join(dir, 'out'), '--epochs', '3', '--no-data'], ok.io), 0, ok.err());
  assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['config.json', 'model.py', 'network.json', 'train.py', 'weights.safetensors']);
  const config = JSON.parse(readFileSync(join(dir, 'out', 'config.json'), 'utf8'));
  assert.equal(config.settings.epochs, 3, '--epochs over the train statement');
  assert.equal(config.settings.lr, 0.01, 'lr from the train statement');
  assert.equal(config.params, 61_706);
  // The weights file holds the runner's initial weights for the seed, under the runner's names.
  const plan = buildPlan(networkOf('examples/lenet5.cnn'));
  const initial = initialTensors(plan, 1).params;
  const written = new Map(decodeSafetensors(readFileSync(join(dir, 'out', 'weights.safetensors'))).tensors.map((x) => [x.name, x]));
  for (const p of initial) assert.deepEqual(written.get(p.name)?.data, p.data, p.name);

  // Without -o, as for ONNX, the folder goes beside the file, named after it.
  cpSync('examples/lenet5.cnn', join(dir, 'lenet5.cnn'));
  const noOut = capture();
  assert.equal(await main(['export', join(dir, 'lenet5.cnn'), '--to', 'pytorch', '--no-data'], noOut.io), 0, noOut.err());
  assert.ok(existsSync(join(dir, 'lenet5-pytorch', 'model.py')));
  const format = capture();
  assert.equal(await main(['export', 'examples/lenet5.cnn', '--to', 'keras', '-o', dir], format.io), 2);
  assert.match(format.err(), /unknown format "keras": --to takes onnx, pytorch/);
  const badFlag = capture();
  assert.equal(await main(['export', 'examples/lenet5.cnn', '--to', 'pytorch', '-o', dir, '--epochs', 'many'], badFlag.io), 2);
  assert.match(badFlag.err(), /--epochs needs a whole number, got "many"/);
  const noRun = capture();
  assert.equal(await main(['export', 'examples/lenet5.cnn', '--to', 'pytorch', '-o', dir, '--weights', join(dir, 'nowhere')], noRun.io), 1);
  assert.match(noRun.err(), /cannot read .*nowhere.*settings\.json: ENOENT/);
});

test('a layer named as an nn.Module attribute is refused by name: PyTorch could not hold it', () => {
  const network = analyzeText('network n\ninput 8x8x1\neval: conv 2 f=3\nout: softmax 2\n').network;
  assert.throws(() => exportPytorch(network, { outDir: tempDir('cnn-pytorch-bad-'), dataDir: '.', noData: true }),
    /layer eval: "eval" is the name of an nn.Module attribute in PyTorch; rename the layer to export it/);
});
