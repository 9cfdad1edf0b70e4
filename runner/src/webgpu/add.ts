/**
 * Element-wise sum on WebGPU, in the reference's order: y = x0 + x1, then y += x2, ... (one kernel
 * per further operand, so any number of operands binds at most three buffers). Backward copies dy
 * to each operand's gradient. The same += kernel sums gradients where an output feeds several steps.
 */
import type { AddStep } from '../plan';
import { encode, makeKernel, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

/** target[i] += addend[i] over `count` values. */
export function accumulateKernel(device: GPUDevice, label: string, addend: GPUBuffer, target: GPUBuffer, count: number): Kernel {
  return makeKernel(device, label, [{ buffer: addend, access: 'read' }, { buffer: target, access: 'read_write' }], count, '  b1[i] += b0[i];');
}

export class GpuAdd implements GpuLayer {
  readonly params: GPUBuffer[] = [];
  readonly grads: GPUBuffer[] = [];
  readonly state: GPUBuffer[] = [];
  private readonly forward: Kernel[];
  private readonly backward: Kernel[];

  constructor(device: GPUDevice, readonly step: AddStep, io: LayerBuffers, batch: number) {
    const n = batch * step.outSize;
    const xs = io.inputs ?? [io.input];
    if (xs.length < 2) throw new Error(`step ${step.name}: add needs its operands' buffers (io.inputs)`);
    this.forward = [
      makeKernel(device, 'add forward', [{ buffer: xs[0], access: 'read' }, { buffer: xs[1], access: 'read' }, { buffer: io.output, access: 'read_write' }], n, '  b2[i] = b0[i] + b1[i];'),
      ...xs.slice(2).map((x) => accumulateKernel(device, 'add forward, further operand', x, io.output, n)),
    ];
    this.backward = (io.inputGrads ?? []).flatMap((dx) => dx
      ? [makeKernel(device, 'add backward', [{ buffer: io.outputGrad, access: 'read' }, { buffer: dx, access: 'read_write' }], n, '  b1[i] = b0[i];')]
      : []);
  }

  encodeForward(pass: GPUComputePassEncoder): void { for (const k of this.forward) encode(pass, k); }
  encodeBackward(pass: GPUComputePassEncoder): void { for (const k of this.backward) encode(pass, k); }
}
