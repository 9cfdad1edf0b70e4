/**
 * Convolution and fully connected layers on WebGPU (an fc layer is a 1x1 convolution of a 1x1
 * image with `inputs` channels). Three implicit-GEMM kernels, no im2col buffer: forward, input
 * gradient and weight gradient; each invocation computes a 4x4 block of outputs in registers
 * without workgroup memory, which on CPU Vulkan drivers (lavapipe, SwiftShader) ran 8-10x faster
 * than 16x16 shared-memory tiling. The weight gradient reduces over batch x positions, split in
 * chunks written to a scratch buffer and summed, so there are enough invocations to fill a device.
 */
import type { ConvStep, FcStep } from '../plan';
import { encode, makeKernel, storage, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

interface Geometry {
  B: number; H: number; W: number; C: number; Ho: number; Wo: number; F: number;
  KH: number; KW: number; SH: number; SW: number; PH: number; PW: number; groups: number; bias: boolean;
}

function geometryOf(step: ConvStep | FcStep, batch: number): Geometry {
  if (step.kind === 'fc') {
    return { B: batch, H: 1, W: 1, C: step.inSize, Ho: 1, Wo: 1, F: step.units, KH: 1, KW: 1, SH: 1, SW: 1, PH: 0, PW: 0, groups: 1, bias: step.bias };
  }
  const [H, W, C] = step.inShape as [number, number, number];
  const [Ho, Wo] = step.outShape as [number, number, number];
  return { B: batch, H, W, C, Ho, Wo, F: step.filters, KH: step.kernel[0], KW: step.kernel[1], SH: step.stride[0], SW: step.stride[1], PH: step.pad[0], PW: step.pad[1], groups: step.groups, bias: step.bias };
}

function constants(g: Geometry): string {
  const CG = g.C / g.groups, FG = g.F / g.groups;
  return `
const B: u32 = ${g.B}u; const H: u32 = ${g.H}u; const W: u32 = ${g.W}u; const C: u32 = ${g.C}u;
const HO: u32 = ${g.Ho}u; const WO: u32 = ${g.Wo}u; const F: u32 = ${g.F}u;
const KH: u32 = ${g.KH}u; const KW: u32 = ${g.KW}u; const SH: u32 = ${g.SH}u; const SW: u32 = ${g.SW}u;
const PH: i32 = ${g.PH}; const PW: i32 = ${g.PW};
const CG: u32 = ${CG}u; const FG: u32 = ${FG}u; const K: u32 = ${g.KH * g.KW * CG}u;
const M: u32 = ${g.B * g.Ho * g.Wo}u;`;
}

/** The largest block of at most 4 that divides n: blocks never straddle a group or a row. */
export function blockOf(n: number): number {
  return [4, 3, 2, 1].find((d) => n % d === 0)!;
}

const seq = (n: number) => Array.from({ length: n }, (_, j) => j);
/** Scalar accumulators with textual unrolling: drivers keep them in registers, which arrays indexed in loops defeat. */
const declareAcc = (rows: number, cols: number) => seq(rows).flatMap((r) => seq(cols).map((j) => `var a${r}_${j} = 0.0;`)).join(' ');

/** y[m, n] = sum_k x(m, k) w[n, k] + bias[n]; a block of 4 output positions x TN filters per invocation. */
function forwardKernel(device: GPUDevice, g: Geometry, x: GPUBuffer, w: GPUBuffer, bias: GPUBuffer, y: GPUBuffer): Kernel {
  const TN = blockOf(g.F / g.groups);
  const M = g.B * g.Ho * g.Wo;
  const MB = Math.ceil(M / 4), NB = g.F / TN;
  const body = `
  let mb = i % ${MB}u;
  let n0 = (i / ${MB}u) * ${TN}u;
  let grp = n0 / FG;
  ${declareAcc(4, TN)}
  ${seq(4).map((r) => `
  let m${r} = min(mb * 4u + ${r}u, M - 1u);
  let p${r} = m${r} % (HO * WO);
  let iy${r} = i32((p${r} / WO) * SH) - PH; let ix${r} = i32((p${r} % WO) * SW) - PW;
  let xb${r} = (m${r} / (HO * WO)) * H * W * C + grp * CG;`).join('')}
  for (var ky = 0u; ky < KH; ky++) {
    for (var kx = 0u; kx < KW; kx++) {
      ${seq(4).map((r) => `
      let y${r} = iy${r} + i32(ky); let x${r} = ix${r} + i32(kx);
      let in${r} = y${r} >= 0 && y${r} < i32(H) && x${r} >= 0 && x${r} < i32(W);
      let ok${r} = select(0.0, 1.0, in${r});
      let off${r} = select(0u, xb${r} + (u32(y${r}) * W + u32(x${r})) * C, in${r});`).join('')}
      let wo = (ky * KW + kx) * CG;
      for (var c = 0u; c < CG; c++) {
        ${seq(TN).map((j) => `let w${j} = b1[(n0 + ${j}u) * K + wo + c];`).join(' ')}
        ${seq(4).map((r) => `let v${r} = b0[off${r} + c] * ok${r};`).join(' ')}
        ${seq(4).flatMap((r) => seq(TN).map((j) => `a${r}_${j} += v${r} * w${j};`)).join(' ')}
      }
    }
  }
  ${seq(4).map((r) => `
  if (mb * 4u + ${r}u < M) {
    let o = (mb * 4u + ${r}u) * F + n0;
    ${seq(TN).map((j) => `b3[o + ${j}u] = a${r}_${j}${g.bias ? ` + b2[n0 + ${j}u]` : ''};`).join(' ')}
  }`).join('')}`;
  return makeKernel(device, 'conv forward', [
    { buffer: x, access: 'read' }, { buffer: w, access: 'read' }, { buffer: bias, access: 'read' }, { buffer: y, access: 'read_write' },
  ], MB * NB, body, constants(g));
}

/** dx[b, iy, ix, c] = sum over the windows that read it of dy . w; 4 input positions x TC channels per invocation. */
function inputGradKernel(device: GPUDevice, g: Geometry, dy: GPUBuffer, w: GPUBuffer, dx: GPUBuffer): Kernel {
  const CG = g.C / g.groups;
  const TC = blockOf(CG);
  const P = g.B * g.H * g.W;
  const PB = Math.ceil(P / 4), CB = g.C / TC;
  const body = `
  let pb = i % ${PB}u;
  let c0 = (i / ${PB}u) * ${TC}u;
  let grp = c0 / CG; let cl = c0 % CG;
  ${declareAcc(4, TC)}
  ${seq(4).map((r) => `
  let q${r} = min(pb * 4u + ${r}u, ${P - 1}u);
  let pp${r} = q${r} % (H * W);
  let iy${r} = i32(pp${r} / W); let ix${r} = i32(pp${r} % W); let bo${r} = (q${r} / (H * W)) * HO * WO;`).join('')}
  for (var ky = 0u; ky < KH; ky++) {
    for (var kx = 0u; kx < KW; kx++) {
      ${seq(4).map((r) => `
      let ty${r} = iy${r} + PH - i32(ky); let tx${r} = ix${r} + PW - i32(kx);
      let oy${r} = ty${r} / i32(SH); let ox${r} = tx${r} / i32(SW);
      let in${r} = ty${r} >= 0 && tx${r} >= 0 && ty${r} % i32(SH) == 0 && tx${r} % i32(SW) == 0 && oy${r} < i32(HO) && ox${r} < i32(WO);
      let ok${r} = select(0.0, 1.0, in${r});
      let off${r} = select(0u, (bo${r} + u32(oy${r}) * WO + u32(ox${r})) * F + grp * FG, in${r});`).join('')}
      let wo = (ky * KW + kx) * CG + cl;
      for (var f = 0u; f < FG; f++) {
        let wr = (grp * FG + f) * K + wo;
        ${seq(TC).map((j) => `let w${j} = b1[wr + ${j}u];`).join(' ')}
        ${seq(4).map((r) => `let d${r} = b0[off${r} + f] * ok${r};`).join(' ')}
        ${seq(4).flatMap((r) => seq(TC).map((j) => `a${r}_${j} += d${r} * w${j};`)).join(' ')}
      }
    }
  }
  ${seq(4).map((r) => `
  if (pb * 4u + ${r}u < ${P}u) {
    let o = (pb * 4u + ${r}u) * C + c0;
    ${seq(TC).map((j) => `b2[o + ${j}u] = a${r}_${j};`).join(' ')}
  }`).join('')}`;
  return makeKernel(device, 'conv input gradient', [
    { buffer: dy, access: 'read' }, { buffer: w, access: 'read' }, { buffer: dx, access: 'read_write' },
  ], PB * CB, body, constants(g));
}

/**
 * dw[n, k] = sum over m of dy[m, n] x(m, k), m in chunk s of \`chunks\`; TN filters x TK weights per
 * invocation (the TK weights may span kernel columns: each has its own offset and bounds check),
 * written to partial[s] (or straight to dw with one chunk). Positions advance by counters, not division.
 */
function weightGradKernel(device: GPUDevice, g: Geometry, dy: GPUBuffer, x: GPUBuffer, partial: GPUBuffer, chunks: number): Kernel {
  const CG = g.C / g.groups, FG = g.F / g.groups, K = g.KH * g.KW * CG;
  const TN = blockOf(FG);
  const TK = blockOf(K);
  const M = g.B * g.Ho * g.Wo;
  const chunk = Math.ceil(M / chunks);
  const KB = K / TK, NB = g.F / TN;
  const body = `
  let kb = i % ${KB}u;
  let rest = i / ${KB}u;
  let nb = rest % ${NB}u;
  let s = rest / ${NB}u;
  let k0 = kb * ${TK}u; let n0 = nb * ${TN}u;
  let grp = n0 / FG;
  ${seq(TK).map((j) => `
  let kk${j} = k0 + ${j}u;
  let ky${j} = i32(kk${j} / (KW * CG)); let kx${j} = i32((kk${j} / CG) % KW);
  let ko${j} = (u32(ky${j}) * W + u32(kx${j})) * C + grp * CG + kk${j} % CG;`).join('')}
  ${declareAcc(TN, TK)}
  let m0 = s * ${chunk}u; let m1 = min(M, m0 + ${chunk}u);
  var ox = m0 % WO; var oy = (m0 / WO) % HO; var xb = (m0 / (HO * WO)) * H * W * C;
  for (var m = m0; m < m1; m++) {
    let y0 = i32(oy * SH) - PH; let x0 = i32(ox * SW) - PW;
    let base = i32(xb) + (y0 * i32(W) + x0) * i32(C);
    ${seq(TK).map((j) => `
    let in${j} = y0 + ky${j} >= 0 && y0 + ky${j} < i32(H) && x0 + kx${j} >= 0 && x0 + kx${j} < i32(W);
    let v${j} = select(0.0, b1[u32(max(0, base + i32(ko${j})))], in${j});`).join('')}
    let d = m * F + n0;
    ${seq(TN).map((r) => `let d${r} = b0[d + ${r}u];`).join(' ')}
    ${seq(TN).flatMap((r) => seq(TK).map((j) => `a${r}_${j} += d${r} * v${j};`)).join(' ')}
    ox++;
    if (ox == WO) { ox = 0u; oy++; if (oy == HO) { oy = 0u; xb += H * W * C; } }
  }
  let o = s * F * K + n0 * K + k0;
  ${seq(TN).flatMap((r) => seq(TK).map((j) => `b2[o + ${r * K + j}u] = a${r}_${j};`)).join(' ')}`;
  return makeKernel(device, 'conv weight gradient', [
    { buffer: dy, access: 'read' }, { buffer: x, access: 'read' }, { buffer: partial, access: 'read_write' },
  ], chunks * KB * NB, body, constants(g));
}

function sumChunksKernel(device: GPUDevice, partial: GPUBuffer, out: GPUBuffer, size: number, chunks: number): Kernel {
  const body = `
  var s = 0.0;
  for (var j = 0u; j < ${chunks}u; j++) { s += b0[j * ${size}u + i]; }
  b1[i] = s;`;
  return makeKernel(device, 'sum chunks', [{ buffer: partial, access: 'read' }, { buffer: out, access: 'read_write' }], size, body);
}

function biasGradKernel(device: GPUDevice, g: Geometry, dy: GPUBuffer, db: GPUBuffer): Kernel {
  const M = g.B * g.Ho * g.Wo;
  const body = `
  var s = 0.0;
  for (var m = 0u; m < ${M}u; m++) { s += b0[m * ${g.F}u + i]; }
  b1[i] = s;`;
  return makeKernel(device, 'bias gradient', [{ buffer: dy, access: 'read' }, { buffer: db, access: 'read_write' }], g.F, body);
}

/** How many chunks to split the weight gradient's reduction into: enough invocations, chunks of at least 256 positions. */
export function weightGradChunks(g: { M: number; weightBlocks: number }, targetInvocations: number): number {
  const wanted = Math.ceil(targetInvocations / Math.max(1, g.weightBlocks));
  return Math.max(1, Math.min(wanted, Math.floor(g.M / 256)));
}

export class GpuConv implements GpuLayer {
  readonly params: GPUBuffer[];
  readonly grads: GPUBuffer[];
  readonly state: GPUBuffer[] = [];
  private readonly forward: Kernel;
  private readonly backward: Kernel[] = [];

  constructor(device: GPUDevice, readonly step: ConvStep | FcStep, params: Float32Array[], io: LayerBuffers, batch: number, targetInvocations: number) {
    const g = geometryOf(step, batch);
    this.params = params.map((p, i) => storage(device, `${step.layer} param ${i}`, p.length, p));
    this.grads = params.map((p, i) => storage(device, `${step.layer} grad ${i}`, p.length));
    const bias = g.bias ? this.params[1] : storage(device, 'no bias', 1);
    this.forward = forwardKernel(device, g, io.input, this.params[0], bias, io.output);
    const CG = g.C / g.groups, FG = g.F / g.groups, K = g.KH * g.KW * CG;
    const weightBlocks = (K / blockOf(K)) * (g.F / blockOf(FG));
    const chunks = weightGradChunks({ M: g.B * g.Ho * g.Wo, weightBlocks }, targetInvocations);
    if (chunks === 1) {
      this.backward.push(weightGradKernel(device, g, io.outputGrad, io.input, this.grads[0], 1));
    } else {
      const partial = storage(device, `${step.layer} weight gradient chunks`, chunks * g.F * K);
      this.backward.push(weightGradKernel(device, g, io.outputGrad, io.input, partial, chunks));
      this.backward.push(sumChunksKernel(device, partial, this.grads[0], g.F * K, chunks));
    }
    if (g.bias) this.backward.push(biasGradKernel(device, g, io.outputGrad, this.grads[1]));
    if (io.inputGrad) this.backward.push(inputGradKernel(device, g, io.outputGrad, this.params[0], io.inputGrad));
  }

  encodeForward(pass: GPUComputePassEncoder): void {
    encode(pass, this.forward);
  }

  encodeBackward(pass: GPUComputePassEncoder): void {
    for (const k of this.backward) encode(pass, k);
  }
}
