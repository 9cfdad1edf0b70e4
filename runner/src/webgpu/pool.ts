/**
 * Max, average and global average pooling on WebGPU, with the reference backend's rules (windows
 * clipped to the input; average over the window clipped to the padded input). The backward
 * kernels gather (each input element sums the outputs whose window holds it) instead of
 * scattering, so no atomics are needed. Max pooling remembers its argmax as bit-cast indices.
 */
import type { GlobalAvgPoolStep, PoolStep } from '../plan';
import { encode, makeKernel, storage, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

export class GpuPool implements GpuLayer {
  readonly params: GPUBuffer[] = [];
  readonly grads: GPUBuffer[] = [];
  readonly state: GPUBuffer[] = [];
  private readonly forward: Kernel;
  private readonly backward: Kernel | undefined;

  constructor(device: GPUDevice, readonly step: PoolStep, io: LayerBuffers, batch: number) {
    const [H, W, C] = step.inShape as [number, number, number];
    const [Ho, Wo] = step.outShape as [number, number, number];
    const [KH, KW] = step.kernel, [SH, SW] = step.stride, [PH, PW] = step.pad;
    const isMax = step.kind === 'maxpool';
    const consts = `
const H: i32 = ${H}; const W: i32 = ${W}; const C: u32 = ${C}u; const HO: i32 = ${Ho}; const WO: i32 = ${Wo};
const KH: i32 = ${KH}; const KW: i32 = ${KW}; const SH: i32 = ${SH}; const SW: i32 = ${SW}; const PH: i32 = ${PH}; const PW: i32 = ${PW};
fn windowCount(oy: i32, ox: i32) -> f32 {
  let y0 = oy * SH - PH; let y1 = min(y0 + KH, H + PH);
  let x0 = ox * SW - PW; let x1 = min(x0 + KW, W + PW);
  return f32((y1 - y0) * (x1 - x0));
}`;
    const argmax = isMax ? storage(device, `${step.layer} argmax`, batch * step.outSize) : undefined;
    const forwardBody = `
  let c = i % C; let rest = i / C;
  let ox = i32(rest % u32(WO)); let rest2 = rest / u32(WO);
  let oy = i32(rest2 % u32(HO)); let b = rest2 / u32(HO);
  let y0 = oy * SH - PH; let x0 = ox * SW - PW;
  let ya = max(y0, 0); let yb = min(y0 + KH, H);
  let xa = max(x0, 0); let xb = min(x0 + KW, W);
  let base = b * u32(H * W) * C + c;
  ${isMax ? `
  var best = -3.4e38; var at = 0xffffffffu;
  for (var iy = ya; iy < yb; iy++) { for (var ix = xa; ix < xb; ix++) {
    let j = base + u32(iy * W + ix) * C;
    if (b0[j] > best) { best = b0[j]; at = j; }
  } }
  b1[i] = select(best, 0.0, at == 0xffffffffu);
  b2[i] = bitcast<f32>(at);` : `
  var s = 0.0;
  for (var iy = ya; iy < yb; iy++) { for (var ix = xa; ix < xb; ix++) { s += b0[base + u32(iy * W + ix) * C]; } }
  let n = windowCount(oy, ox);
  b1[i] = select(0.0, s / n, n > 0.0);`}`;
    this.forward = makeKernel(device, `${step.kind} forward`, [
      { buffer: io.input, access: 'read' }, { buffer: io.output, access: 'read_write' },
      ...(argmax ? [{ buffer: argmax, access: 'read_write' as const }] : []),
    ], batch * step.outSize, forwardBody, consts);
    if (!io.inputGrad) return;
    // Outputs whose window covers input row iy: oy from ceil((iy + PH - KH + 1) / SH) to floor((iy + PH) / SH).
    const backwardBody = `
  let c = i % C; let rest = i / C;
  let ix = i32(rest % u32(W)); let rest2 = rest / u32(W);
  let iy = i32(rest2 % u32(H)); let b = rest2 / u32(H);
  let oy0 = max(0, (iy + PH - KH + SH) / SH); let oy1 = min(HO - 1, (iy + PH) / SH);
  let ox0 = max(0, (ix + PW - KW + SW) / SW); let ox1 = min(WO - 1, (ix + PW) / SW);
  var s = 0.0;
  for (var oy = oy0; oy <= oy1; oy++) { for (var ox = ox0; ox <= ox1; ox++) {
    let o = ((b * u32(HO) + u32(oy)) * u32(WO) + u32(ox)) * C + c;
    ${isMax ? 's += select(0.0, b0[o], bitcast<u32>(b1[o]) == i);' : 'let n = windowCount(oy, ox); s += select(0.0, b0[o] / n, n > 0.0);'}
  } }
  b${isMax ? 2 : 1}[i] = s;`;
    this.backward = makeKernel(device, `${step.kind} backward`, isMax
      ? [{ buffer: io.outputGrad, access: 'read' }, { buffer: argmax!, access: 'read' }, { buffer: io.inputGrad, access: 'read_write' }]
      : [{ buffer: io.outputGrad, access: 'read' }, { buffer: io.inputGrad, access: 'read_write' }],
    batch * step.inSize, backwardBody, consts);
  }

  encodeForward(pass: GPUComputePassEncoder): void { encode(pass, this.forward); }
  encodeBackward(pass: GPUComputePassEncoder): void { if (this.backward) encode(pass, this.backward); }
}

export class GpuGlobalAvgPool implements GpuLayer {
  readonly params: GPUBuffer[] = [];
  readonly grads: GPUBuffer[] = [];
  readonly state: GPUBuffer[] = [];
  private readonly forward: Kernel;
  private readonly backward: Kernel | undefined;

  constructor(device: GPUDevice, readonly step: GlobalAvgPoolStep, io: LayerBuffers, batch: number) {
    const [H, W, C] = step.inShape as [number, number, number];
    const P = H * W;
    this.forward = makeKernel(device, 'globalavgpool forward', [{ buffer: io.input, access: 'read' }, { buffer: io.output, access: 'read_write' }], batch * C, `
  let c = i % ${C}u; let b = i / ${C}u;
  var s = 0.0;
  for (var p = 0u; p < ${P}u; p++) { s += b0[(b * ${P}u + p) * ${C}u + c]; }
  b1[i] = s / ${P}.0;`);
    if (io.inputGrad) {
      this.backward = makeKernel(device, 'globalavgpool backward', [{ buffer: io.outputGrad, access: 'read' }, { buffer: io.inputGrad, access: 'read_write' }], batch * P * C, `
  let c = i % ${C}u; let b = i / ${P * C}u;
  b1[i] = b0[b * ${C}u + c] / ${P}.0;`);
    }
  }

  encodeForward(pass: GPUComputePassEncoder): void { encode(pass, this.forward); }
  encodeBackward(pass: GPUComputePassEncoder): void { if (this.backward) encode(pass, this.backward); }
}
