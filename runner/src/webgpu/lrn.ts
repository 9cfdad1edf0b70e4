/** AlexNet's local response normalisation on WebGPU, with the reference's constants. */
import type { LrnStep } from '../plan';
import { LRN_ALPHA, LRN_BETA, LRN_K } from '../reference/lrn';
import { encode, f32c, makeKernel, storage, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

export class GpuLrn implements GpuLayer {
  readonly params: GPUBuffer[] = [];
  readonly grads: GPUBuffer[] = [];
  readonly state: GPUBuffer[] = [];
  private readonly forward: Kernel;
  private readonly backward: Kernel | undefined;

  constructor(device: GPUDevice, readonly step: LrnStep, io: LayerBuffers, batch: number) {
    const n = batch * step.inSize, C = step.channels, half = Math.floor(step.size / 2);
    const scale = storage(device, `${step.layer} scale`, n);
    const consts = `const C: i32 = ${C}; const HALF: i32 = ${half}; const ALPHA: f32 = ${f32c(LRN_ALPHA)}; const BETA: f32 = ${f32c(LRN_BETA)}; const KK: f32 = ${f32c(LRN_K)};`;
    this.forward = makeKernel(device, 'lrn forward', [
      { buffer: io.input, access: 'read' }, { buffer: io.output, access: 'read_write' }, { buffer: scale, access: 'read_write' },
    ], n, `
  let c = i32(i % u32(C)); let p = i - u32(c);
  var s = 0.0;
  for (var j = max(0, c - HALF); j <= min(C - 1, c + HALF); j++) { let v = b0[p + u32(j)]; s += v * v; }
  let sc = KK + ALPHA * s;
  b2[i] = sc;
  b1[i] = b0[i] * pow(sc, -BETA);`, consts);
    if (io.inputGrad) {
      this.backward = makeKernel(device, 'lrn backward', [
        { buffer: io.outputGrad, access: 'read' }, { buffer: io.input, access: 'read' }, { buffer: scale, access: 'read' }, { buffer: io.inputGrad, access: 'read_write' },
      ], n, `
  let c = i32(i % u32(C)); let p = i - u32(c);
  var cross = 0.0;
  for (var j = max(0, c - HALF); j <= min(C - 1, c + HALF); j++) { let q = p + u32(j); cross += b0[q] * b1[q] * pow(b2[q], -BETA - 1.0); }
  b3[i] = b0[i] * pow(b2[i], -BETA) - 2.0 * ALPHA * BETA * b1[i] * cross;`, consts);
    }
  }

  encodeForward(pass: GPUComputePassEncoder): void { encode(pass, this.forward); }
  encodeBackward(pass: GPUComputePassEncoder): void { if (this.backward) encode(pass, this.backward); }
}
