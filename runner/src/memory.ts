/**
 * What a plan needs in memory, so a network too large for the adapter is refused before it starts,
 * with the numbers, instead of failing on the device halfway through the first step.
 */
import { totalmem } from 'node:os';
import type { Network } from '../../server/src/language/network';
import { trainingMemory } from '../../server/src/language/trainingMemory';
import type { Plan } from './plan';
import { TrainingError } from './trainingError';

export interface LargestBuffer {
  name: string;
  bytes: number;
}

/**
 * The largest buffer the WebGPU backend allocates to train the plan at `batch` (WebGPU limits each
 * storage binding): the input batch, a step's output (every one is kept for the backward pass) or a
 * parameter tensor. Gradients share buffers no larger than the outputs they hold.
 */
export function largestPlanBuffer(plan: Plan, batch: number): LargestBuffer {
  let largest: LargestBuffer = { name: 'input batch', bytes: batch * plan.inputSize * 4 };
  for (const step of plan.steps) {
    const output = batch * step.outSize * 4;
    if (output > largest.bytes) largest = { name: `${step.layer} ${step.kind} output`, bytes: output };
    for (const p of step.params) if (p.size * 4 > largest.bytes) largest = { name: p.name, bytes: p.size * 4 };
  }
  return largest;
}

/**
 * The same, from the analysed network without building a plan: building one checks every layer's
 * claims again, 0.8 s for the 45,000 layers of the blocks bench file, which the editor's
 * `training-memory` warning cannot pay on every keystroke. Layer by layer in the plan's order, the
 * output (a separate activation step's is the same size) then the weight, bias and PReLU slopes;
 * the softmax layer's step is its fc. test/runner/trainingMemory.test.ts checks that it names the
 * plan's buffer on every example, so the warning appears exactly where createModel and job/start refuse.
 */
export function largestWebGpuBuffer(network: Network, batch: number): LargestBuffer {
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  let largest: LargestBuffer = { name: 'input batch', bytes: batch * size(network.input ?? [0]) * 4 };
  const consider = (name: string, bytes: number) => {
    if (bytes > largest.bytes) largest = { name, bytes };
  };
  for (const layer of network.layers) {
    consider(`${layer.name} ${layer.kind === 'softmax' ? 'fc' : layer.kind} output`, batch * size(layer.output) * 4);
    consider(`${layer.name}.weight`, layer.weights * 4);
    consider(`${layer.name}.bias`, layer.biases * 4);
    consider(`${layer.name}.slope`, layer.activationParams * 4);
  }
  return largest;
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/**
 * The memory a job may use: half of this machine's, or less where CNN_MEMORY_LIMIT_MB says so
 * (a shared machine, a container whose limit the OS total does not show).
 */
export function hostMemoryLimit(): number {
  const half = totalmem() / 2;
  const mb = Number(process.env.CNN_MEMORY_LIMIT_MB);
  return process.env.CNN_MEMORY_LIMIT_MB && Number.isFinite(mb) && mb > 0 ? Math.min(half, mb * 1048576) : half;
}

/**
 * Refuses a job whose training memory (the estimate the editor's `training-memory` warning uses, so
 * the two agree) and in-memory dataset would not fit in the memory a job may use
 * (hostMemoryLimit), before anything is allocated.
 */
export function checkHostMemory(network: Network, batch: number, optimizer: 'sgd' | 'adam', datasetBytes: number): void {
  const needs = trainingMemory(network, { batch, optimizer }).totals.total + datasetBytes;
  const available = hostMemoryLimit();
  if (needs > available) {
    const data = datasetBytes > 0 ? ` (the dataset in memory is ${mib(datasetBytes)} of it)` : '';
    throw new TrainingError('too-large', `the network needs about ${mib(needs)} at batch ${batch}, more than the ${mib(available)} this machine can give it${data}; lower the batch size${datasetBytes > needs / 2 ? ' or use fewer images' : ''}`,
      { needed: needs, limit: available, batch, dataset: datasetBytes });
  }
}

/**
 * The bytes of every typed array reachable from the roots (a model, the batch it was given): what
 * the runner really holds, each buffer once however many views share it. Memory outside JavaScript
 * (OpenBLAS's own, a GPU's) is not seen.
 */
export function heldBytes(...roots: unknown[]): number {
  const seen = new Set<object>();
  const buffers = new Set<ArrayBufferLike>();
  const stack: unknown[] = [...roots];
  while (stack.length) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) { buffers.add(value.buffer); continue; }
    stack.push(...(value instanceof Map ? value.values() : Object.values(value)));
  }
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return bytes;
}
