import type { ConvStep } from '../plan';
import { sized, type ReferenceLayer } from './layer';
import { matmulAB, matmulABt, matmulAtBAccumulate } from './matmul';

/**
 * Convolution as im2col + matrix product, one sample and one group at a time (so the column
 * buffer stays small even for 227x227 inputs). Weights are [filters, kh, kw, Cin/groups].
 */
export class ReferenceConv implements ReferenceLayer {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly state: Float32Array[] = [];
  private x: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;
  private readonly cols: Float32Array;
  private readonly dcols: Float32Array;
  private readonly H: number; private readonly W: number; private readonly C: number;
  private readonly Ho: number; private readonly Wo: number;
  private readonly Cg: number; private readonly Fg: number; private readonly K: number;

  constructor(readonly step: ConvStep, params: Float32Array[]) {
    this.params = params;
    this.grads = params.map((p) => new Float32Array(p.length));
    const [H, W, C] = step.inShape as [number, number, number];
    const [Ho, Wo] = step.outShape as [number, number, number];
    this.H = H; this.W = W; this.C = C; this.Ho = Ho; this.Wo = Wo;
    this.Cg = C / step.groups;
    this.Fg = step.filters / step.groups;
    this.K = step.kernel[0] * step.kernel[1] * this.Cg;
    this.cols = new Float32Array(Ho * Wo * this.K);
    this.dcols = new Float32Array(Ho * Wo * this.K);
  }

  /** Gathers sample b's windows for group g into cols: one row per output position, (ky, kx, c) per row. */
  private im2col(x: Float32Array, b: number, g: number): void {
    const { H, W, C, Ho, Wo, Cg, K, cols } = this;
    const [kh, kw] = this.step.kernel, [sh, sw] = this.step.stride, [ph, pw] = this.step.pad;
    const base = b * H * W * C + g * Cg;
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let r = (oy * Wo + ox) * K;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pw + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
              cols.fill(0, r, r + Cg);
            } else {
              const src = base + (iy * W + ix) * C;
              for (let c = 0; c < Cg; c++) cols[r + c] = x[src + c];
            }
            r += Cg;
          }
        }
      }
    }
  }

  private col2imAdd(dx: Float32Array, b: number, g: number): void {
    const { H, W, C, Ho, Wo, Cg, K, dcols } = this;
    const [kh, kw] = this.step.kernel, [sh, sw] = this.step.stride, [ph, pw] = this.step.pad;
    const base = b * H * W * C + g * Cg;
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let r = (oy * Wo + ox) * K;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ph + ky;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pw + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
              const dst = base + (iy * W + ix) * C;
              for (let c = 0; c < Cg; c++) dx[dst + c] += dcols[r + c];
            }
            r += Cg;
          }
        }
      }
    }
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.x = x;
    const F = this.step.filters;
    const P = this.Ho * this.Wo;
    const y = (this.y = sized(this.y, batch * P * F));
    const weight = this.params[0];
    for (let b = 0; b < batch; b++) {
      for (let g = 0; g < this.step.groups; g++) {
        this.im2col(x, b, g);
        matmulABt(P, this.Fg, this.K, this.cols, 0, this.K, weight, g * this.Fg * this.K, this.K, y, b * P * F + g * this.Fg, F, false);
      }
    }
    if (this.step.bias) {
      const bias = this.params[1];
      for (let i = 0; i < batch * P; i++) {
        const o = i * F;
        for (let f = 0; f < F; f++) y[o + f] += bias[f];
      }
    }
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad = true): Float32Array {
    const x = this.x!;
    const F = this.step.filters;
    const P = this.Ho * this.Wo;
    const dx = (this.dx = sized(this.dx, x.length));
    if (needInputGrad) dx.fill(0);
    const [weight] = this.params;
    const [dw] = this.grads;
    dw.fill(0);
    for (let b = 0; b < batch; b++) {
      for (let g = 0; g < this.step.groups; g++) {
        this.im2col(x, b, g);
        const dyOff = b * P * F + g * this.Fg;
        matmulAtBAccumulate(P, this.Fg, this.K, dy, dyOff, F, this.cols, 0, this.K, dw, g * this.Fg * this.K, this.K);
        if (!needInputGrad) continue;
        matmulAB(P, this.Fg, this.K, dy, dyOff, F, weight, g * this.Fg * this.K, this.K, this.dcols, 0, this.K);
        this.col2imAdd(dx, b, g);
      }
    }
    if (this.step.bias) {
      const db = this.grads[1];
      db.fill(0);
      for (let i = 0; i < batch * P; i++) {
        const o = i * F;
        for (let f = 0; f < F; f++) db[f] += dy[o + f];
      }
    }
    return dx;
  }
}
