import type { Step } from '../plan';

/**
 * A step of the plan on the WebGPU backend, its buffers wired at build time: it reads `input`
 * (the previous step's output) and writes `output`; backward reads `outputGrad` and writes
 * `inputGrad` (absent on the first step, whose input needs no gradient).
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
  /** Uniform with the draw (dropout mask), loss slot, lr and Adam step. */
  stepInfo: GPUBuffer;
}
