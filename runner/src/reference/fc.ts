import type { FcStep } from '../plan';
import { sized, type ReferenceLayer } from './layer';
import { matmulAB, matmulABt, matmulAtBAccumulate } from './matmul';

/** Fully connected; a 3-D input is read flat in H, W, C order. Weights are [units, inputs]. */
export class ReferenceFc implements ReferenceLayer {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly state: Float32Array[] = [];
  private x: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;

  constructor(readonly step: FcStep, params: Float32Array[]) {
    this.params = params;
    this.grads = params.map((p) => new Float32Array(p.length));
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.x = x;
    const N = this.step.units, K = this.step.inSize;
    const y = (this.y = sized(this.y, batch * N));
    matmulABt(batch, N, K, x, 0, K, this.params[0], 0, K, y, 0, N, false);
    if (this.step.bias) {
      const bias = this.params[1];
      for (let b = 0; b < batch; b++) for (let n = 0; n < N; n++) y[b * N + n] += bias[n];
    }
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad = true): Float32Array {
    const N = this.step.units, K = this.step.inSize;
    const dw = this.grads[0];
    dw.fill(0);
    matmulAtBAccumulate(batch, N, K, dy, 0, N, this.x!, 0, K, dw, 0, K);
    if (this.step.bias) {
      const db = this.grads[1];
      db.fill(0);
      for (let b = 0; b < batch; b++) for (let n = 0; n < N; n++) db[n] += dy[b * N + n];
    }
    if (!needInputGrad) return dy;
    const dx = (this.dx = sized(this.dx, batch * K));
    matmulAB(batch, N, K, dy, 0, N, this.params[0], 0, K, dx, 0, K);
    return dx;
  }
}
