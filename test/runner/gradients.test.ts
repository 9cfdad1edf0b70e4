/**
 * Finite-difference gradient checks on the reference and cpu backends: for every layer kind (and both
 * PReLU variants) the analytic input and parameter gradients of L = sum(y * r), r fixed and random, must
 * match central differences of L computed in float64 from the float32 forward. The cpu backend is
 * checked on its native kernels (skipped without them, saying why, except under CI=true where that is
 * a failure) and on its portable TypeScript kernels.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan, type Step } from '../../runner/src/plan';
import { initialTensors } from '../../runner/src/init';
import { referenceLayer, ReferenceModel } from '../../runner/src/reference/model';
import type { ReferenceLayer } from '../../runner/src/reference/layer';
import type { CpuKernels } from '../../runner/src/cpu/kernels';
import { cpuVariants, haveKernels } from './cpuVariants';
import { cpuFactory, CpuModel } from '../../runner/src/cpu/model';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { Rng } from '../../runner/src/rng';
import { makeNetwork, type LayerSketch } from './fixtures';

function randomArray(n: number, rng: Rng, avoidNearZero: boolean): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.normal();
    // Kinks (ReLU at 0, max pooling ties) break finite differences; keep inputs away from them.
    if (avoidNearZero && Math.abs(v) < 0.1) v += v < 0 ? -0.1 : 0.1;
    a[i] = v;
  }
  return a;
}

function weighted(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * r[i];
  return s;
}

function assertClose(numeric: number, analytic: number, what: string): void {
  const tolerance = 2e-2 * Math.max(1, Math.abs(numeric), Math.abs(analytic));
  assert.ok(Math.abs(numeric - analytic) <= tolerance, `${what}: numeric ${numeric} vs analytic ${analytic}`);
}

/** Checks a sample of coordinates (all when few) of the input and of each parameter. */
type Make = (step: Step, params: Float32Array[], state: Float32Array[], seed: number) => ReferenceLayer;

function checkStep(step: Step, batch: number, seed = 1, make: Make = referenceLayer): void {
  const rng = new Rng(seed);
  const { params, state } = initialTensors({ name: 't', input: [1, 1, 1], inputSize: 1, classes: 1, steps: [step], paramCount: 0 }, seed);
  const paramArrays = params.map((p) => p.data);
  // Slopes at 0.25 and gamma at 1 would hide a wrong gradient formula that happens to fit the start values.
  for (const p of paramArrays) if (p.every((v) => v === p[0])) for (let i = 0; i < p.length; i++) p[i] = 0.1 + 0.8 * rng.uniform();
  const layer = make(step, paramArrays, state.map((s) => s.data), 7);
  const x = randomArray(batch * step.inSize, rng, true);
  if (step.kind === 'maxpool') for (let i = 0; i < x.length; i++) x[i] = (i * 7919 % x.length) / x.length + 0.01 * rng.uniform();
  // With alpha = 1e-4, LRN's cross-channel term matters only for large activations, as in AlexNet's conv1.
  if (step.kind === 'lrn') for (let i = 0; i < x.length; i++) x[i] *= 40;
  const r = randomArray(batch * step.outSize, rng, false);
  const loss = () => weighted(layer.forward(x, batch, true), r);
  loss();
  const dx = Float32Array.from(layer.backward(r, batch));
  const grads = layer.grads.map((g) => Float32Array.from(g));
  const h = step.kind === 'maxpool' ? 1e-3 : 1e-2;
  const probe = (arr: Float32Array, i: number): number => {
    const keep = arr[i];
    arr[i] = keep + h; const up = loss();
    arr[i] = keep - h; const down = loss();
    arr[i] = keep;
    return (up - down) / (2 * h);
  };
  const sample = (n: number): number[] => (n <= 40 ? [...Array(n).keys()] : Array.from({ length: 40 }, () => rng.int(n)));
  for (const i of sample(x.length)) assertClose(probe(x, i), dx[i], `${step.layer} (${step.kind}) d/dx[${i}]`);
  paramArrays.forEach((p, j) => {
    for (const i of sample(p.length)) assertClose(probe(p, i), grads[j][i], `${step.layer} ${step.params[j].name}[${i}]`);
  });
}

function stepsOf(input: [number, number, number], sketches: LayerSketch[]): Step[] {
  // The last softmax only makes the plan valid; the steps before it are the ones checked.
  const plan = buildPlan(makeNetwork(input, [...sketches, { kind: 'softmax', count: 2 }]));
  return plan.steps.slice(0, -1);
}

const backends: { name: string; kernels?: CpuKernels; missing?: string }[] = [{ name: 'reference' }, ...cpuVariants()];

describe('gradients of every layer kind (reference and cpu backends, finite differences)', () => {
  const cases: [string, [number, number, number], LayerSketch[]][] = [
    ['conv 3x3 stride 1 pad 1', [5, 5, 3], [{ kind: 'conv', count: 4, kernel: 3, pad: 1, act: 'none' }]],
    ['conv 3x2 stride 2 pad 0', [7, 6, 2], [{ kind: 'conv', count: 3, kernel: [3, 2], stride: 2, act: 'none' }]],
    ['conv groups=2 with stride and pad', [6, 6, 4], [{ kind: 'conv', count: 6, kernel: 3, stride: 2, pad: 1, groups: 2, act: 'none' }]],
    ['conv without bias', [4, 4, 2], [{ kind: 'conv', count: 2, kernel: 2, bias: false, act: 'none' }]],
    ['maxpool floor', [5, 5, 2], [{ kind: 'maxpool', kernel: 2, stride: 2 }]],
    ['maxpool ceil with pad', [5, 5, 2], [{ kind: 'maxpool', kernel: 3, stride: 2, pad: 1, round: 'ceil' }]],
    ['avgpool floor', [5, 5, 2], [{ kind: 'avgpool', kernel: 2, stride: 2 }]],
    ['avgpool ceil with pad', [6, 5, 3], [{ kind: 'avgpool', kernel: 3, stride: 2, pad: 1, round: 'ceil' }]],
    ['globalavgpool', [3, 4, 3], [{ kind: 'globalavgpool' }]],
    ['fc after a 3-D input (flatten)', [2, 3, 2], [{ kind: 'fc', count: 5, act: 'none' }]],
    ['relu', [2, 2, 3], [{ kind: 'fc', count: 4, act: 'relu' }]],
    ['prelu (per channel)', [3, 3, 4], [{ kind: 'conv', count: 3, kernel: 1, act: 'prelu' }]],
    ['prelu-shared', [3, 3, 4], [{ kind: 'conv', count: 3, kernel: 1, act: 'prelu-shared' }]],
    ['leakyrelu', [2, 2, 2], [{ kind: 'fc', count: 6, act: 'leakyrelu' }]],
    ['tanh', [2, 2, 2], [{ kind: 'fc', count: 6, act: 'tanh' }]],
    ['sigmoid', [2, 2, 2], [{ kind: 'fc', count: 6, act: 'sigmoid' }]],
    ['dropout (training, fixed mask)', [3, 3, 4], [{ kind: 'dropout', rate: 0.4 }]],
    ['lrn size 5', [2, 2, 7], [{ kind: 'lrn', size: 5 }]],
    ['lrn size 3', [2, 1, 4], [{ kind: 'lrn', size: 3 }]],
    ['batchnorm on 3-D', [3, 2, 3], [{ kind: 'batchnorm' }]],
    ['batchnorm on flat', [1, 1, 6], [{ kind: 'fc', count: 4, act: 'none' }, { kind: 'batchnorm' }]],
  ];
  for (const backend of backends) {
    for (const [title, input, sketches] of cases) {
      it(`${title} (${backend.name})`, (t) => {
        if (backend.name !== 'reference' && !haveKernels(backend, t)) return;
        const make: Make = backend.kernels ? (cpuFactory(backend.kernels) as Make) : referenceLayer;
        for (const step of stepsOf(input, sketches)) checkStep(step, 3, 1, make);
      });
    }
  }

  for (const backend of backends) it(`softmax with cross-entropy, through a whole small network (${backend.name})`, (t) => {
    if (backend.name !== 'reference' && !haveKernels(backend, t)) return;
    const net = makeNetwork([4, 4, 2], [
      { kind: 'conv', count: 3, kernel: 3, pad: 1, act: 'tanh' },
      { kind: 'avgpool', kernel: 2 },
      { kind: 'fc', count: 5, act: 'sigmoid' },
      { kind: 'softmax', count: 4 },
    ]);
    const plan = buildPlan(net);
    const { params, state } = initialTensors(plan, 3);
    const options = { optimizer: DEFAULT_OPTIMIZER, seed: 3 };
    const model = backend.kernels ? new CpuModel(plan, params, state, options, backend.kernels) : new ReferenceModel(plan, params, state, options);
    const rng = new Rng(5);
    const x = randomArray(2 * plan.inputSize, rng, false);
    const labels = Int32Array.from([1, 3]);
    model.lossAndGradients(x, labels, 2);
    const analytic = model.layers.map((l) => l.grads.map((g) => Float32Array.from(g)));
    const h = 1e-2;
    model.layers.forEach((layer, li) => layer.params.forEach((p, pi) => {
      for (let k = 0; k < 8; k++) {
        const i = rng.int(p.length);
        const keep = p[i];
        p[i] = keep + h; const up = model.lossAndGradients(x, labels, 2);
        p[i] = keep - h; const down = model.lossAndGradients(x, labels, 2);
        p[i] = keep;
        assertClose((up - down) / (2 * h), analytic[li][pi][i], `${layer.step.layer} param ${pi}[${i}]`);
      }
    }));
  });
});
