import type { ActivationStep } from '../plan';
import { sized, type ReferenceLayer } from './layer';

export const LEAKY_RELU_SLOPE = 0.01;
/** ReLU6's ceiling (MobileNetV2): min(max(x, 0), 6). */
export const RELU6_CEILING = 6;

/**
 * Element-wise activations. PReLU (He et al. 2015) learns a slope per channel (the last axis) or
 * one for the whole layer; its gradient is sum over negative inputs of dy * x.
 */
export class ReferenceActivation implements ReferenceLayer {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly state: Float32Array[] = [];
  private x: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;

  constructor(readonly step: ActivationStep, params: Float32Array[]) {
    this.params = params;
    this.grads = params.map((p) => new Float32Array(p.length));
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.x = x;
    const y = (this.y = sized(this.y, x.length));
    const n = batch * this.step.inSize;
    switch (this.step.act) {
      case 'relu':
        for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
        break;
      case 'relu6':
        for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? (x[i] < RELU6_CEILING ? x[i] : RELU6_CEILING) : 0;
        break;
      case 'leakyrelu':
        for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : LEAKY_RELU_SLOPE * x[i];
        break;
      case 'prelu': {
        const a = this.params[0], C = this.step.channels;
        for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a[i % C] * x[i];
        break;
      }
      case 'prelu-shared': {
        const a = this.params[0][0];
        for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * x[i];
        break;
      }
      case 'tanh':
        for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
        break;
      case 'sigmoid':
        for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
        break;
    }
    return y;
  }

  backward(dy: Float32Array, batch: number): Float32Array {
    const x = this.x!, y = this.y!;
    const dx = (this.dx = sized(this.dx, x.length));
    const n = batch * this.step.inSize;
    switch (this.step.act) {
      case 'relu':
        for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
        break;
      case 'relu6':
        // Flat on both sides: no gradient where the output is clamped at 0 or at 6.
        for (let i = 0; i < n; i++) dx[i] = x[i] > 0 && x[i] < RELU6_CEILING ? dy[i] : 0;
        break;
      case 'leakyrelu':
        for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : LEAKY_RELU_SLOPE * dy[i];
        break;
      case 'prelu': {
        const a = this.params[0], da = this.grads[0], C = this.step.channels;
        da.fill(0);
        for (let i = 0; i < n; i++) {
          if (x[i] > 0) dx[i] = dy[i];
          else { const c = i % C; dx[i] = a[c] * dy[i]; da[c] += dy[i] * x[i]; }
        }
        break;
      }
      case 'prelu-shared': {
        const a = this.params[0][0];
        let da = 0;
        for (let i = 0; i < n; i++) {
          if (x[i] > 0) dx[i] = dy[i];
          else { dx[i] = a * dy[i]; da += dy[i] * x[i]; }
        }
        this.grads[0][0] = da;
        break;
      }
      case 'tanh':
        for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
        break;
      case 'sigmoid':
        for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
        break;
    }
    return dx;
  }
}
