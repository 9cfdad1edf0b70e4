/** SGD with momentum and Adam on WebGPU, element-wise, with the reference's update rules. */
import type { OptimizerSettings } from '../backend';
import { encode, f32c, makeKernel, storage, type Kernel } from './gpu';

export function optimizerKernels(device: GPUDevice, settings: OptimizerSettings, params: GPUBuffer[], grads: GPUBuffer[], sizes: number[], decays: boolean[], stepInfo: GPUBuffer): Kernel[] {
  return params.map((w, j) => {
    const wd = decays[j] ? settings.weightDecay : 0;
    const m = storage(device, 'first moment', sizes[j]);
    if (settings.kind === 'sgd') {
      return makeKernel(device, 'sgd', [{ buffer: w, access: 'read_write' }, { buffer: grads[j], access: 'read' }, { buffer: m, access: 'read_write' }, { buffer: stepInfo, access: 'uniform' }], sizes[j], `
  let v = ${f32c(settings.momentum)} * b2[i] - b3.lr * (b1[i] + ${f32c(wd)} * b0[i]);
  b2[i] = v;
  b0[i] += v;`);
    }
    const v = storage(device, 'second moment', sizes[j]);
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
}

export { encode };
