/**
 * The native helpers that run on several threads (im2col, col2im, bias and ReLU, ReLU's gradient,
 * the SGD and Adam updates): on inputs large enough to be split (above the addon's 65,536 floats),
 * with windows that overlap, skip pixels (stride above the kernel), pad and group, they give bit for
 * bit what the one-thread TypeScript kernels (and the reference optimiser) give, and col2im's sums
 * are the window counts worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typescriptKernels, type Geometry } from '../../runner/src/cpu/kernels';
import { CpuOptimizer } from '../../runner/src/cpu/layers';
import { ReferenceOptimizer } from '../../runner/src/reference/optimizer';
import { Rng } from '../../runner/src/rng';
import { cpuVariants, haveKernels } from './cpuVariants';

const native = cpuVariants()[0];

function random(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const i = a.findIndex((v, j) => v !== e[j]);
  assert.equal(i, -1, `${what}[${i}]: native ${actual[i]} vs TypeScript ${expected[i]}`);
}

interface Case { name: string; batch: number; groups: number; g: Geometry }

const cases: Case[] = [
  // 13x11x6 in 2 groups, 3x2 kernel, stride 3x2, pad 1: rows 3 apart under a 3-row kernel with padding.
  { name: 'grouped, stride 3x2, pad 1', batch: 160, groups: 2, g: [13, 11, 6, 3, 3, 2, 3, 2, 1, 1, 5, 6] },
  // 5x5 windows at stride 1 overlap 25 deep; 3 samples, so two threads split one sample between them.
  { name: '5x5 stride 1 pad 2', batch: 3, groups: 1, g: [12, 12, 8, 8, 5, 5, 1, 1, 2, 2, 12, 12] },
  // Stride 4 above a 3-wide kernel: columns 3 of every 4 are read by no window.
  { name: '3x3 stride 4, gaps', batch: 64, groups: 1, g: [17, 17, 16, 16, 3, 3, 4, 4, 0, 0, 4, 4] },
];

for (const { name, batch, groups, g } of cases) {
  test(`im2col and col2im on threads: ${name}`, (t) => {
    if (!haveKernels(native, t)) return;
    const k = native.kernels;
    const [H, W, C, Cg, kh, kw, , , , , Ho, Wo] = g;
    const P = Ho * Wo, K = kh * kw * Cg;
    assert.ok(batch * P * K > 65536, 'large enough to be split');
    const x = random(batch * H * W * C, 1);
    for (let group = 0; group < groups; group++) {
      const cols = new Float32Array(batch * P * K).fill(NaN), expected = new Float32Array(batch * P * K).fill(NaN);
      k.im2col(x, 0, batch, group, cols, ...g);
      typescriptKernels.im2col(x, 0, batch, group, expected, ...g);
      assertSameBits(cols, expected, `${name} im2col group ${group}`);
      // col2im adds onto what dx holds: start from random values, not zeros.
      const dcols = random(batch * P * K, 2 + group);
      const dx = random(x.length, 7), dxExpected = Float32Array.from(dx);
      k.col2im(dcols, 0, batch, group, dx, ...g);
      typescriptKernels.col2im(dcols, 0, batch, group, dxExpected, ...g);
      assertSameBits(dx, dxExpected, `${name} col2im group ${group}`);
    }
  });
}

test('col2im of ones counts the windows over each pixel (5x5, stride 1, pad 2 on 12x12)', (t) => {
  if (!haveKernels(native, t)) return;
  const g: Geometry = [12, 12, 8, 8, 5, 5, 1, 1, 2, 2, 12, 12];
  const batch = 3, K = 5 * 5 * 8;
  const dx = new Float32Array(batch * 12 * 12 * 8);
  native.kernels.col2im(new Float32Array(batch * 144 * K).fill(1), 0, batch, 0, dx, ...g);
  // Along one axis, pixel i is covered by the windows starting at i-2..i+2 that lie in 0..11:
  // 3 at the edge, 4 next to it, 5 inside; a pixel's count is the product of its two axes'.
  const along = [3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 4, 3];
  for (const [b, y, xx, c] of [[0, 0, 0, 0], [2, 0, 11, 7], [1, 1, 5, 3], [1, 6, 6, 0], [2, 11, 1, 5]]) {
    assert.equal(dx[((b * 12 + y) * 12 + xx) * 8 + c], along[y] * along[xx], `sample ${b} pixel (${y}, ${xx}) channel ${c}`);
  }
});

test('bias and ReLU, and ReLU\'s gradient, on threads: the same bits as one thread', (t) => {
  if (!haveKernels(native, t)) return;
  const rows = 3001, F = 37;
  const bias = random(F, 3);
  const y = random(rows * F, 4), expected = Float32Array.from(y);
  native.kernels.biasAct(y, rows, F, bias, 1);
  typescriptKernels.biasAct(expected, rows, F, bias, 1);
  assertSameBits(y, expected, 'biasAct');
  assert.ok(y.some((v) => v === 0) && y.some((v) => v > 0), 'both sides of the ReLU are exercised');
  const dy = random(rows * F, 5);
  const dx = new Float32Array(rows * F), dxExpected = new Float32Array(rows * F);
  native.kernels.reluBackward(y, dy, dx, rows * F);
  typescriptKernels.reluBackward(y, dy, dxExpected, rows * F);
  assertSameBits(dx, dxExpected, 'reluBackward');
});

for (const kind of ['sgd', 'adam'] as const) {
  test(`${kind} updates on threads: the reference optimiser's bits on tensors large enough to be split`, (t) => {
    if (!haveKernels(native, t)) return;
    const settings = { kind, momentum: 0.9, weightDecay: 5e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const sizes = [200_003, 70_001], decays = [true, false];
    const ref = sizes.map((n, j) => random(n, 10 + j)), cpu = ref.map((p) => Float32Array.from(p));
    const refOptimizer = new ReferenceOptimizer(settings, ref, decays);
    const cpuOptimizer = new CpuOptimizer(settings, cpu, decays, native.kernels.extras!);
    for (let step = 0; step < 3; step++) {
      const grads = sizes.map((n, j) => random(n, 100 * step + j));
      refOptimizer.step(ref, grads, 0.01);
      cpuOptimizer.step(cpu, grads, 0.01);
    }
    ref.forEach((p, j) => {
      assert.notDeepEqual(p.subarray(0, 4), random(sizes[j], 10 + j).subarray(0, 4), 'the weights moved');
      assertSameBits(cpu[j], p, `${kind} tensor ${j}`);
    });
  });
}
