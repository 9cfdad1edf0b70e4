/**
 * The graph examples against numbers found without this tool:
 * - resnet18, resnet34, resnet50 and googlenet against torchvision itself: test/python/torchvision_shapes.py
 *   builds each model and reports every module's parameters and output shape on a 1x3x224x224
 *   input; `cnn table --format json` must give the same per full name, layer by layer, in the
 *   state dict's order, and the same totals. That part needs python3 with torch and torchvision;
 *   without them it skips and says what is missing, except in CI (CI=true), where it fails.
 * - torchvision's published totals (the sum of p.numel() over model.parameters()), without Python.
 * - the CIFAR networks of He et al. 2016 (section 4.2), counted by hand below.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { runCli } from '../cli';
import type { Network, NetworkLayer, Shape } from '../../server/src/language/network';
import { isCI } from '../../scripts/lib/ci.mjs';
import { findPython } from '../python';

/** What `cnn table FILE --format json` prints, parsed; the file must have no error. */
async function table(file: string): Promise<Network> {
  const { code, stdout } = await runCli(['table', `examples/${file}`, '--format', 'json']);
  const network = JSON.parse(stdout) as Network;
  assert.deepEqual(network.diagnostics.filter((d) => d.severity === 'error'), [], `${file} has no error`);
  assert.equal(code, 0, `cnn table ${file} exits 0`);
  return network;
}

const layer = (network: Network, name: string): NetworkLayer => {
  const found = network.layers.find((l) => l.name === name);
  assert.ok(found, `a layer named ${name}`);
  return found;
};

// torchvision's totals: sum(p.numel() for p in model.parameters()), as its model docs print them.
const PUBLISHED: Record<string, number> = {
  'resnet18.cnn': 11_689_512,
  'resnet34.cnn': 21_797_672,
  'resnet50.cnn': 25_557_032,
  'googlenet.cnn': 6_624_904, // googlenet(aux_logits=False): without the two auxiliary classifiers
};

for (const [file, total] of Object.entries(PUBLISHED)) {
  test(`${file}: torchvision's ${total.toLocaleString('en-US')} parameters`, async () => {
    assert.equal((await table(file)).totals.params, total);
  });
}

test('resnet18 and googlenet: a few layers counted by hand', async () => {
  const resnet = await table('resnet18.cnn');
  // conv1: 64 filters of 7x7x3, no bias; bn1: a scale and a shift per channel.
  assert.equal(layer(resnet, 'conv1').params, 64 * 7 * 7 * 3);
  assert.equal(layer(resnet, 'bn1').params, 2 * 64);
  // The first block of layer2: a 3x3 convolution from 64 to 128 channels at stride 2, and the
  // 1x1 projection of the shortcut; both halve 56x56 to 28x28.
  assert.equal(layer(resnet, 'layer2.0.conv1').params, 128 * 3 * 3 * 64);
  assert.deepEqual(layer(resnet, 'layer2.0.conv1').output, [28, 28, 128]);
  assert.equal(layer(resnet, 'layer2.0.downsample.0').params, 128 * 64);
  assert.deepEqual(layer(resnet, 'layer2.0.downsample.0').output, [28, 28, 128]);
  assert.equal(layer(resnet, 'fc').params, 1000 * 512 + 1000);
  const googlenet = await table('googlenet.cnn');
  // inception3a concatenates 64 + 128 + 32 + 32 channels at 28x28.
  assert.deepEqual(googlenet.instances!.find((i) => i.name === 'inception3a')!.output, [28, 28, 256]);
  // Its "5x5" branch: 32 filters of 3x3x16, as torchvision builds it.
  assert.equal(layer(googlenet, 'inception3a.branch3.1.conv').params, 32 * 3 * 3 * 16);
  assert.equal(layer(googlenet, 'fc').params, 1000 * 1024 + 1000);
});

// ---------------------------------------------------------------------------------------------
// CIFAR-10 networks of He et al. 2016, section 4.2, counted by hand. Convolutions have no bias;
// a batchnorm has 2·C parameters (scale and shift).
//   stem:    conv 3x3, 3 → 16:                 3·3·3·16 = 432, bn 32                  →   464
//   block of width w (two 3x3 convs w → w):    2·(9·w·w) + 2·(2·w)
//            w = 16: 2·2,304 + 64  = 4,672;  w = 32: 2·9,216 + 128 = 18,560;
//            w = 64: 2·36,864 + 256 = 73,984
//   first block of stage 2 (16 → 32):          9·16·32 + 64 + 9·32·32 + 64 = 4,608 + 64 + 9,216 + 64 = 13,952
//   first block of stage 3 (32 → 64):          9·32·64 + 128 + 9·64·64 + 128 = 18,432 + 128 + 36,864 + 128 = 55,552
//   option B projection, stage 2 and stage 3:  16·32 + 64 = 576;  32·64 + 128 = 2,176  (2,752 in all)
//   fc: 64 → 10 with bias:                     650
// A plain network with n blocks a stage:
//   464 + n·4,672 + 13,952 + (n − 1)·18,560 + 55,552 + (n − 1)·73,984 + 650
// n = 3: 464 + 14,016 + 13,952 + 37,120 + 55,552 + 147,968 + 650 = 269,722 = ResNet-20 with option A
//        (He et al.: "0.27M"); n = 9: 464 + 42,048 + 13,952 + 148,480 + 55,552 + 591,872 + 650 = 853,018
//        ("0.85M" for ResNet-56).
// ---------------------------------------------------------------------------------------------
const STEM = 3 * 3 * 3 * 16 + 2 * 16;
const BLOCK = (w: number) => 2 * (9 * w * w) + 2 * (2 * w);
const FIRST2 = 9 * 16 * 32 + 2 * 32 + 9 * 32 * 32 + 2 * 32;
const FIRST3 = 9 * 32 * 64 + 2 * 64 + 9 * 64 * 64 + 2 * 64;
const PROJECTIONS = 16 * 32 + 2 * 32 + (32 * 64 + 2 * 64);
const FC = 64 * 10 + 10;
const plain = (n: number) => STEM + n * BLOCK(16) + FIRST2 + (n - 1) * BLOCK(32) + FIRST3 + (n - 1) * BLOCK(64) + FC;

test('the CIFAR counts by hand agree with He et al.\'s 0.27M and 0.85M', () => {
  assert.equal(STEM, 464);
  assert.deepEqual([BLOCK(16), BLOCK(32), BLOCK(64)], [4_672, 18_560, 73_984]);
  assert.deepEqual([FIRST2, FIRST3, PROJECTIONS], [13_952, 55_552, 2_752]);
  assert.equal(plain(3), 269_722);
  assert.equal(plain(9), 853_018);
  assert.equal(Math.round(plain(3) / 1e4) / 100, 0.27);
  assert.equal(Math.round(plain(9) / 1e4) / 100, 0.85);
});

for (const [n, depth] of [[3, 20], [9, 56]]) {
  test(`plain${depth} and resnet${depth}: 6n + 2 = ${depth} weighted layers, counted by hand`, async () => {
    const plainNet = await table(`plain${depth}.cnn`);
    const resnet = await table(`resnet${depth}.cnn`);
    assert.equal(plainNet.totals.params, plain(n));
    // Option B: the identity shortcuts add nothing; the two projections add 2,752.
    assert.equal(resnet.totals.params, plain(n) + PROJECTIONS);
    for (const network of [plainNet, resnet]) {
      const weighted = network.layers.filter((l) => l.kind === 'conv' && l.kernel![0] === 3).length + network.layers.filter((l) => l.kind === 'softmax').length;
      assert.equal(weighted, 6 * n + 2, `${network.network}: 3x3 convolutions and the fc`);
      // The three stages: 32x32x16, 16x16x32, 8x8x64.
      assert.deepEqual(layer(network, `layer1.${n - 1}.bn2`).output, [32, 32, 16]);
      assert.deepEqual(layer(network, `layer2.${n - 1}.bn2`).output, [16, 16, 32]);
      assert.deepEqual(layer(network, `layer3.${n - 1}.bn2`).output, [8, 8, 64]);
      assert.deepEqual(network.layers.at(-1)!.output, [10]);
    }
    assert.equal(plainNet.layers.filter((l) => l.kind === 'add').length, 0);
    assert.equal(resnet.layers.filter((l) => l.kind === 'add').length, 3 * n);
    assert.deepEqual(resnet.layers.filter((l) => l.name.includes('downsample.0')).map((l) => [l.name, l.params]), [['layer2.0.downsample.0', 16 * 32], ['layer3.0.downsample.0', 32 * 64]]);
  });
}

// ---------------------------------------------------------------------------------------------
// Against torchvision itself.
// ---------------------------------------------------------------------------------------------
interface TorchModule {
  type: string;
  /** With its children's. */
  params: number;
  /** Its own (recurse=False). */
  own: number;
  /** NCHW or NC, from its last call; null when it never ran. */
  output: number[] | null;
  calls: number;
}
interface TorchModel {
  total: number;
  stateDictModules: string[];
  modules: Record<string, TorchModule>;
}

const MODELS: Record<string, string> = { resnet18: 'resnet18.cnn', resnet34: 'resnet34.cnn', resnet50: 'resnet50.cnn', googlenet: 'googlenet.cnn' };
const SCRIPT = 'test/python/torchvision_shapes.py';

const findTorch = () => findPython(['torch', 'torchvision'], 'Debian: python3-torch python3-torchvision');

let torchvision: Promise<Record<string, TorchModel> | { missing: string }> | undefined;
/** Runs the script once for the three models. */
function torchvisionModels(): Promise<Record<string, TorchModel> | { missing: string }> {
  torchvision ??= (async () => {
    const found = findTorch();
    if ('missing' in found) return found;
    const result = spawnSync(found.python, [SCRIPT, ...Object.keys(MODELS)], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
    assert.equal(result.status, 0, `${found.python} ${SCRIPT} failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, TorchModel>;
  })();
  return torchvision;
}

/** The models, or undefined after skipping (locally) or failing (CI=true) when torch is missing. */
async function models(t: TestContext): Promise<Record<string, TorchModel> | undefined> {
  const data = await torchvisionModels();
  if (!('missing' in data)) return data as Record<string, TorchModel>;
  if (isCI()) assert.fail(`under CI the torchvision comparison must run, and cannot: missing ${data.missing}`);
  const reason = `not compared with torchvision: missing ${data.missing}`;
  t.skip(reason);
  return undefined;
}

/**
 * torch's NCHW (or NC) as our [H, W, C] (or [N]). torch flattens after the global pool, in the
 * model's forward; we flatten at the fc, so GoogLeNet's dropout is 1x1x1024 here and [1, 1024]
 * there: a 1x1xC shape is compared as [C] where torch's is flat.
 */
function torchShape(nchw: number[]): Shape {
  assert.equal(nchw[0], 1, 'batch of one');
  return nchw.length === 4 ? [nchw[2], nchw[3], nchw[1]] : [nchw[1]];
}
function ourShape(shape: Shape, torch: Shape): Shape {
  return shape.length === 3 && torch.length === 1 && shape[0] === 1 && shape[1] === 1 ? [shape[2]] : shape;
}

for (const [model, file] of Object.entries(MODELS)) {
  test(`${file} equals torchvision's ${model}, layer by layer`, async (t) => {
    const torch = (await models(t))?.[model];
    if (!torch) return;
    const network = await table(file);

    // Totals: ours, torchvision's, and the published number.
    assert.equal(torch.total, PUBLISHED[file]);
    assert.equal(network.totals.params, torch.total);

    // Every module that owns parameters is one of our layers with the same full name and count
    // (conv: weight (+ bias); Linear: weight + bias; BatchNorm2d: weight + bias), and back.
    const torchParams = Object.fromEntries(Object.entries(torch.modules).filter(([, m]) => m.own > 0).map(([name, m]) => [name, m.own]));
    const ourParams = Object.fromEntries(network.layers.filter((l) => l.params > 0).map((l) => [l.name, l.params]));
    assert.deepEqual(ourParams, torchParams);

    // In the state dict's order.
    assert.deepEqual(network.layers.filter((l) => l.params > 0).map((l) => l.name), torch.stateDictModules);

    // Output shapes of every layer and block instance that torch has a module for.
    const ours = new Map<string, Shape>([
      ...network.layers.map((l) => [l.name, l.output] as [string, Shape]),
      ...(network.instances ?? []).map((i) => [i.name, i.output] as [string, Shape]),
    ]);
    let compared = 0;
    for (const [name, module] of Object.entries(torch.modules)) {
      const shape = ours.get(name);
      if (!shape) {
        // What torch has and the file has not: ReLU modules (our act= on batchnorm and add) and
        // Sequential containers (downsample, layerN; their last child is compared).
        assert.ok(['ReLU', 'Sequential'].includes(module.type), `torchvision's ${name} (${module.type}) has no layer or instance in ${file}`);
        continue;
      }
      assert.ok(module.output, `torchvision's ${name} ran`);
      const expected = torchShape(module.output);
      assert.deepEqual(ourShape(shape, expected), expected, `${name}: output ${shape.join('x')} here, ${expected.join('x')} in torchvision`);
      compared++;
    }
    // And what the file has that torch has no module for: only the merges, functional in torch
    // (`out += identity`, torch.cat); their output is their block instance's, compared above.
    for (const l of network.layers) {
      if (!(l.name in torch.modules)) assert.ok(['add', 'concat'].includes(l.kind), `${l.name} (${l.kind}) is not a torchvision module`);
    }
    // Instances' parameters: a block's total is its torch module's.
    for (const instance of network.instances ?? []) {
      const torchModule: TorchModule | undefined = torch.modules[instance.name];
      if (torchModule) assert.equal(instance.params, torchModule.params, `${instance.name}: parameters`);
    }
    t.diagnostic(`${model}: ${Object.keys(torchParams).length} weighted modules and ${compared} output shapes equal`);
  });
}
