/**
 * What a plan needs in memory, so a network too large for the adapter is refused before it starts,
 * with the numbers, instead of failing on the device halfway through the first step.
 */
import { totalmem } from 'node:os';
import type { Network } from '../../server/src/language/network';
import { trainingMemory } from '../../server/src/language/trainingMemory';
import { buildPlan, type Plan } from './plan';
import { TrainingError } from './trainingError';
import { wire } from './wiring';

export interface MemoryNeeds {
  /** Largest single buffer, in bytes (WebGPU limits each storage binding). */
  largestBuffer: number;
  largestBufferName: string;
  /** Parameters, gradients and optimiser state, plus activations and their gradients for a batch. */
  total: number;
}

export function memoryNeeds(plan: Plan, batch: number): MemoryNeeds {
  let largestBuffer = batch * plan.inputSize * 4;
  let largestBufferName = 'input batch';
  let total = largestBuffer;
  for (const step of plan.steps) {
    // Every output is kept for the backward pass.
    const activation = batch * step.outSize * 4;
    if (activation > largestBuffer) { largestBuffer = activation; largestBufferName = `${step.layer} ${step.kind} output`; }
    total += activation;
    for (const p of step.params) {
      const bytes = p.size * 4;
      if (bytes > largestBuffer) { largestBuffer = bytes; largestBufferName = p.name; }
      // Value, gradient and up to two optimiser moments.
      total += 4 * bytes;
    }
  }
  // Gradients share the wiring's buffers (none larger than the output it holds), plus a scratch
  // buffer per operand position where gradients are summed.
  const { gradientSlotSizes, scratchSizes } = wire(plan);
  for (const n of [...gradientSlotSizes, ...scratchSizes]) total += batch * n * 4;
  return { largestBuffer, largestBufferName, total };
}

/**
 * The largest buffer the WebGPU backend allocates to train `network` at `batch`: what the adapter
 * must bind at once. The editor's `training-memory` warning is given this rule, so it warns exactly
 * where createModel and job/start refuse.
 */
export function largestWebGpuBuffer(network: Network, batch: number): { name: string; bytes: number } {
  const needs = memoryNeeds(buildPlan(network), batch);
  return { name: needs.largestBufferName, bytes: needs.largestBuffer };
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
