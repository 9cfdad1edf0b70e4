/**
 * `cnn diff` (networkDiff.ts): the coursework network against its 224x224 variant, and ResNet-18
 * against ResNet-34, with every delta compared to numbers found without this tool: torch builds
 * the same models (test/python/diff_counts.py: torchvision's resnet18 and resnet34, the coursework
 * network in torch.nn at both sizes) and counts each module's output, parameters and MACs. Needs
 * python3 with torch and torchvision; without them those parts skip saying so, except in CI.
 * The memory deltas are checked against the bytes the runner really holds after a step.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { runCli } from '../cli';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network, Shape } from '../../server/src/language/network';
import { diffNetworks, type NetworkDiff } from '../../server/src/language/networkDiff';
import { trainingMemory } from '../../server/src/language/trainingMemory';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { CpuModel } from '../../runner/src/cpu/model';
import { initialTensors } from '../../runner/src/init';
import { heldBytes } from '../../runner/src/memory';
import { buildPlan } from '../../runner/src/plan';
import { isCI } from '../../scripts/lib/ci.mjs';
import { findPython } from '../python';

const network = (file: string): Network => analyzeText(readFileSync(`examples/${file}`, 'utf8')).network;

const cli = runCli;

interface TorchModel {
  modules: Record<string, { type: string; params: number; macs: number; output: number[] }>;
  total: number;
  buffers: number;
  macs: number;
}

let counts: Record<string, TorchModel> | { missing: string } | undefined;
async function torchCounts(t: TestContext): Promise<Record<string, TorchModel> | undefined> {
  if (!counts) {
    const found = findPython(['torch', 'torchvision'], 'Debian: python3-torch python3-torchvision');
    if ('missing' in found) counts = found;
    else {
      const result = spawnSync(found.python, ['test/python/diff_counts.py'], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
      assert.equal(result.status, 0, `test/python/diff_counts.py failed: ${result.stderr}`);
      counts = JSON.parse(result.stdout) as Record<string, TorchModel>;
    }
  }
  if (!('missing' in counts)) return counts as Record<string, TorchModel>;
  if (isCI()) assert.fail(`under CI the torch comparison must run, and cannot: missing ${counts.missing}`);
  t.skip(`not compared with torch: missing ${counts.missing}`);
  return undefined;
}

/** NCHW of one sample → the file's HxWxC (or [N]). */
const hwc = (nchw: number[]): Shape => (nchw.length === 4 ? [nchw[2], nchw[3], nchw[1]] : [nchw[1]]);

const runnerBytes = (file: string, batch: number): number => {
  const plan = buildPlan(network(file));
  const { params, state } = initialTensors(plan, 2);
  const model = new CpuModel(plan, params, state, { optimizer: DEFAULT_OPTIMIZER, seed: 2 });
  const x = new Float32Array(batch * plan.inputSize).map((_, i) => Math.cos(i));
  model.trainStep(x, new Int32Array(batch), batch, 0.001);
  return heldBytes(model, x);
};

test('alexnet-coursework → alexnet-224: the same layers, every shape and MAC delta as torch counts them', async (t) => {
  const diff = diffNetworks(network('alexnet-coursework.cnn'), network('alexnet-224.cnn'), { batch: 2 });
  assert.deepEqual(diff.layers.filter((l) => l.status !== 'changed'), [], 'nothing added or removed: the names match');
  assert.equal(diff.totals.delta.params, 0, 'pool3 floors to 3x3 on both: fc1 keeps its 1,152 inputs');
  assert.equal(diff.totals.delta.layers, 0);
  const torch = await torchCounts(t);
  if (!torch) return;
  const [a, b] = [torch['coursework-227'], torch['coursework-224']];
  for (const name of Object.keys(b.modules)) {
    const changed = diff.layers.find((l) => l.name === name);
    const macs = b.modules[name].macs - a.modules[name].macs;
    const sameShape = hwc(a.modules[name].output).join('x') === hwc(b.modules[name].output).join('x');
    if (!changed) {
      assert.ok(sameShape && macs === 0, `${name} is unchanged only where torch sees no change`);
      continue;
    }
    assert.deepEqual(changed.a!.output, hwc(a.modules[name].output), `${name} output at 227`);
    assert.deepEqual(changed.b!.output, hwc(b.modules[name].output), `${name} output at 224`);
    assert.equal(changed.delta.macs, macs, `${name} MAC delta`);
    assert.equal(changed.delta.params, b.modules[name].params - a.modules[name].params, `${name} parameter delta`);
  }
  assert.deepEqual(diff.layers.map((l) => l.name), ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool3']);
  assert.equal(diff.totals.delta.macs, b.macs - a.macs);
  assert.equal(diff.totals.delta.forwardFlops, 2 * (b.macs - a.macs));
});

test('resnet18 → resnet34: the added blocks, and the deltas torch counts', async (t) => {
  const diff = diffNetworks(network('resnet18.cnn'), network('resnet34.cnn'), { batch: 1 });
  assert.equal(diff.totals.delta.params, 10_108_160, 'ResNet-34 − ResNet-18');
  assert.deepEqual(diff.layers.filter((l) => l.status === 'removed'), []);
  // One block more in layer1, two in layer2, four in layer3, one in layer4: five layers each.
  const added = diff.layers.filter((l) => l.status === 'added');
  assert.equal(added.length, 8 * 5);
  // The first block of the next stage reads the new last block: its two readers changed wiring only.
  const changed = diff.layers.filter((l) => l.status === 'changed');
  for (const l of changed) assert.deepEqual(l.changes.map((c) => c.split(':')[0]), ['inputs'], l.name);
  assert.deepEqual(changed.map((l) => l.name), ['layer2.0.conv1', 'layer2.0.downsample.0', 'layer3.0.conv1', 'layer3.0.downsample.0', 'layer4.0.conv1', 'layer4.0.downsample.0', 'avgpool']);
  const torch = await torchCounts(t);
  if (!torch) return;
  const [r18, r34] = [torch.resnet18, torch.resnet34];
  assert.equal(diff.totals.delta.params, r34.total - r18.total);
  assert.equal(diff.totals.delta.nonTrainableParams, r34.buffers - r18.buffers);
  assert.equal(diff.totals.delta.macs, r34.macs - r18.macs);
  assert.equal(diff.totals.delta.trainingFlops, 6 * (r34.macs - r18.macs));
  const newModules = Object.keys(r34.modules).filter((n) => !(n in r18.modules));
  assert.deepEqual(added.filter((l) => l.b!.kind !== 'add').map((l) => l.name).sort(), newModules.sort(), 'the conv and batchnorm modules torchvision adds');
  for (const name of newModules) {
    const l = added.find((x) => x.name === name)!;
    assert.equal(l.delta.params, r34.modules[name].params, `${name} parameters`);
    assert.equal(l.delta.macs, r34.modules[name].macs, `${name} MACs`);
    assert.deepEqual(l.b!.output, hwc(r34.modules[name].output), `${name} output`);
  }
});

test('memory deltas: the sum of the layers\' and the totals\', and close to what the runner holds more', () => {
  for (const [a, b, batch] of [['alexnet-coursework.cnn', 'alexnet-224.cnn', 2], ['resnet18.cnn', 'resnet34.cnn', 1]] as const) {
    const diff = diffNetworks(network(a), network(b), { batch });
    const delta = trainingMemory(network(b), { batch }).totals.total - trainingMemory(network(a), { batch }).totals.total;
    assert.equal(diff.totals.delta.memory, delta);
    const measured = runnerBytes(b, batch) - runnerBytes(a, batch);
    assert.ok(Math.abs(delta - measured) <= 0.02 * Math.abs(measured), `${a} → ${b} at batch ${batch}: estimate ${delta} bytes more, the runner holds ${measured} more`);
  }
});

test('cnn diff prints text, Markdown and JSON, and says what is wrong with its arguments', async () => {
  const text = await cli(['diff', 'examples/resnet18.cnn', 'examples/resnet34.cnn', '--batch', '8']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /40 added, 0 removed, 7 changed, 44 unchanged; memory at batch 8/);
  assert.match(text.stdout, /\+\s+layer3\.5\.conv2\s+conv\s+14×14×256\s+\+589,824\s+\+115,605,504/);
  assert.match(text.stdout, /trainable parameters\s+11,689,512\s+21,797,672\s+\+10,108,160/);
  const md = await cli(['diff', 'examples/alexnet-coursework.cnn', 'examples/alexnet-224.cnn', '--format', 'markdown']);
  assert.match(md.stdout, /\| ~ \| conv1 \| conv \| 55×55×48 → 54×54×48 \| 0 \| −1,899,216 \|/);
  const json = JSON.parse((await cli(['diff', 'examples/alexnet-coursework.cnn', 'examples/alexnet-224.cnn', '--format', 'json'])).stdout) as NetworkDiff;
  assert.equal(json.batch, 32, "B has no train statement: A's batch");
  assert.equal(json.totals.delta.macs, 350_494_784 - 394_836_752);
  for (const [args, message] of [
    [['diff', 'examples/lenet5.cnn'], /cnn diff takes two FILEs/],
    [['diff', 'a.cnn', 'b.cnn', '--format', 'csv'], /unknown format 'csv'/],
    [['diff', 'examples/lenet5.cnn', 'examples/lenet5.cnn', '--batch', '0'], /--batch takes a whole number from 1/],
    [['diff', 'examples/lenet5.cnn', 'nope.cnn'], /cannot read nope\.cnn: no such file/],
  ] as const) {
    const r = await cli([...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
  const same = await cli(['diff', 'examples/lenet5.cnn', 'examples/lenet5.cnn']);
  assert.match(same.stdout, /No layer differs\./);
  assert.match((await cli(['diff', '--help'])).stdout, /usage: cnn diff A\.cnn B\.cnn/);
});

test('layers left over after the names are paired in order where their kinds agree: a renamed layer is changed, not removed and added', () => {
  const a = analyzeText('input 32x32x3\nc1: conv 8 f=3\nmaxpool f=2\nfc 10\nsoftmax 10\n').network;
  const b = analyzeText('input 32x32x3\nconv 8 f=3 p=1\nconv 8 f=3\nmaxpool f=2\nfc 10\nsoftmax 10\n').network;
  const diff = diffNetworks(a, b, { batch: 1 });
  assert.deepEqual(diff.layers.map((l) => `${l.status} ${l.name}`), ['changed conv1', 'added conv2', 'changed maxpool1']);
  assert.deepEqual(diff.layers[0].changes.slice(0, 2), ['name: c1 → conv1', 'pad: 0x0 → 1x1']);
  const inits = diffNetworks(a, analyzeText('input 32x32x3\nc1: conv 8 f=3 init=gaussian(0.01)\nmaxpool f=2\nfc 10\nsoftmax 10\n').network, { batch: 1 });
  assert.deepEqual(inits.layers.map((l) => l.changes), [['init: he → gaussian(0.01)']]);
});
