/** SGD with momentum and Adam on WebGPU, element-wise, with the reference's update rules. */
import type { OptimizerSettings, OptimizerState } from '../backend';
import { restored } from '../reference/optimizer';
import { encode, f32c, makeKernel, storage, type Kernel } from './gpu';

/** The update kernels, one per parameter, and the moment buffers they keep (for checkpoints). */
export interface GpuOptimizer {
  kernels: Kernel[];
  first: GPUBuffer[];
  second: GPUBuffer[];
}

export function optimizerKernels(device: GPUDevice, settings: OptimizerSettings, params: GPUBuffer[], grads: GPUBuffer[], sizes: number[], decays: boolean[], stepInfo: GPUBuffer, resume?: OptimizerState): GpuOptimizer {
  const first: GPUBuffer[] = [], second: GPUBuffer[] = [];
  const kernels = params.map((w, j) => {
    const wd = decays[j] ? settings.weightDecay : 0;
    const m = storage(device, 'first moment', sizes[j], resume && restored(resume.first[j], sizes[j], 'first moment', j));
    first.push(m);
    if (settings.kind === 'sgd') {
      return makeKernel(device, 'sgd', [{ buffer: w, access: 'read_write' }, { buffer: grads[j], access: 'read' }, { buffer: m, access: 'read_write' }, { buffer: stepInfo, access: 'uniform' }], sizes[j], `
  let v = ${f32c(settings.momentum)} * b2[i] - b3.lr * (b1[i] + ${f32c(wd)} * b0[i]);
  b2[i] = v;
  b0[i] += v;`);
    }
    const v = storage(device, 'second moment', sizes[j], resume && restored(resume.second[j], sizes[j], 'second moment', j));
    second.push(v);
    return makeKernel(device, 'adam', [
      { buffer: w, access: 'read_write' }, { buffer: grads[j], access: 'read' }, { buffer: m, access: 'read_write' }, { buffer: v, access: 'read_write' }, { buffer: stepInfo, access: 'uniform' },
    ], sizes[j], `
  let g = b1[i] + ${f32c(wd)} * b0[i];
  let m = ${f32c(settings.beta1)} * b2[i] + ${f32c(1 - settings.beta1)} * g;
  let v = ${f32c(settings.beta2)} * b3[i] + ${f32c(1 - settings.beta2)} * g * g;
  b2[i] = m; b3[i] = v;
  let c1 = 1.0 - pow(${f32c(settings.beta1)}, b4.adamStep);
  let c2 = 1.0 - pow(${f32c(settings.beta2)}, b4.adamStep);
  b0[i] -= b4.lr * (m / c1) / (sqrt(v / c2) + ${f32c(settings.epsilon)});`);
  });
  return { kernels, first, second };
}

export { encode };
