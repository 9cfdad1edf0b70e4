import type { OptimizerSettings, OptimizerState } from '../backend';

/**
 * SGD with momentum as in AlexNet (v = mu v - lr (g + wd w); w += v), or Adam with the weight decay
 * added to the gradient (L2). Decay applies only where the plan says (weights, not biases or slopes).
 */
export class ReferenceOptimizer {
  private readonly first: Float32Array[];
  private readonly second: Float32Array[];
  private t = 0;

  constructor(private readonly settings: OptimizerSettings, params: Float32Array[], private readonly decays: boolean[], resume?: OptimizerState) {
    this.first = params.map((p, j) => restored(resume?.first[j], p.length, 'first moment', j));
    this.second = settings.kind === 'adam' ? params.map((p, j) => restored(resume?.second[j], p.length, 'second moment', j)) : [];
    this.t = resume?.steps ?? 0;
  }

  /** Copies of the moments and the step count. */
  state(): OptimizerState {
    return { steps: this.t, first: this.first.map((m) => Float32Array.from(m)), second: this.second.map((v) => Float32Array.from(v)) };
  }

  step(params: Float32Array[], grads: Float32Array[], lr: number): void {
    const s = this.settings;
    this.t++;
    const c1 = 1 - Math.pow(s.beta1, this.t), c2 = 1 - Math.pow(s.beta2, this.t);
    for (let j = 0; j < params.length; j++) {
      const wd = this.decays[j] ? s.weightDecay : 0;
      if (s.kind === 'sgd') this.sgd(params[j], grads[j], this.first[j], lr, s.momentum, wd);
      else this.adam(params[j], grads[j], this.first[j], this.second[j], lr, s.beta1, s.beta2, s.epsilon, wd, c1, c2);
    }
  }

  /** One tensor's update; the cpu backend overrides these two with its native kernels. */
  protected sgd(w: Float32Array, g: Float32Array, m: Float32Array, lr: number, momentum: number, wd: number): void {
    for (let i = 0; i < w.length; i++) {
      m[i] = momentum * m[i] - lr * (g[i] + wd * w[i]);
      w[i] += m[i];
    }
  }

  protected adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, epsilon: number, wd: number, c1: number, c2: number): void {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] + wd * w[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
    }
  }
}

/** A moment from a checkpoint (copied), or zeros for a fresh start. */
export function restored(saved: Float32Array | undefined, length: number, what: string, index: number): Float32Array {
  if (!saved) return new Float32Array(length);
  if (saved.length !== length) throw new Error(`the checkpoint's ${what} of parameter ${index} has ${saved.length} values, the parameter ${length}`);
  return Float32Array.from(saved);
}
