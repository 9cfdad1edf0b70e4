/**
 * Picks and builds the backend: WebGPU when an adapter exists (or when asked for), else the
 * reference backend, saying why in BackendInfo.fallback. Refuses a plan too large for the adapter.
 */
import { cpus } from 'node:os';
import type { BackendInfo, ModelOptions, TrainingModel } from './backend';
import type { NamedTensor } from './init';
import { memoryNeeds, mib } from './memory';
import type { Plan } from './plan';
import { ReferenceModel } from './reference/model';
import type { BackendChoice } from './settings';
import { TrainingError } from './trainingError';
import { openWebGpu } from './webgpu/device';
import { WebGpuModel } from './webgpu/model';

export function referenceInfo(fallback?: string): BackendInfo {
  return { backend: 'reference', adapter: `TypeScript on the CPU (${cpus()[0]?.model?.trim() ?? 'unknown CPU'}, one thread)`, ...(fallback ? { fallback } : {}) };
}

export async function createModel(
  choice: BackendChoice, plan: Plan, params: NamedTensor[], state: NamedTensor[], options: ModelOptions, batch: number,
): Promise<{ model: TrainingModel; info: BackendInfo }> {
  const needs = memoryNeeds(plan, batch);
  let fallback: string | undefined;
  if (choice !== 'reference') {
    const opened = await openWebGpu();
    if (opened.device) {
      const limit = opened.info.limits!.maxStorageBufferBindingSize;
      if (needs.largestBuffer > limit) {
        opened.device.destroy();
        throw new TrainingError('too-large',
          `the network is too large for the adapter at batch ${batch}: ${needs.largestBufferName} needs ${mib(needs.largestBuffer)} in one buffer, the adapter allows ${mib(limit)} (maxStorageBufferBindingSize); lower the batch size`,
          { needed: needs.largestBuffer, limit, buffer: needs.largestBufferName, batch });
      }
      const model = await WebGpuModel.create(opened.device, plan, params, state, options, batch);
      return { model, info: opened.info };
    }
    if (choice === 'webgpu') {
      throw new TrainingError('no-adapter', `backend=webgpu was asked for, but ${opened.reason}`);
    }
    fallback = `no WebGPU adapter (${opened.reason}): training on the reference backend, on the CPU`;
  }
  return { model: new ReferenceModel(plan, params, state, options), info: referenceInfo(fallback) };
}
