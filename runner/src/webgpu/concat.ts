/**
 * Channel concatenation on WebGPU, the reference's layout: one kernel per operand copies it into its
 * channel range of the output (forward) or its range of dy out to its gradient (backward).
 */
import type { ConcatStep } from '../plan';
import { encode, makeKernel, type Kernel } from './gpu';
import type { GpuLayer, LayerBuffers } from './layer';

export class GpuConcat implements GpuLayer {
  readonly params: GPUBuffer[] = [];
  readonly grads: GPUBuffer[] = [];
  readonly state: GPUBuffer[] = [];
  private readonly forward: Kernel[] = [];
  private readonly backward: Kernel[] = [];

  constructor(device: GPUDevice, readonly step: ConcatStep, io: LayerBuffers, batch: number) {
    const xs = io.inputs ?? [io.input];
    if (xs.length !== step.channels.length) throw new Error(`step ${step.name}: concat needs its ${step.channels.length} operands' buffers (io.inputs)`);
    const total = step.outSize / step.positions;
    let offset = 0;
    step.channels.forEach((C, k) => {
      // Work item i is operand k's value i: position i / C, channel i % C.
      const at = `(i / ${C}u) * ${total}u + ${offset}u + i % ${C}u`;
      const n = batch * step.positions * C;
      this.forward.push(makeKernel(device, 'concat forward', [{ buffer: xs[k], access: 'read' }, { buffer: io.output, access: 'read_write' }], n, `  b1[${at}] = b0[i];`));
      const dx = io.inputGrads?.[k];
      if (dx) this.backward.push(makeKernel(device, 'concat backward', [{ buffer: io.outputGrad, access: 'read' }, { buffer: dx, access: 'read_write' }], n, `  b1[i] = b0[${at}];`));
      offset += C;
    });
  }

  encodeForward(pass: GPUComputePassEncoder): void { for (const k of this.forward) encode(pass, k); }
  encodeBackward(pass: GPUComputePassEncoder): void { for (const k of this.backward) encode(pass, k); }
}
