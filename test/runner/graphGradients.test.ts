/**
 * Finite-difference gradient checks for graphs, on every backend (reference, cpu on native and on
 * TypeScript kernels, webgpu): the merge steps and relu6 alone
 * (L = sum(y * r), every operand's gradient), then whole networks through the softmax loss (every
 * parameter tensor, so each branch and each fan-out sum is covered): act on batchnorm and add, a
 * residual block with a 1x1 projection, a 4-branch concat, one output read by three layers. Then the
 * two backends take the same training steps on a residual and a concat network. Without a WebGPU
 * adapter its half is skipped with the reason, except in CI (CI=true), where that is a failure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { initialTensors, type NamedTensor } from '../../runner/src/init';
import { buildPlan, type Plan, type Step } from '../../runner/src/plan';
import type { ReferenceLayer, ReferenceMerge } from '../../runner/src/reference/layer';
import { referenceLayer, referenceMerge, ReferenceModel } from '../../runner/src/reference/model';
import { Rng } from '../../runner/src/rng';
import { readBuffer, storage } from '../../runner/src/webgpu/gpu';
import { gpuLayer, stepInfoBuffer, WebGpuModel, writeStepInfo } from '../../runner/src/webgpu/model';
import { makeNetwork, type LayerSketch } from './fixtures';
import type { CpuKernels } from '../../runner/src/cpu/kernels';
import { cpuFactory, CpuModel } from '../../runner/src/cpu/model';
import { cpuVariants, haveKernels } from './cpuVariants';
import { webGpuSuite } from './webgpuSuite';

type Backend = 'reference' | 'webgpu' | 'cpu' | 'cpu, TypeScript kernels';

/** One step run alone: forward at given operands and parameters, backward of a given dy. */
interface StepRun {
  forward(xs: Float32Array[], params: Float32Array[]): Promise<Float32Array>;
  /** After a forward: each operand's gradient and each parameter's. */
  backward(dy: Float32Array): Promise<{ dxs: Float32Array[]; grads: Float32Array[] }>;
}

/** A whole model: the loss of a fixed batch, and the gradients at the parameters as they are. */
interface ModelRun {
  params: Float32Array[];
  /** Call after changing params[j]. */
  changed(j: number): void;
  loss(): Promise<number>;
  grads(): Promise<Float32Array[]>;
}

const BATCH = 3;

function assertGradient(numeric: number, analytic: number, what: string): void {
  // Central differences of a float32 loss with h = 1e-2: noise about 1e-5, truncation about 1e-4 relative.
  const tolerance = 1e-3 + 1e-2 * Math.max(Math.abs(numeric), Math.abs(analytic));
  assert.ok(Math.abs(numeric - analytic) <= tolerance, `${what}: numeric ${numeric} vs analytic ${analytic}`);
}

const weighted = (y: Float32Array, r: Float32Array) => { let s = 0; for (let i = 0; i < r.length; i++) s += y[i] * r[i]; return s; };

function sampleOf(n: number, rng: Rng, k: number): number[] {
  return n <= k ? [...Array(n).keys()] : Array.from({ length: k }, () => rng.int(n));
}

/** Values of N(0, scale²) pushed at least 0.1 away from every kink. */
function awayFromKinks(n: number, rng: Rng, scale: number, kinks: number[]): Float32Array {
  return Float32Array.from({ length: n }, () => {
    let v = rng.normal() * scale;
    for (const k of kinks) if (Math.abs(v - k) < 0.1) v = k + (v < k ? -0.1 : 0.1);
    return v;
  });
}

async function checkStep(run: StepRun, step: Step, xs: Float32Array[], params: Float32Array[], label: string): Promise<void> {
  const rng = new Rng(17);
  const r = Float32Array.from({ length: BATCH * step.outSize }, () => rng.normal());
  const loss = async () => weighted(await run.forward(xs, params), r);
  await run.forward(xs, params);
  const { dxs, grads } = await run.backward(r);
  const h = 1e-2;
  const probe = async (arr: Float32Array, i: number) => {
    const keep = arr[i];
    arr[i] = keep + h; const up = await loss();
    arr[i] = keep - h; const down = await loss();
    arr[i] = keep;
    return (up - down) / (2 * h);
  };
  for (let k = 0; k < xs.length; k++) {
    for (const i of sampleOf(xs[k].length, rng, 30)) assertGradient(await probe(xs[k], i), dxs[k][i], `${label}: d/d operand ${k}[${i}]`);
  }
  for (let j = 0; j < params.length; j++) {
    for (const i of sampleOf(params[j].length, rng, 20)) assertGradient(await probe(params[j], i), grads[j][i], `${label}: ${step.params[j].name}[${i}]`);
  }
}

async function checkModel(run: ModelRun, plan: Plan, label: string): Promise<void> {
  const rng = new Rng(23);
  const names = plan.steps.flatMap((s) => s.params.map((p) => p.name));
  const analytic = await run.grads();
  const h = 1e-2;
  for (let j = 0; j < run.params.length; j++) {
    const p = run.params[j];
    // A tensor whose gradient is all but zero would pass any check; each one here must matter to the loss.
    assert.ok(analytic[j].some((g) => Math.abs(g) > 5e-3), `${label}: ${names[j]} has no gradient above 5e-3: the check would be vacuous`);
    for (const i of sampleOf(p.length, rng, 6)) {
      const keep = p[i];
      p[i] = keep + h; run.changed(j); const up = await run.loss();
      p[i] = keep - h; run.changed(j); const down = await run.loss();
      p[i] = keep; run.changed(j);
      assertGradient((up - down) / (2 * h), analytic[j][i], `${label}: ${names[j]}[${i}]`);
    }
  }
}

function referenceStep(step: Step, params: Float32Array[], state: Float32Array[], kernels?: CpuKernels): StepRun {
  const merge = step.kind === 'add' || step.kind === 'concat';
  const copies = params.map((p) => Float32Array.from(p));
  const layer: ReferenceLayer | ReferenceMerge = kernels ? cpuFactory(kernels)(step, copies, state, 5)
    : merge ? referenceMerge(step) : referenceLayer(step, copies, state, 5);
  return {
    async forward(xs, ps) {
      ps.forEach((p, j) => layer.params[j].set(p));
      return Float32Array.from(merge ? (layer as ReferenceMerge).forward(xs, BATCH) : (layer as ReferenceLayer).forward(xs[0], BATCH, true));
    },
    async backward(dy) {
      const dxs = merge ? (layer as ReferenceMerge).backward(dy, BATCH) : [(layer as ReferenceLayer).backward(dy, BATCH)];
      return { dxs: dxs.map((d) => Float32Array.from(d)), grads: layer.grads.map((g) => Float32Array.from(g)) };
    },
  };
}

const upload = (device: GPUDevice, buffer: GPUBuffer, data: Float32Array) =>
  device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);

function gpuStep(device: GPUDevice, step: Step, params: Float32Array[], state: Float32Array[], operandSizes: number[]): StepRun {
  const stepInfo = stepInfoBuffer(device);
  writeStepInfo(device, stepInfo, 0, 0, 0, 1);
  const inputs = operandSizes.map((n, k) => storage(device, `x${k}`, BATCH * n));
  const inputGrads = operandSizes.map((n, k) => storage(device, `dx${k}`, BATCH * n));
  const io = {
    input: inputs[0], output: storage(device, 'y', BATCH * step.outSize), outputGrad: storage(device, 'dy', BATCH * step.outSize),
    inputGrad: inputGrads[0], inputs, inputGrads, stepInfo,
  };
  const layer = gpuLayer(device, step, params, state, io, BATCH, 5);
  const run = async (encodeIt: (pass: GPUComputePassEncoder) => void) => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    encodeIt(pass);
    pass.end();
    device.queue.submit([encoder.finish()]);
  };
  return {
    async forward(xs, ps) {
      xs.forEach((x, k) => upload(device, inputs[k], x));
      ps.forEach((p, j) => upload(device, layer.params[j], p));
      await run((pass) => layer.encodeForward(pass, true));
      return readBuffer(device, io.output, BATCH * step.outSize);
    },
    async backward(dy) {
      upload(device, io.outputGrad, dy);
      await run((pass) => layer.encodeBackward(pass));
      const dxs = await Promise.all(operandSizes.map((n, k) => readBuffer(device, inputGrads[k], BATCH * n)));
      const grads = await Promise.all(layer.grads.map((g, j) => readBuffer(device, g, step.params[j].size)));
      return { dxs, grads };
    },
  };
}

function referenceRun(plan: Plan, params: NamedTensor[], state: NamedTensor[], x: Float32Array, labels: Int32Array, kernels?: CpuKernels): ModelRun {
  const options = { optimizer: DEFAULT_OPTIMIZER, seed: 3 };
  const model = kernels ? new CpuModel(plan, params, state, options, kernels) : new ReferenceModel(plan, params, state, options);
  return {
    params: model.layers.flatMap((l) => l.params),
    changed() {},
    async loss() { return model.lossAndGradients(x, labels, BATCH); },
    async grads() { model.lossAndGradients(x, labels, BATCH); return model.layers.flatMap((l) => l.grads.map((g) => Float32Array.from(g))); },
  };
}

async function gpuRun(device: GPUDevice, plan: Plan, params: NamedTensor[], state: NamedTensor[], x: Float32Array, labels: Int32Array): Promise<ModelRun> {
  const model = await WebGpuModel.create(device, plan, params, state, { optimizer: DEFAULT_OPTIMIZER, seed: 3 }, BATCH);
  const host = params.map((p) => Float32Array.from(p.data));
  return {
    params: host,
    changed(j) { model.writeParameter(j, host[j]); },
    async loss() { return (await model.lossAndGradients(x, labels, BATCH)).loss; },
    async grads() { return (await model.lossAndGradients(x, labels, BATCH)).grads; },
  };
}

// Merge steps and relu6 alone: [title, input, layers before, index of the step checked among the plan's steps].
const stepCases: [string, [number, number, number], LayerSketch[], string][] = [
  ['add of three operands', [3, 3, 2], [
    { kind: 'conv', name: 'a', count: 2, kernel: 1, act: 'none' },
    { kind: 'conv', name: 'b', count: 2, kernel: 1, act: 'none', from: 'input' },
    { kind: 'add', name: 'sum', from: ['a', 'input', 'b'] },
  ], 'sum'],
  ['concat of three HxWxC operands', [3, 2, 2], [
    { kind: 'conv', name: 'a', count: 3, kernel: 1, act: 'none' },
    { kind: 'conv', name: 'b', count: 1, kernel: 1, act: 'none', from: 'input' },
    { kind: 'concat', name: 'cat', from: ['b', 'input', 'a'] },
  ], 'cat'],
  ['concat of flat vectors', [2, 2, 1], [
    { kind: 'fc', name: 'a', count: 3, act: 'none' },
    { kind: 'fc', name: 'b', count: 5, act: 'none', from: 'input' },
    { kind: 'concat', name: 'cat', from: ['b', 'a'] },
  ], 'cat'],
  ['relu6', [3, 3, 2], [{ kind: 'conv', name: 'c', count: 4, kernel: 1, act: 'relu6' }], 'c'],
];

// Whole networks through the loss. Smooth activations where the test is about wiring, so no unit
// sits on a kink that a step of h would cross.
const modelCases: [string, [number, number, number], LayerSketch[]][] = [
  ['act on batchnorm and on add (prelu per channel, tanh)', [4, 4, 2], [
    { kind: 'conv', name: 'c1', count: 3, kernel: 3, pad: 1, act: 'none', bias: false },
    { kind: 'batchnorm', name: 'bn', act: 'tanh' },
    { kind: 'conv', name: 'c2', count: 3, kernel: 1, act: 'none', from: 'input' },
    { kind: 'add', name: 'sum', from: ['bn', 'c2'], act: 'prelu' },
    { kind: 'globalavgpool' },
    { kind: 'softmax', name: 'fc', count: 3 },
  ]],
  ['residual block with a 1x1 projection (conv + batchnorm) on the shortcut', [6, 6, 3], [
    { kind: 'conv', name: 'stem', count: 4, kernel: 3, pad: 1, act: 'tanh' },
    { kind: 'conv', name: 'layer1.0.conv1', count: 6, kernel: 3, stride: 2, pad: 1, act: 'none', bias: false },
    { kind: 'batchnorm', name: 'layer1.0.bn1', act: 'tanh' },
    { kind: 'conv', name: 'layer1.0.conv2', count: 6, kernel: 3, pad: 1, act: 'none', bias: false },
    { kind: 'batchnorm', name: 'layer1.0.bn2' },
    { kind: 'conv', name: 'layer1.0.downsample.0', count: 6, kernel: 1, stride: 2, act: 'none', bias: false, from: 'stem' },
    { kind: 'batchnorm', name: 'layer1.0.downsample.1' },
    { kind: 'add', name: 'layer1.0.out', from: ['layer1.0.bn2', 'layer1.0.downsample.1'], act: 'tanh' },
    { kind: 'globalavgpool', name: 'pool' },
    { kind: 'softmax', name: 'fc', count: 3 },
  ]],
  ['inception-like: four branches concatenated', [5, 5, 3], [
    { kind: 'conv', name: 'stem', count: 4, kernel: 1, act: 'tanh' },
    { kind: 'conv', name: 'b1', count: 2, kernel: 1, act: 'tanh', from: 'stem' },
    { kind: 'conv', name: 'b2.reduce', count: 2, kernel: 1, act: 'tanh', from: 'stem' },
    { kind: 'conv', name: 'b2', count: 3, kernel: 3, pad: 1, act: 'tanh' },
    { kind: 'conv', name: 'b3.reduce', count: 1, kernel: 1, act: 'tanh', from: 'stem' },
    { kind: 'conv', name: 'b3', count: 2, kernel: 5, pad: 2, act: 'sigmoid' },
    { kind: 'avgpool', name: 'b4.pool', kernel: 3, stride: 1, pad: 1, from: 'stem' },
    { kind: 'conv', name: 'b4', count: 2, kernel: 1, act: 'tanh' },
    { kind: 'concat', name: 'cat', from: ['b1', 'b2', 'b3', 'b4'] },
    { kind: 'avgpool', kernel: 2 },
    { kind: 'softmax', name: 'fc', count: 3 },
  ]],
  ['one output read by three layers', [4, 4, 2], [
    { kind: 'conv', name: 'trunk', count: 3, kernel: 3, pad: 1, act: 'tanh' },
    { kind: 'conv', name: 'a', count: 3, kernel: 1, act: 'tanh' },
    { kind: 'conv', name: 'b', count: 3, kernel: 3, pad: 1, act: 'sigmoid', from: 'trunk' },
    { kind: 'add', name: 'sum', from: ['a', 'b', 'trunk'] },
    { kind: 'softmax', name: 'fc', count: 3 },
  ]],
];

/** Slopes, batchnorm scales and biases start constant; random values catch a gradient that only fits the start. */
function varied(params: NamedTensor[], rng: Rng): void {
  for (const p of params) {
    if (p.data.length > 1 && p.data.every((v) => v === p.data[0])) for (let i = 0; i < p.data.length; i++) p.data[i] = 0.1 + 0.8 * rng.uniform();
    else if (p.name.endsWith('.bias') && p.data.every((v) => v === 0)) for (let i = 0; i < p.data.length; i++) p.data[i] = 0.2 * rng.normal();
  }
}

function modelInputs(plan: Plan, seed: number): { params: NamedTensor[]; state: NamedTensor[]; x: Float32Array; labels: Int32Array } {
  const { params, state } = initialTensors(plan, seed);
  const rng = new Rng(seed + 100);
  varied(params, rng);
  const x = Float32Array.from({ length: BATCH * plan.inputSize }, () => rng.normal());
  const labels = Int32Array.from({ length: BATCH }, () => rng.int(plan.classes));
  return { params, state, x, labels };
}

function stepInputs(input: [number, number, number], sketches: LayerSketch[], name: string) {
  const plan = buildPlan(makeNetwork(input, [...sketches, { kind: 'softmax', count: 2 }]));
  const step = plan.steps.find((s) => s.name === name)!;
  const byName = new Map<string, number>([['input', plan.inputSize], ...plan.steps.map((s): [string, number] => [s.name, s.outSize])]);
  const operandSizes = step.inputs.map((n) => byName.get(n)!);
  const rng = new Rng(29);
  const { params, state } = initialTensors({ ...plan, steps: [step] }, 4);
  varied(params, rng);
  // relu6's kinks are at 0 and 6: values spread over both, none within 0.1 of either.
  const xs = operandSizes.map((n) => awayFromKinks(BATCH * n, rng, step.kind === 'activation' ? 5 : 1, [0, 6]));
  return { step, operandSizes, params: params.map((p) => p.data), state: state.map((s) => s.data), xs };
}

describe('graph gradients, finite differences', () => {
  const suite = webGpuSuite();
  const needDevice = suite.needDevice;

  const cpu = new Map(cpuVariants().map((v) => [v.name, v]));
  /** The cpu variant's kernels, undefined for the other backends; false when it cannot run (skipped). */
  const kernelsFor = (backend: Backend, t: { skip(message: string): void }): CpuKernels | undefined | false => {
    const variant = cpu.get(backend);
    if (!variant) return undefined;
    return haveKernels(variant, t) ? variant.kernels : false;
  };
  for (const backend of ['reference', 'cpu', 'cpu, TypeScript kernels', 'webgpu'] as Backend[]) {
    for (const [title, input, sketches, name] of stepCases) {
      it(`${title} (${backend})`, async (t) => {
        if (backend === 'webgpu' && !needDevice(t)) return;
        const kernels = kernelsFor(backend, t);
        if (kernels === false) return;
        const { step, operandSizes, params, state, xs } = stepInputs(input, sketches, name);
        if (step.kind === 'activation') {
          const x = xs[0];
          assert.ok(x.some((v) => v > 6) && x.some((v) => v > 0 && v < 6) && x.some((v) => v < 0), 'relu6 inputs cover all three pieces');
        }
        const run = backend === 'webgpu' ? gpuStep(suite.device()!, step, params, state, operandSizes) : referenceStep(step, params, state, kernels);
        await checkStep(run, step, xs, params, `${title} (${backend})`);
      });
    }
    for (const [title, input, sketches] of modelCases) {
      it(`${title} (${backend})`, async (t) => {
        if (backend === 'webgpu' && !needDevice(t)) return;
        const kernels = kernelsFor(backend, t);
        if (kernels === false) return;
        const plan = buildPlan(makeNetwork(input, sketches));
        const { params, state, x, labels } = modelInputs(plan, 31);
        const run = backend === 'webgpu' ? await gpuRun(suite.device()!, plan, params, state, x, labels) : referenceRun(plan, params, state, x, labels, kernels);
        await checkModel(run, plan, `${title} (${backend})`);
      });
    }
  }
});
