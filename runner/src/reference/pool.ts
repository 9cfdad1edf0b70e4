import type { GlobalAvgPoolStep, PoolStep } from '../plan';
import { sized, type ReferenceLayer } from './layer';

/**
 * Max and average pooling. The output size comes from the Network (floor or ceil already applied);
 * windows are clipped to the input, so a ceil-mode window hanging past the edge sees only real
 * values. Average pooling divides by the window's size clipped to the padded input
 * (PyTorch's count_include_pad default, also Caffe's rule).
 */
export class ReferencePool implements ReferenceLayer {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;
  /** Max pooling: the input index each output came from (-1 for a window with no input). */
  private argmax: Int32Array | undefined;

  constructor(readonly step: PoolStep) {}

  forward(x: Float32Array, batch: number): Float32Array {
    const [H, W, C] = this.step.inShape as [number, number, number];
    const [Ho, Wo] = this.step.outShape as [number, number, number];
    const [kh, kw] = this.step.kernel, [sh, sw] = this.step.stride, [ph, pw] = this.step.pad;
    const y = (this.y = sized(this.y, batch * Ho * Wo * C));
    const isMax = this.step.kind === 'maxpool';
    if (isMax && (!this.argmax || this.argmax.length !== y.length)) this.argmax = new Int32Array(y.length);
    const argmax = this.argmax!;
    for (let b = 0; b < batch; b++) {
      const xb = b * H * W * C;
      for (let oy = 0; oy < Ho; oy++) {
        const y0 = oy * sh - ph, y1 = Math.min(y0 + kh, H + ph);
        const ya = Math.max(y0, 0), yb = Math.min(y1, H);
        for (let ox = 0; ox < Wo; ox++) {
          const x0 = ox * sw - pw, x1 = Math.min(x0 + kw, W + pw);
          const xa = Math.max(x0, 0), xb2 = Math.min(x1, W);
          const o = ((b * Ho + oy) * Wo + ox) * C;
          for (let c = 0; c < C; c++) {
            if (isMax) {
              let best = -Infinity, at = -1;
              for (let iy = ya; iy < yb; iy++) {
                for (let ix = xa; ix < xb2; ix++) {
                  const i = xb + (iy * W + ix) * C + c;
                  if (x[i] > best) { best = x[i]; at = i; }
                }
              }
              y[o + c] = at < 0 ? 0 : best;
              argmax[o + c] = at;
            } else {
              let s = 0;
              for (let iy = ya; iy < yb; iy++) for (let ix = xa; ix < xb2; ix++) s += x[xb + (iy * W + ix) * C + c];
              const count = (y1 - y0) * (x1 - x0);
              y[o + c] = count > 0 ? s / count : 0;
            }
          }
        }
      }
    }
    return y;
  }

  backward(dy: Float32Array, batch: number): Float32Array {
    const [H, W, C] = this.step.inShape as [number, number, number];
    const [Ho, Wo] = this.step.outShape as [number, number, number];
    const [kh, kw] = this.step.kernel, [sh, sw] = this.step.stride, [ph, pw] = this.step.pad;
    const dx = (this.dx = sized(this.dx, batch * H * W * C));
    dx.fill(0);
    if (this.step.kind === 'maxpool') {
      const argmax = this.argmax!;
      for (let i = 0; i < dy.length; i++) if (argmax[i] >= 0) dx[argmax[i]] += dy[i];
      return dx;
    }
    for (let b = 0; b < batch; b++) {
      const xb = b * H * W * C;
      for (let oy = 0; oy < Ho; oy++) {
        const y0 = oy * sh - ph, y1 = Math.min(y0 + kh, H + ph);
        const ya = Math.max(y0, 0), yb = Math.min(y1, H);
        for (let ox = 0; ox < Wo; ox++) {
          const x0 = ox * sw - pw, x1 = Math.min(x0 + kw, W + pw);
          const xa = Math.max(x0, 0), xb2 = Math.min(x1, W);
          const count = (y1 - y0) * (x1 - x0);
          if (count <= 0) continue;
          const o = ((b * Ho + oy) * Wo + ox) * C;
          for (let iy = ya; iy < yb; iy++) {
            for (let ix = xa; ix < xb2; ix++) {
              const i = xb + (iy * W + ix) * C;
              for (let c = 0; c < C; c++) dx[i + c] += dy[o + c] / count;
            }
          }
        }
      }
    }
    return dx;
  }
}

export class ReferenceGlobalAvgPool implements ReferenceLayer {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;

  constructor(readonly step: GlobalAvgPoolStep) {}

  forward(x: Float32Array, batch: number): Float32Array {
    const [H, W, C] = this.step.inShape as [number, number, number];
    const y = (this.y = sized(this.y, batch * C));
    y.fill(0);
    for (let b = 0; b < batch; b++) {
      for (let p = 0; p < H * W; p++) {
        const i = (b * H * W + p) * C;
        for (let c = 0; c < C; c++) y[b * C + c] += x[i + c];
      }
      for (let c = 0; c < C; c++) y[b * C + c] /= H * W;
    }
    return y;
  }

  backward(dy: Float32Array, batch: number): Float32Array {
    const [H, W, C] = this.step.inShape as [number, number, number];
    const dx = (this.dx = sized(this.dx, batch * H * W * C));
    for (let b = 0; b < batch; b++) {
      for (let p = 0; p < H * W; p++) {
        const i = (b * H * W + p) * C;
        for (let c = 0; c < C; c++) dx[i + c] = dy[b * C + c] / (H * W);
      }
    }
    return dx;
  }
}
