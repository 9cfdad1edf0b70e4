import type { OptimizerSettings } from '../backend';

/**
 * SGD with momentum as in AlexNet (v = mu v - lr (g + wd w); w += v), or Adam with the weight decay
 * added to the gradient (L2). Decay applies only where the plan says (weights, not biases or slopes).
 */
export class ReferenceOptimizer {
  private readonly first: Float32Array[];
  private readonly second: Float32Array[];
  private t = 0;

  constructor(private readonly settings: OptimizerSettings, params: Float32Array[], private readonly decays: boolean[]) {
    this.first = params.map((p) => new Float32Array(p.length));
    this.second = settings.kind === 'adam' ? params.map((p) => new Float32Array(p.length)) : [];
  }

  step(params: Float32Array[], grads: Float32Array[], lr: number): void {
    const s = this.settings;
    this.t++;
    const c1 = 1 - Math.pow(s.beta1, this.t), c2 = 1 - Math.pow(s.beta2, this.t);
    for (let j = 0; j < params.length; j++) {
      const w = params[j], g = grads[j], m = this.first[j];
      const wd = this.decays[j] ? s.weightDecay : 0;
      if (s.kind === 'sgd') {
        for (let i = 0; i < w.length; i++) {
          m[i] = s.momentum * m[i] - lr * (g[i] + wd * w[i]);
          w[i] += m[i];
        }
      } else {
        const v = this.second[j];
        for (let i = 0; i < w.length; i++) {
          const gi = g[i] + wd * w[i];
          m[i] = s.beta1 * m[i] + (1 - s.beta1) * gi;
          v[i] = s.beta2 * v[i] + (1 - s.beta2) * gi * gi;
          w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + s.epsilon);
        }
      }
    }
  }
}
