/**
 * Picks and builds the backend. `auto` takes the fastest for the machine: WebGPU on a real GPU; on a
 * software adapter (lavapipe, SwiftShader: the GPU API emulated on the CPU) or with none, the cpu
 * backend (OpenBLAS), or the reference backend when the cpu backend's native kernels are not built.
 * BackendInfo.reason says why; BackendInfo.fallback says what could not be had. A named backend is
 * taken as asked (webgpu without an adapter is an error). Refuses a plan too large for the adapter.
 */
import { cpus } from 'node:os';
import type { BackendInfo, ModelOptions, TrainingModel } from './backend';
import { cpuKernels } from './cpu/kernels';
import { CpuModel } from './cpu/model';
import type { NamedTensor } from './init';
import { largestPlanBuffer, mib } from './memory';
import type { Plan } from './plan';
import { ReferenceModel } from './reference/model';
import type { BackendChoice } from './settings';
import { TrainingError } from './trainingError';
import { openWebGpu, type OpenedDevice } from './webgpu/device';
import { WebGpuModel } from './webgpu/model';

const cpuName = () => cpus()[0]?.model?.trim() ?? 'unknown CPU';

export function referenceInfo(fallback?: string, reason?: string): BackendInfo {
  return { backend: 'reference', adapter: `TypeScript on the CPU (${cpuName()}, one thread)`, ...(fallback ? { fallback } : {}), ...(reason ? { reason } : {}) };
}

export function cpuInfo(reason: string): BackendInfo {
  const { kernels, native, reason: missing } = cpuKernels();
  return {
    backend: 'cpu', adapter: `${cpuName()}: ${kernels.description}`, reason,
    ...(native ? {} : { fallback: `${missing}; the cpu backend runs its TypeScript kernels` }),
  };
}

/** What a backend choice comes to on this machine: the backend, its info, and the open device for webgpu. */
export async function chooseBackend(choice: BackendChoice): Promise<{ info: BackendInfo; opened?: OpenedDevice }> {
  if (choice === 'reference') return { info: referenceInfo(undefined, 'backend=reference was asked for') };
  if (choice === 'cpu') return { info: cpuInfo('backend=cpu was asked for') };
  const opened = await openWebGpu();
  if (choice === 'webgpu') {
    if (!opened.device) throw new TrainingError('no-adapter', `backend=webgpu was asked for, but ${opened.reason}`);
    return { info: { ...opened.info, reason: 'backend=webgpu was asked for' }, opened };
  }
  const native = cpuKernels().native;
  if (opened.device && !opened.software) {
    return { info: { ...opened.info, reason: 'backend=auto: a GPU adapter' }, opened };
  }
  if (opened.device) {
    if (!native) {
      return {
        info: { ...opened.info, reason: `backend=auto: ${opened.software}, but the cpu backend's native kernels are not built (${cpuKernels().reason}); WebGPU on the software adapter is faster than the TypeScript kernels` },
        opened,
      };
    }
    opened.device.destroy();
    return { info: cpuInfo(`backend=auto: ${opened.software}; the cpu backend (OpenBLAS on every core) is faster`) };
  }
  if (native) return { info: cpuInfo(`backend=auto: no WebGPU adapter (${opened.reason})`) };
  return {
    info: referenceInfo(`no WebGPU adapter (${opened.reason}) and the cpu backend's native kernels are not built (${cpuKernels().reason}): training on the reference backend, on the CPU`,
      'backend=auto: no WebGPU adapter, no native cpu kernels'),
  };
}

/** `onPipeline` hears each WebGPU compute pipeline as it is built; the CPU backends build none. */
export async function createModel(
  choice: BackendChoice, plan: Plan, params: NamedTensor[], state: NamedTensor[], options: ModelOptions, batch: number, onPipeline?: (label: string) => void,
): Promise<{ model: TrainingModel; info: BackendInfo }> {
  const { info, opened } = await chooseBackend(choice);
  if (info.backend === 'webgpu' && opened?.device) {
    const largest = largestPlanBuffer(plan, batch);
    const limit = opened.info.limits!.maxStorageBufferBindingSize;
    if (largest.bytes > limit) {
      opened.device.destroy();
      throw new TrainingError('too-large',
        `the network is too large for the adapter at batch ${batch}: ${largest.name} needs ${mib(largest.bytes)} in one buffer, the adapter allows ${mib(limit)} (maxStorageBufferBindingSize); lower the batch size`,
        { needed: largest.bytes, limit, buffer: largest.name, batch });
    }
    return { model: await WebGpuModel.create(opened.device, plan, params, state, options, batch, onPipeline), info };
  }
  if (info.backend === 'cpu') return { model: new CpuModel(plan, params, state, options), info };
  return { model: new ReferenceModel(plan, params, state, options), info };
}
