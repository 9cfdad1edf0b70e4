/** Inverted dropout on WebGPU; the mask is the counter-based hash of ../dropoutMask.ts, so it equals the reference's. */
import { dropoutKeepThreshold } from '../dropoutMask';
import type { DropoutStep } from '../plan';
import { encode, makeKernel, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

const PCG = `
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}`;

export class GpuDropout implements GpuLayer {
  readonly params: GPUBuffer[] = [];
  readonly grads: GPUBuffer[] = [];
  readonly state: GPUBuffer[] = [];
  private readonly train: Kernel;
  private readonly infer: Kernel;
  private readonly backward: Kernel | undefined;

  constructor(device: GPUDevice, readonly step: DropoutStep, io: LayerBuffers, batch: number, seed: number) {
    const n = batch * step.inSize;
    const threshold = dropoutKeepThreshold(step.rate);
    const scale = 1 / (1 - step.rate);
    const helpers = `${PCG}
fn keep(i: u32, draw: u32) -> f32 { return select(0.0, ${scale}, pcg(i ^ pcg(${seed >>> 0}u ^ pcg(draw))) >= ${threshold}u); }`;
    this.train = makeKernel(device, 'dropout forward', [
      { buffer: io.input, access: 'read' }, { buffer: io.output, access: 'read_write' }, { buffer: io.stepInfo, access: 'uniform' },
    ], n, '  b1[i] = b0[i] * keep(i, b2.draw);', helpers);
    this.infer = makeKernel(device, 'dropout inference', [{ buffer: io.input, access: 'read' }, { buffer: io.output, access: 'read_write' }], n, '  b1[i] = b0[i];');
    if (io.inputGrad) {
      this.backward = makeKernel(device, 'dropout backward', [
        { buffer: io.outputGrad, access: 'read' }, { buffer: io.inputGrad, access: 'read_write' }, { buffer: io.stepInfo, access: 'uniform' },
      ], n, '  b1[i] = b0[i] * keep(i, b2.draw);', helpers);
    }
  }

  encodeForward(pass: GPUComputePassEncoder, training: boolean): void { encode(pass, training ? this.train : this.infer); }
  encodeBackward(pass: GPUComputePassEncoder): void { if (this.backward) encode(pass, this.backward); }
}
