/**
 * The cpu backend's weighted layers: convolution as im2col + one sgemm per chunk of samples (so the
 * products are large enough for OpenBLAS's threads, and the column buffer stays bounded), a 1x1
 * stride-1 convolution as one sgemm on the input itself, fc as sgemm; bias and ReLU fused into the
 * pass after the product. Backward: the weight gradient and the input gradient are one sgemm each
 * per chunk (+ col2im). Same layouts as the reference backend (NHWC, weights [filters, kh, kw, Cin/groups]).
 */
import type { OptimizerSettings, OptimizerState } from '../backend';
import type { ActivationStep, ConvStep, FcStep, PoolStep } from '../plan';
import { sized, type ReferenceLayer } from '../reference/layer';
import type { CpuKernels, Geometry, NativeExtras, PoolGeometry } from './kernels';
import { ReferenceOptimizer } from '../reference/optimizer';
import { CPU_COLUMN_FLOATS } from '../../../server/src/language/trainingMemory';

/** Column-buffer budget per conv layer: a chunk is as many samples as fit (the training-memory estimate counts it too). */
export const COLUMN_FLOATS = CPU_COLUMN_FLOATS;

/** A weighted layer whose output a following ReLU may be fused into. */
export interface FusableLayer extends ReferenceLayer {
  fuseRelu: boolean;
}

export class CpuConv implements FusableLayer {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly state: Float32Array[] = [];
  fuseRelu = false;
  private x: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;
  private cols: Float32Array | undefined;
  private readonly geometry: Geometry;
  private readonly P: number; private readonly K: number; private readonly Fg: number;
  /** 1x1, stride 1, no padding: the input is its own column matrix. */
  private readonly direct: boolean;
  private readonly chunk: number;

  constructor(readonly step: ConvStep, params: Float32Array[], private readonly k: CpuKernels) {
    this.params = params;
    this.grads = params.map((p) => new Float32Array(p.length));
    const [H, W, C] = step.inShape as [number, number, number];
    const [Ho, Wo] = step.outShape as [number, number, number];
    const Cg = C / step.groups;
    const [kh, kw] = step.kernel, [sh, sw] = step.stride, [ph, pw] = step.pad;
    this.geometry = [H, W, C, Cg, kh, kw, sh, sw, ph, pw, Ho, Wo];
    this.P = Ho * Wo;
    this.K = kh * kw * Cg;
    this.Fg = step.filters / step.groups;
    this.direct = kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
    this.chunk = Math.max(1, Math.floor(COLUMN_FLOATS / (this.P * this.K)));
  }

  private columns(batch: number): Float32Array {
    const n = Math.min(batch, this.chunk) * this.P * this.K;
    if (!this.cols || this.cols.length < n) this.cols = new Float32Array(n);
    return this.cols;
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.x = x;
    const { P, K, Fg, k } = this;
    const F = this.step.filters, C = this.geometry[2], groups = this.step.groups;
    const y = (this.y = sized(this.y, batch * P * F));
    const weight = this.params[0];
    if (this.direct) {
      for (let g = 0; g < groups; g++) k.sgemm(0, 1, batch * P, Fg, K, 1, x, g * K, C, weight, g * Fg * K, K, 0, y, g * Fg, F);
    } else {
      const cols = this.columns(batch);
      for (let b0 = 0; b0 < batch; b0 += this.chunk) {
        const n = Math.min(this.chunk, batch - b0);
        for (let g = 0; g < groups; g++) {
          k.im2col(x, b0, n, g, cols, ...this.geometry);
          k.sgemm(0, 1, n * P, Fg, K, 1, cols, 0, K, weight, g * Fg * K, K, 0, y, b0 * P * F + g * Fg, F);
        }
      }
    }
    if (this.step.bias || this.fuseRelu) k.biasAct(y, batch * P, F, this.step.bias ? this.params[1] : null, this.fuseRelu ? 1 : 0);
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad = true): Float32Array {
    const x = this.x!;
    const { P, K, Fg, k } = this;
    const F = this.step.filters, C = this.geometry[2], groups = this.step.groups;
    const [weight] = this.params;
    const [dw] = this.grads;
    const dx = (this.dx = sized(this.dx, x.length));
    if (this.direct) {
      for (let g = 0; g < groups; g++) {
        k.sgemm(1, 0, Fg, K, batch * P, 1, dy, g * Fg, F, x, g * K, C, 0, dw, g * Fg * K, K);
        if (needInputGrad) k.sgemm(0, 0, batch * P, K, Fg, 1, dy, g * Fg, F, weight, g * Fg * K, K, 0, dx, g * K, C);
      }
    } else {
      if (needInputGrad) dx.fill(0);
      const cols = this.columns(batch);
      for (let b0 = 0; b0 < batch; b0 += this.chunk) {
        const n = Math.min(this.chunk, batch - b0);
        for (let g = 0; g < groups; g++) {
          const dyOff = b0 * P * F + g * Fg;
          k.im2col(x, b0, n, g, cols, ...this.geometry);
          k.sgemm(1, 0, Fg, K, n * P, 1, dy, dyOff, F, cols, 0, K, b0 === 0 ? 0 : 1, dw, g * Fg * K, K);
          if (!needInputGrad) continue;
          k.sgemm(0, 0, n * P, K, Fg, 1, dy, dyOff, F, weight, g * Fg * K, K, 0, cols, 0, K);
          k.col2im(cols, b0, n, g, dx, ...this.geometry);
        }
      }
    }
    if (this.step.bias) k.sumRows(dy, batch * P, F, this.grads[1]);
    return needInputGrad ? dx : dy;
  }
}

/** Fully connected: a 3-D input is read flat in H, W, C order; weights [units, inputs]. */
export class CpuFc implements FusableLayer {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  readonly state: Float32Array[] = [];
  fuseRelu = false;
  private x: Float32Array | undefined;
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;

  constructor(readonly step: FcStep, params: Float32Array[], private readonly k: CpuKernels) {
    this.params = params;
    this.grads = params.map((p) => new Float32Array(p.length));
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.x = x;
    const N = this.step.units, K = this.step.inSize;
    const y = (this.y = sized(this.y, batch * N));
    this.k.sgemm(0, 1, batch, N, K, 1, x, 0, K, this.params[0], 0, K, 0, y, 0, N);
    if (this.step.bias || this.fuseRelu) this.k.biasAct(y, batch, N, this.step.bias ? this.params[1] : null, this.fuseRelu ? 1 : 0);
    return y;
  }

  backward(dy: Float32Array, batch: number, needInputGrad = true): Float32Array {
    const N = this.step.units, K = this.step.inSize;
    this.k.sgemm(1, 0, N, K, batch, 1, dy, 0, N, this.x!, 0, K, 0, this.grads[0], 0, K);
    if (this.step.bias) this.k.sumRows(dy, batch, N, this.grads[1]);
    if (!needInputGrad) return dy;
    const dx = (this.dx = sized(this.dx, batch * K));
    this.k.sgemm(0, 0, batch, K, N, 1, dy, 0, N, this.params[0], 0, K, 0, dx, 0, K);
    return dx;
  }
}

/**
 * A ReLU step whose work the layer before it did (fuseRelu): forward passes that layer's output
 * on (no copy), backward masks by it (positive exactly where the ReLU's input was).
 */
export class CpuFusedRelu implements ReferenceLayer {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;

  constructor(readonly step: ActivationStep, private readonly k: CpuKernels) {}

  forward(x: Float32Array): Float32Array {
    this.y = x;
    return x;
  }

  backward(dy: Float32Array, batch: number): Float32Array {
    const n = batch * this.step.inSize;
    const dx = (this.dx = sized(this.dx, n));
    this.k.reluBackward(this.y!, dy, dx, n);
    return dx;
  }
}

/** Max and average pooling on the native kernels, with the reference backend's rules (clipped windows, count_include_pad). */
export class CpuPool implements ReferenceLayer {
  readonly params: Float32Array[] = [];
  readonly grads: Float32Array[] = [];
  readonly state: Float32Array[] = [];
  private y: Float32Array | undefined;
  private dx: Float32Array | undefined;
  private argmax: Int32Array | undefined;
  private readonly geometry: PoolGeometry;

  constructor(readonly step: PoolStep, private readonly k: NativeExtras) {
    const [H, W, C] = step.inShape as [number, number, number];
    const [Ho, Wo] = step.outShape as [number, number, number];
    this.geometry = [H, W, C, step.kernel[0], step.kernel[1], step.stride[0], step.stride[1], step.pad[0], step.pad[1], Ho, Wo];
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const y = (this.y = sized(this.y, batch * this.step.outSize));
    if (this.step.kind === 'maxpool') {
      if (!this.argmax || this.argmax.length !== y.length) this.argmax = new Int32Array(y.length);
      this.k.maxpoolForward(x, y, this.argmax, batch, ...this.geometry);
    } else {
      this.k.avgpoolForward(x, y, batch, ...this.geometry);
    }
    return y;
  }

  backward(dy: Float32Array, batch: number): Float32Array {
    const dx = (this.dx = sized(this.dx, batch * this.step.inSize));
    if (this.step.kind === 'maxpool') this.k.maxpoolBackward(dy, this.argmax!, batch * this.step.outSize, dx);
    else this.k.avgpoolBackward(dy, dx, batch, ...this.geometry);
    return dx;
  }
}

/** The reference optimiser (SGD with momentum, Adam with L2 decay), each tensor updated by the native kernels. */
export class CpuOptimizer extends ReferenceOptimizer {
  constructor(settings: OptimizerSettings, params: Float32Array[], decays: boolean[], private readonly k: NativeExtras, resume?: OptimizerState) {
    super(settings, params, decays, resume);
  }

  protected override sgd(w: Float32Array, g: Float32Array, m: Float32Array, lr: number, momentum: number, wd: number): void {
    this.k.sgd(w, g, m, lr, momentum, wd);
  }

  protected override adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, epsilon: number, wd: number, c1: number, c2: number): void {
    this.k.adam(w, g, m, v, lr, beta1, beta2, epsilon, wd, c1, c2);
  }
}
