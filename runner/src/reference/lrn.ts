import type { LrnStep } from '../plan';
import { sized, type ReferenceLayer } from './layer';

/**
 * AlexNet's local response normalisation across channels (Krizhevsky et al. 2012, section 3.3):
 * b_c = a_c / (k + alpha * sum_{c' within size/2 of c} a_c'^2)^beta, with the paper's
 * k = 2, alpha = 1e-4, beta = 0.75 (alpha is not divided by size, as in the paper).
 */
export const LRN_K = 2;
export const LRN_ALPHA = 1e-4;
export const LRN_BETA = 0.75;

export class ReferenceLrn implements ReferenceLayer {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  private x: Float32Array | undefined;
  private scale: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;

  constructor(readonly step: LrnStep) {}

  forward(x: Float32Array): Float32Array {
    this.x = x;
    const C = this.step.channels, half = Math.floor(this.step.size / 2);
    const y = (this.y = sized(this.y, x.length));
    const s = (this.scale = sized(this.scale, x.length));
    for (let p = 0; p < x.length; p += C) {
      for (let c = 0; c < C; c++) {
        let sum = 0;
        for (let j = Math.max(0, c - half); j <= Math.min(C - 1, c + half); j++) sum += x[p + j] * x[p + j];
        s[p + c] = LRN_K + LRN_ALPHA * sum;
        y[p + c] = x[p + c] * Math.pow(s[p + c], -LRN_BETA);
      }
    }
    return y;
  }

  backward(dy: Float32Array): Float32Array {
    const x = this.x!, s = this.scale!;
    const C = this.step.channels, half = Math.floor(this.step.size / 2);
    const dx = (this.dx = sized(this.dx, x.length));
    for (let p = 0; p < x.length; p += C) {
      for (let c = 0; c < C; c++) {
        // The window is symmetric, so the outputs that read x_c are those within half of c.
        let cross = 0;
        for (let i = Math.max(0, c - half); i <= Math.min(C - 1, c + half); i++) {
          cross += dy[p + i] * x[p + i] * Math.pow(s[p + i], -LRN_BETA - 1);
        }
        dx[p + c] = dy[p + c] * Math.pow(s[p + c], -LRN_BETA) - 2 * LRN_ALPHA * LRN_BETA * x[p + c] * cross;
      }
    }
    return dx;
  }
}
