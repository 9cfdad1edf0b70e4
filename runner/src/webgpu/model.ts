import type { ModelOptions, TrainingModel } from '../backend';
import type { NamedTensor } from '../init';
import type { Plan } from '../plan';

export class WebGpuModel {
  static async create(_device: GPUDevice, _plan: Plan, _params: NamedTensor[], _state: NamedTensor[], _options: ModelOptions, _batch: number): Promise<TrainingModel> {
    throw new Error('the WebGPU model is being written');
  }
}
