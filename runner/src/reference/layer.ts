import type { AddStep, ConcatStep, Step } from '../plan';

/**
 * A step of the plan on the reference backend. Tensors are batch-first, each sample laid out
 * H, W, C (channels last, as the Network's shapes are written).
 */
export interface ReferenceLayer {
  readonly step: Step;
  /** Aligned with step.params. */
  readonly params: Float32Array[];
  /** Gradients of the last backward, aligned with params (overwritten, not accumulated). */
  readonly grads: Float32Array[];
  /** Not trained: batchnorm's running statistics, aligned with step.state. */
  readonly state: Float32Array[];
  forward(x: Float32Array, batch: number, training: boolean): Float32Array;
  /**
   * Needs the forward of the same batch just before. With needInputGrad false (it reads the network
   * input: nothing needs the gradient of the image) a layer may skip computing it and return dy.
   */
  backward(dy: Float32Array, batch: number, needInputGrad?: boolean): Float32Array;
}

/** Reuses a layer's buffer while the batch size stays the same (it changes only on a last, short batch). */
export function sized(buffer: Float32Array | undefined, size: number): Float32Array {
  return buffer && buffer.length === size ? buffer : new Float32Array(size);
}

/** A step with several operands (add, concat): no parameters, one gradient per operand. */
export interface ReferenceMerge {
  readonly step: AddStep | ConcatStep;
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly state: Float32Array[];
  forward(xs: Float32Array[], batch: number): Float32Array;
  /**
   * The gradient of each operand; one may be dy itself, so callers read them and never write.
   * Where needInputGrads[k] is false the k-th may be skipped (left stale).
   */
  backward(dy: Float32Array, batch: number, needInputGrads?: boolean[]): Float32Array[];
}
