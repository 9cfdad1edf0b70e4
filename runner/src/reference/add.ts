import type { AddStep } from '../plan';
import { sized, type ReferenceMerge } from './layer';

/** Element-wise sum of the operands, added in the order listed (the WebGPU kernels add in the same order). */
export class ReferenceAdd implements ReferenceMerge {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  private y: Float32Array | undefined;

  constructor(readonly step: AddStep) {}

  forward(xs: Float32Array[], batch: number): Float32Array {
    const n = batch * this.step.outSize;
    const y = (this.y = sized(this.y, n));
    const [a, b] = xs;
    for (let i = 0; i < n; i++) y[i] = a[i] + b[i];
    for (const x of xs.slice(2)) for (let i = 0; i < n; i++) y[i] += x[i];
    return y;
  }

  /** Each operand's gradient is dy itself. */
  backward(dy: Float32Array): Float32Array[] {
    return this.step.inputs.map(() => dy);
  }
}
