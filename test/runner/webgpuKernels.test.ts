/**
 * Every WebGPU kernel against the reference backend: each layer kind's forward, input gradient and
 * parameter gradients on the same inputs, then whole models (softmax loss, SGD and Adam, batchnorm
 * running statistics, dropout masks, residual and concat graphs) over a few training steps. Without a WebGPU adapter these
 * tests are skipped with the reason, except in CI (CI=true), where a missing adapter is a failure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from '../../runner/src/backend';
import { initialTensors } from '../../runner/src/init';
import { buildPlan, type Step } from '../../runner/src/plan';
import { ReferenceDropout } from '../../runner/src/reference/dropout';
import { referenceLayer, ReferenceModel } from '../../runner/src/reference/model';
import { Rng } from '../../runner/src/rng';
import { openWebGpu } from '../../runner/src/webgpu/device';
import { readBuffer, storage } from '../../runner/src/webgpu/gpu';
import { gpuLayer, stepInfoBuffer, WebGpuModel, writeStepInfo } from '../../runner/src/webgpu/model';
import { makeNetwork, residualBlock, type LayerSketch } from './fixtures';
import { webGpuSuite } from './webgpuSuite';

function assertAllClose(actual: Float32Array, expected: Float32Array, what: string, tolerance = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance * scale)) {
      assert.fail(`${what}[${i}]: webgpu ${actual[i]} vs reference ${expected[i]} (scale ${scale})`);
    }
  }
}

const cases: [string, [number, number, number], LayerSketch[]][] = [
  ['conv 3x3 pad 1, 4 filters', [6, 6, 3], [{ kind: 'conv', count: 4, kernel: 3, pad: 1, act: 'none' }]],
  ['conv 5x5 stride 2, 6 filters on 1 channel', [11, 11, 1], [{ kind: 'conv', count: 6, kernel: 5, stride: 2, act: 'none' }]],
  ['conv 3x2 stride 2x1 pad 1x0, no bias', [7, 6, 8], [{ kind: 'conv', count: 5, kernel: [3, 2], stride: [2, 1], pad: [1, 0], bias: false, act: 'none' }]],
  ['conv groups=2', [6, 6, 8], [{ kind: 'conv', count: 8, kernel: 3, stride: 2, pad: 1, groups: 2, act: 'none' }]],
  ['conv groups=3, 6 channels per group', [5, 5, 18], [{ kind: 'conv', count: 9, kernel: 2, groups: 3, act: 'none' }]],
  ['conv 11x11 stride 4 (AlexNet conv1 shape)', [35, 35, 3], [{ kind: 'conv', count: 8, kernel: 11, stride: 4, act: 'none' }]],
  ['fc after a 3-D input', [3, 3, 5], [{ kind: 'fc', count: 7, act: 'none' }]],
  ['maxpool floor', [6, 6, 3], [{ kind: 'maxpool', kernel: 2 }]],
  ['maxpool 3x3 stride 2 ceil with pad', [7, 7, 2], [{ kind: 'maxpool', kernel: 3, stride: 2, pad: 1, round: 'ceil' }]],
  ['avgpool floor', [6, 5, 3], [{ kind: 'avgpool', kernel: 2, stride: 2 }]],
  ['avgpool ceil with pad', [7, 6, 2], [{ kind: 'avgpool', kernel: 3, stride: 2, pad: 1, round: 'ceil' }]],
  ['globalavgpool', [4, 3, 5], [{ kind: 'globalavgpool' }]],
  ['relu', [3, 3, 4], [{ kind: 'conv', count: 4, kernel: 1, act: 'relu' }]],
  ['prelu per channel', [3, 3, 4], [{ kind: 'conv', count: 6, kernel: 1, act: 'prelu' }]],
  ['prelu-shared', [3, 3, 4], [{ kind: 'conv', count: 6, kernel: 1, act: 'prelu-shared' }]],
  ['leakyrelu', [2, 2, 3], [{ kind: 'fc', count: 9, act: 'leakyrelu' }]],
  ['tanh', [2, 2, 3], [{ kind: 'fc', count: 9, act: 'tanh' }]],
  ['sigmoid', [2, 2, 3], [{ kind: 'fc', count: 9, act: 'sigmoid' }]],
  ['dropout', [4, 4, 4], [{ kind: 'dropout', rate: 0.3 }]],
  ['lrn size 5', [3, 3, 8], [{ kind: 'lrn', size: 5 }]],
  ['batchnorm', [3, 3, 4], [{ kind: 'batchnorm' }]],
];

describe('WebGPU kernels against the reference backend', () => {
  const suite = webGpuSuite();
  const needDevice = suite.needDevice;

  const batch = 3;
  for (const [title, input, sketches] of cases) {
    it(title, async (t) => {
      if (!needDevice(t)) return;
      const d = suite.device()!;
      const plan = buildPlan(makeNetwork(input, [...sketches, { kind: 'softmax', count: 2 }]));
      const steps: Step[] = plan.steps.slice(0, -1);
      const step = steps.at(-1)!;
      const rng = new Rng(11);
      const { params, state } = initialTensors({ ...plan, steps: [step] }, 4);
      // Random slopes and batchnorm scales, so a kernel reading the wrong element shows.
      for (const p of params) if (p.data.every((v) => v === p.data[0])) for (let i = 0; i < p.data.length; i++) p.data[i] = 0.1 + rng.uniform();
      const x = Float32Array.from({ length: batch * step.inSize }, () => rng.normal() * (step.kind === 'lrn' ? 30 : 1));
      const dy = Float32Array.from({ length: batch * step.outSize }, () => rng.normal());
      const ref = referenceLayer(step, params.map((p) => Float32Array.from(p.data)), state.map((s) => Float32Array.from(s.data)), 99);
      if (ref instanceof ReferenceDropout) ref.draw = 5;
      const refY = Float32Array.from(ref.forward(x, batch, true));
      const refDx = Float32Array.from(ref.backward(dy, batch));

      const stepInfo = stepInfoBuffer(d);
      writeStepInfo(d, stepInfo, 5, 0, 0, 1);
      const io = {
        input: storage(d, 'x', x.length, x), output: storage(d, 'y', refY.length), outputGrad: storage(d, 'dy', dy.length, dy),
        inputGrad: storage(d, 'dx', x.length), stepInfo,
      };
      const layer = gpuLayer(d, step, params.map((p) => p.data), state.map((s) => s.data), io, batch, 99);
      const encoder = d.createCommandEncoder();
      const pass = encoder.beginComputePass();
      layer.encodeForward(pass, true);
      layer.encodeBackward(pass);
      pass.end();
      d.queue.submit([encoder.finish()]);
      assertAllClose(await readBuffer(d, io.output, refY.length), refY, `${title}: forward`);
      assertAllClose(await readBuffer(d, io.inputGrad, x.length), refDx, `${title}: input gradient`);
      for (let j = 0; j < ref.grads.length; j++) {
        assertAllClose(await readBuffer(d, layer.grads[j], ref.grads[j].length), ref.grads[j], `${title}: ${step.params[j].name} gradient`);
      }
      for (let j = 0; j < ref.state.length; j++) {
        assertAllClose(await readBuffer(d, layer.state[j], ref.state[j].length), ref.state[j], `${title}: ${step.state[j].name}`);
      }
    });
  }

  const modelCase = (name: string, optimizer: OptimizerSettings, sketches: LayerSketch[], smoothing = 0) => it(name, async (t) => {
    if (!needDevice(t)) return;
    const plan = buildPlan(makeNetwork([8, 8, 2], sketches));
    const { params, state } = initialTensors(plan, 21);
    const options = { optimizer, seed: 3, smoothing };
    const ref = new ReferenceModel(plan, params, state, options);
    const gpu = await WebGpuModel.create(suite.device()!, plan, params, state, options, 4);
    const rng = new Rng(8);
    for (let s = 0; s < 4; s++) {
      const x = Float32Array.from({ length: 4 * plan.inputSize }, () => rng.normal());
      const labels = Int32Array.from({ length: 4 }, () => rng.int(plan.classes));
      ref.trainStep(x, labels, 4, 0.05);
      gpu.trainStep(x, labels, 4, 0.05);
    }
    const [refLosses, gpuLosses] = [await ref.takeLosses(), await gpu.takeLosses()];
    assertAllClose(Float32Array.from(gpuLosses), Float32Array.from(refLosses), 'losses', 1e-4);
    const probe = Float32Array.from({ length: 3 * plan.inputSize }, () => rng.normal());
    assertAllClose(await gpu.predict(probe, 3), await ref.predict(probe, 3), 'predictions after training', 1e-3);
    const [a, b] = [await gpu.tensors(), await ref.tensors()];
    assert.deepEqual(a.map((x) => x.name), b.map((x) => x.name));
    for (let i = 0; i < a.length; i++) assertAllClose(a[i].data, b[i].data, `${a[i].name} after 4 steps`, 1e-3);
  });

  it('a lost device fails the step with device-lost, not a crash', async (t) => {
    if (!needDevice(t)) return;
    const own = (await openWebGpu()).device!;
    const plan = buildPlan(makeNetwork([4, 4, 1], [{ kind: 'conv', count: 2, kernel: 3 }, { kind: 'softmax', count: 2 }]));
    const { params, state } = initialTensors(plan, 1);
    const model = await WebGpuModel.create(own, plan, params, state, { optimizer: DEFAULT_OPTIMIZER, seed: 1 }, 2);
    own.destroy();
    await own.lost;
    assert.throws(() => model.trainStep(new Float32Array(32), new Int32Array(2), 2, 0.1), (e: any) => e.code === 'device-lost' && /device was lost/.test(e.message));
  });

  const net: LayerSketch[] = [
    { kind: 'conv', count: 4, kernel: 3, pad: 1, act: 'prelu' },
    { kind: 'batchnorm' },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'dropout', rate: 0.25 },
    { kind: 'fc', count: 12, act: 'tanh' },
    { kind: 'softmax', count: 5 },
  ];
  modelCase('a whole model, SGD with momentum and weight decay, 4 steps', DEFAULT_OPTIMIZER, net);
  modelCase('a whole model, Adam, 4 steps', { ...DEFAULT_OPTIMIZER, kind: 'adam' }, net);
  modelCase('a whole model with label smoothing 0.1, 4 steps', DEFAULT_OPTIMIZER, net, 0.1);

  // A checkpoint's round trip: 2 steps, the tensors and optimiser state read back, a new model
  // built from them, 2 more steps: the same as 4 steps on the reference backend (dropout's masks
  // follow the restored step count, Adam's bias correction too).
  it('a model resumed from its tensors and optimiser state continues as if never stopped (Adam, dropout)', async (t) => {
    if (!needDevice(t)) return;
    const plan = buildPlan(makeNetwork([8, 8, 2], net));
    const { params, state } = initialTensors(plan, 21);
    const options = { optimizer: { ...DEFAULT_OPTIMIZER, kind: 'adam' as const }, seed: 3 };
    const ref = new ReferenceModel(plan, params, state, options);
    const first = await WebGpuModel.create(suite.device()!, plan, params, state, options, 4);
    const rng = new Rng(8);
    const batches = Array.from({ length: 4 }, () => ({
      x: Float32Array.from({ length: 4 * plan.inputSize }, () => rng.normal()),
      labels: Int32Array.from({ length: 4 }, () => rng.int(plan.classes)),
    }));
    for (const b of batches) ref.trainStep(b.x, b.labels, 4, 0.01);
    for (const b of batches.slice(0, 2)) first.trainStep(b.x, b.labels, 4, 0.01);
    const saved = await first.tensors();
    const optimizerState = await first.optimizerState();
    assert.equal(optimizerState.steps, 2);
    const nParams = plan.steps.reduce((n, s) => n + s.params.length, 0);
    const second = await WebGpuModel.create(suite.device()!, plan, saved.slice(0, nParams), saved.slice(nParams), { ...options, resume: optimizerState }, 4);
    for (const b of batches.slice(2)) second.trainStep(b.x, b.labels, 4, 0.01);
    const refLosses = await ref.takeLosses();
    assertAllClose(Float32Array.from([...(await first.takeLosses()), ...(await second.takeLosses())]), Float32Array.from(refLosses), 'losses', 1e-4);
    const [a, b] = [await second.tensors(), await ref.tensors()];
    for (let i = 0; i < a.length; i++) assertAllClose(a[i].data, b[i].data, `${a[i].name} after 2 + 2 steps`, 1e-3);
    const [sa, sb] = [await second.optimizerState(), await ref.optimizerState()];
    assert.equal(sa.steps, 4);
    for (let j = 0; j < sb.first.length; j++) assertAllClose(sa.second[j], sb.second[j], `second moment ${j}`, 1e-3);
  });

  // Graphs: the backends share the wiring but not its kernels (fan-out sums, merges, their backward).
  modelCase('a residual network with a projection shortcut, SGD, 4 steps', DEFAULT_OPTIMIZER, residualBlock(5));
  modelCase('a concat network (three branches, relu6 after the concat), Adam, 4 steps', { ...DEFAULT_OPTIMIZER, kind: 'adam' }, [
    { kind: 'conv', name: 'stem', count: 4, kernel: 1, act: 'relu' },
    { kind: 'conv', name: 'b1', count: 2, kernel: 1, from: 'stem' },
    { kind: 'conv', name: 'b2', count: 3, kernel: 3, pad: 1, from: 'stem' },
    { kind: 'maxpool', name: 'b3', kernel: 3, stride: 1, pad: 1, from: 'stem' },
    { kind: 'concat', name: 'cat', from: ['b1', 'b2', 'b3'], act: 'relu6' },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'fc', count: 6, act: 'tanh' },
    { kind: 'softmax', count: 5 },
  ]);
});
