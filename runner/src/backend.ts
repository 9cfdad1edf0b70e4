/**
 * What a backend offers the trainer: a model built from the plan and initial tensors that trains
 * on batches and answers predictions. The reference (TypeScript), cpu (OpenBLAS) and WebGPU backends implement it;
 * the pytorch backend trains a whole job in PyTorch instead (pytorchBackend.ts).
 */
import type { NamedTensor } from './init';
import type { Plan } from './plan';

export type BackendName = 'reference' | 'webgpu' | 'cpu' | 'pytorch';

export interface OptimizerSettings {
  kind: 'sgd' | 'adam';
  momentum: number;
  weightDecay: number;
  /** Adam's constants (Kingma and Ba 2015 defaults). */
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface ModelOptions {
  optimizer: OptimizerSettings;
  /** Seeds the dropout masks. */
  seed: number;
  /** Label smoothing of the training loss, in [0, 1); absent or 0: plain cross-entropy. */
  smoothing?: number;
  /** Continue from a checkpoint: the optimiser's moments and step count instead of fresh ones. */
  resume?: OptimizerState;
}

/**
 * Everything a model carries between steps besides its tensors: the steps taken (the dropout masks'
 * draw and Adam's bias-correction step) and the optimiser's moments, one per parameter in plan order
 * (SGD's momentum, or Adam's first moment; `second` holds Adam's second moments and is empty for SGD).
 */
export interface OptimizerState {
  steps: number;
  first: Float32Array[];
  second: Float32Array[];
}

export interface TrainingModel {
  readonly backend: BackendName;
  /** One optimiser step on a batch (inputs batch x inputSize, labels batch). The loss stays on the device. */
  trainStep(x: Float32Array, labels: Int32Array, batch: number, lr: number): void;
  /** Mean batch losses of the training steps since the last call, in order. */
  takeLosses(): Promise<number[]>;
  /** Class probabilities (batch x classes), in inference mode (no dropout, running batchnorm statistics). */
  predict(x: Float32Array, batch: number): Promise<Float32Array>;
  /** Current parameters and running statistics, named as in the weights file. */
  tensors(): Promise<NamedTensor[]>;
  /** The optimiser's state now (copies), for a checkpoint that resumes exactly. */
  optimizerState(): Promise<OptimizerState>;
  dispose(): void;
}

export interface BackendInfo {
  backend: BackendName;
  /** The adapter in words ("Mesa llvmpipe (LLVM 19), Vulkan"), or why there is none. */
  adapter: string;
  fallback?: string;
  /** Why this backend was chosen ("backend=auto: the only adapter is a software one (llvmpipe); the cpu backend is faster"). */
  reason?: string;
  limits?: Record<string, number>;
}

export const DEFAULT_OPTIMIZER: OptimizerSettings = {
  kind: 'sgd', momentum: 0.9, weightDecay: 0.0005, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
};

export type { Plan };
