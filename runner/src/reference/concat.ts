import type { ConcatStep } from '../plan';
import { sized, type ReferenceMerge } from './layer';

/**
 * Operands side by side along the channels, in the order listed: at every position of every
 * sample, operand k's channels follow those of operands 0..k-1 (NHWC, so a flat vector is one position).
 */
export class ReferenceConcat implements ReferenceMerge {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  private y: Float32Array | undefined;
  private dxs: (Float32Array | undefined)[] = [];

  constructor(readonly step: ConcatStep) {}

  forward(xs: Float32Array[], batch: number): Float32Array {
    const { positions, channels, outSize } = this.step;
    const total = outSize / positions;
    const y = (this.y = sized(this.y, batch * outSize));
    let offset = 0;
    xs.forEach((x, k) => {
      const C = channels[k];
      for (let p = 0; p < batch * positions; p++) {
        for (let c = 0; c < C; c++) y[p * total + offset + c] = x[p * C + c];
      }
      offset += C;
    });
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrads?: boolean[]): Float32Array[] {
    const { positions, channels, outSize } = this.step;
    const total = outSize / positions;
    let offset = 0;
    return channels.map((C, k) => {
      const dx = (this.dxs[k] = sized(this.dxs[k], batch * positions * C));
      if (needInputGrads?.[k] !== false) {
        for (let p = 0; p < batch * positions; p++) {
          for (let c = 0; c < C; c++) dx[p * C + c] = dy[p * total + offset + c];
        }
      }
      offset += C;
      return dx;
    });
  }
}
