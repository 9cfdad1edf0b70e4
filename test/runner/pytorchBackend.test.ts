/**
 * The pytorch backend (runner/src/pytorchBackend.ts): `cnn train --backend pytorch` trains through
 * the exported train.py and streams the same JSON lines as the other backends, into a run folder the
 * runner and the training view read; a stop request ends the run as cancelled with its weights.
 * Needs python3 with torch (Debian: python3-torch; or CNN_PYTHON): skips without, except under CI.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportPytorch } from '../../runner/src/export/pytorch';
import { buildPlan } from '../../runner/src/plan';
import { findTorchPython } from '../../runner/src/pytorchBackend';
import { readRunStatus } from '../../runner/src/runFolder';
import { decodeSafetensors } from '../../runner/src/safetensors';
import { train } from '../../runner/src/train';
import { trainCommand } from '../../runner/src/trainCommand';
import { listRunFolders } from '../../client/src/training/runFolders';
import { isCI } from '../../scripts/lib/ci.mjs';
import { makeNetwork } from './fixtures';
import { tempDir } from '../tempDir';
import { capture } from '../capture';

async function torchOrSkip(t: TestContext): Promise<boolean> {
  const found = await findTorchPython();
  if ('device' in found) return true;
  if (isCI()) assert.fail(`CI is set and the pytorch backend cannot be tried: ${found.missing}`);
  t.skip(found.missing);
  return false;
}

const net = () => {
  const n = makeNetwork([12, 12, 1], [{ kind: 'conv', count: 4, kernel: 3, act: 'prelu' }, { kind: 'maxpool', kernel: 2 }, { kind: 'batchnorm' }, { kind: 'fc', count: 16 }, { kind: 'softmax', count: 3 }], 'torchnet');
  n.train = { dataset: { kind: 'shapes' }, epochs: 7, batch: 8, lr: 0.05 };
  return n;
};

test('cnn train --backend pytorch streams started, progress, epoch and done, and writes a run folder the runner reads', { timeout: 600_000 }, async (t) => {
  if (!(await torchOrSkip(t))) return;
  const file = join(tempDir('cnn-pytorch-backend-'), 'torchnet.cnn');
  const streams = capture();
  const code = await trainCommand(net(), ['--epochs', '2', '--samples', '128', '--backend', 'pytorch', '--json'], file, streams.io);
  assert.equal(code, 0, streams.err());
  const lines = streams.out().trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual([lines[0].type, lines.at(-1).type], ['started', 'done']);
  const started = lines[0];
  assert.equal(started.backend.backend, 'pytorch');
  assert.match(started.backend.adapter, /^PyTorch \S+, (CPU|CUDA|MPS)/);
  assert.equal(started.settings.epochs, 2);
  assert.equal(started.settings.lr, 0.05, 'lr from the train statement');
  assert.equal(started.stepsPerEpoch, 128 / 8);
  const progress = lines.filter((l) => l.type === 'progress');
  assert.ok(progress.length >= 2 && progress.every((p) => Number.isFinite(p.loss) && p.loss > 0 && p.samplesPerSec > 0));
  const epochs = lines.filter((l) => l.type === 'epoch').map(({ type: _type, ...row }) => row);
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
  const { runDir } = lines.at(-1);
  assert.equal(dirname(dirname(runDir)), dirname(file));
  const [listed] = listRunFolders(dirname(file));
  assert.equal(listed.problem, undefined);
  assert.deepEqual(listed.epochs, epochs);
  assert.deepEqual(readRunStatus(runDir)?.weights, { epoch: 2, steps: 32 });
  const plan = buildPlan(net());
  const names = plan.steps.flatMap((s) => [...s.params.map((p) => p.name), ...s.state.map((p) => p.name)]).sort();
  assert.deepEqual(decodeSafetensors(readFileSync(join(runDir, 'weights.safetensors'))).tensors.map((x) => x.name).sort(), names);
});

test('the pytorch backend stops at a stop request: the run is cancelled, with the weights of that step', { timeout: 600_000 }, async (t) => {
  if (!(await torchOrSkip(t))) return;
  let progressed = 0;
  const result = await train(net(), { backend: 'pytorch', epochs: 50, trainSamples: 256, lossEvery: 1, runDir: tempDir('cnn-pytorch-stop-') }, {
    onProgress: () => { progressed++; },
    shouldStop: () => progressed >= 3,
  });
  assert.equal(result.cancelled, true);
  assert.ok(result.epochs.length < 50);
  const status = readRunStatus(result.runDir)!;
  assert.equal(status.status, 'cancelled');
  assert.ok(status.weights && status.weights.steps >= 3, JSON.stringify(status.weights));
});

test('train.py --stop-on-stdin-eof stops, saving the weights, when the runner that started it is gone (its stdin closes)', { timeout: 600_000 }, async (t) => {
  if (!(await torchOrSkip(t))) return;
  const found = await findTorchPython();
  if (!('device' in found)) return;
  const dir = tempDir('cnn-pytorch-eof-');
  exportPytorch(net(), { outDir: dir, dataDir: dir, settings: { epochs: 50, trainSamples: 256, lossEvery: 1 } });
  const child = spawn(found.python, [join(dir, 'train.py'), '--json', '--stop-on-stdin-eof', '--runs', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('"type": "progress"')) child.stdin.end();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  const done = out.trim().split('\n').map((l) => JSON.parse(l)).at(-1);
  assert.equal(done.type, 'done');
  assert.equal(done.cancelled, true);
  assert.equal(readRunStatus(done.runDir)?.status, 'cancelled');
});
