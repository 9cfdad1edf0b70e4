import type { BatchNormStep } from '../plan';
import { sized, type ReferenceLayer } from './layer';

export const BATCHNORM_EPSILON = 1e-5;
/** Weight of the newest batch in the running statistics (PyTorch's default). */
export const BATCHNORM_MOMENTUM = 0.1;

/**
 * Batch normalisation per channel (the last axis) over the batch and all positions. Training uses
 * the batch's statistics and updates the running ones; evaluation uses the running ones.
 */
export class ReferenceBatchNorm implements ReferenceLayer {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly state: Float32Array[];
  private xhat: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;
  private readonly invStd: Float32Array;

  constructor(readonly step: BatchNormStep, params: Float32Array[], state: Float32Array[]) {
    this.params = params;
    this.grads = params.map((p) => new Float32Array(p.length));
    this.state = state;
    this.invStd = new Float32Array(step.channels);
  }

  forward(x: Float32Array, _batch: number, training: boolean): Float32Array {
    const C = this.step.channels, M = x.length / C;
    const [gamma, beta] = this.params, [runMean, runVar] = this.state;
    const y = (this.y = sized(this.y, x.length));
    const xhat = (this.xhat = sized(this.xhat, x.length));
    const mean = new Float64Array(C), variance = new Float64Array(C);
    if (training) {
      for (let i = 0; i < x.length; i++) mean[i % C] += x[i];
      for (let c = 0; c < C; c++) mean[c] /= M;
      for (let i = 0; i < x.length; i++) { const d = x[i] - mean[i % C]; variance[i % C] += d * d; }
      for (let c = 0; c < C; c++) {
        variance[c] /= M;
        runMean[c] = (1 - BATCHNORM_MOMENTUM) * runMean[c] + BATCHNORM_MOMENTUM * mean[c];
        const unbiased = M > 1 ? (variance[c] * M) / (M - 1) : variance[c];
        runVar[c] = (1 - BATCHNORM_MOMENTUM) * runVar[c] + BATCHNORM_MOMENTUM * unbiased;
      }
    } else {
      for (let c = 0; c < C; c++) { mean[c] = runMean[c]; variance[c] = runVar[c]; }
    }
    for (let c = 0; c < C; c++) this.invStd[c] = 1 / Math.sqrt(variance[c] + BATCHNORM_EPSILON);
    for (let i = 0; i < x.length; i++) {
      const c = i % C;
      xhat[i] = (x[i] - mean[c]) * this.invStd[c];
      y[i] = gamma[c] * xhat[i] + beta[c];
    }
    return y;
  }

  backward(dy: Float32Array): Float32Array {
    const C = this.step.channels, M = dy.length / C;
    const xhat = this.xhat!, [gamma] = this.params, [dgamma, dbeta] = this.grads;
    const dx = (this.dx = sized(this.dx, dy.length));
    const sumDy = new Float64Array(C), sumDyXhat = new Float64Array(C);
    for (let i = 0; i < dy.length; i++) { const c = i % C; sumDy[c] += dy[i]; sumDyXhat[c] += dy[i] * xhat[i]; }
    for (let c = 0; c < C; c++) { dgamma[c] = sumDyXhat[c]; dbeta[c] = sumDy[c]; }
    for (let i = 0; i < dy.length; i++) {
      const c = i % C;
      dx[i] = (gamma[c] * this.invStd[c] / M) * (M * dy[i] - sumDy[c] - xhat[i] * sumDyXhat[c]);
    }
    return dx;
  }
}
