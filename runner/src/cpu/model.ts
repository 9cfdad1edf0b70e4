/**
 * The cpu backend: the reference backend's model (the same wiring, loss, optimiser and small kernels)
 * with conv and fc on OpenBLAS's threaded sgemm (or the portable TypeScript kernels when the addon is
 * not built), and each ReLU that follows a conv or fc (and is its only reader) fused into it.
 * Buffers are allocated on the first step and reused while the batch size stays the same.
 */
import type { ModelOptions } from '../backend';
import type { NamedTensor } from '../init';
import type { Plan } from '../plan';
import { ReferenceModel, referenceFactory, type LayerFactory } from '../reference/model';
import { cpuKernels, type CpuKernels } from './kernels';
import { CpuConv, CpuFc, CpuFusedRelu, CpuOptimizer, CpuPool, type FusableLayer } from './layers';

export function cpuFactory(kernels: CpuKernels): LayerFactory {
  return (step, params, state, seed) => {
    if (step.kind === 'conv') return new CpuConv(step, params, kernels);
    if (step.kind === 'fc') return new CpuFc(step, params, kernels);
    if ((step.kind === 'maxpool' || step.kind === 'avgpool') && kernels.extras) return new CpuPool(step, kernels.extras);
    return referenceFactory(step, params, state, seed);
  };
}

export class CpuModel extends ReferenceModel {
  readonly kernels: CpuKernels;
  /** Steps whose ReLU runs inside the conv or fc before them. */
  readonly fused: number[] = [];

  constructor(plan: Plan, params: NamedTensor[], state: NamedTensor[], options: ModelOptions, kernels: CpuKernels = cpuKernels().kernels) {
    super(plan, params, state, options, cpuFactory(kernels), 'cpu');
    this.kernels = kernels;
    const { sources, readers } = this.wiring;
    plan.steps.forEach((step, i) => {
      if (step.kind !== 'activation' || step.act !== 'relu' || sources[i].length !== 1) return;
      const s = sources[i][0];
      const before = this.layers[s];
      if (s < 0 || readers[s].length !== 1 || !(before instanceof CpuConv || before instanceof CpuFc)) return;
      (before as FusableLayer).fuseRelu = true;
      this.layers[i] = new CpuFusedRelu(step, kernels);
      this.fused.push(i);
    });
    if (kernels.extras) {
      const decays = plan.steps.flatMap((step) => step.params.map((q) => q.decay));
      this.optimizer = new CpuOptimizer(options.optimizer, this.layers.flatMap((l) => l.params), decays, kernels.extras, options.resume);
    }
  }
}
