import type { Step } from '../plan';

/**
 * A step of the plan on the WebGPU backend, its buffers wired at build time (runner/src/wiring.ts
 * says which): it reads `input` and writes `output`; backward reads `outputGrad` and writes
 * `inputGrad` (absent where no gradient is wanted: the network input). Backward kernels assign the
 * input gradient, never add to it; the model sums where an output feeds several steps.
 */
export interface GpuLayer {
  readonly step: Step;
  readonly params: GPUBuffer[];
  readonly grads: GPUBuffer[];
  readonly state: GPUBuffer[];
  encodeForward(pass: GPUComputePassEncoder, training: boolean): void;
  encodeBackward(pass: GPUComputePassEncoder): void;
}

export interface LayerBuffers {
  input: GPUBuffer;
  output: GPUBuffer;
  outputGrad: GPUBuffer;
  inputGrad: GPUBuffer | undefined;
  /** Every operand of a merge (add, concat), in order; `input` is the first. */
  inputs?: GPUBuffer[];
  inputGrads?: (GPUBuffer | undefined)[];
  /** Uniform with the draw (dropout mask), loss slot, lr and Adam step. */
  stepInfo: GPUBuffer;
}
