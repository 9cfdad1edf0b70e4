/**
 * What a plan needs in memory, so a network too large for the adapter is refused before it starts,
 * with the numbers, instead of failing on the device halfway through the first step.
 */
import type { Plan } from './plan';

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
    const activation = batch * step.outSize * 4;
    if (activation > largestBuffer) { largestBuffer = activation; largestBufferName = `${step.layer} ${step.kind} output`; }
    total += 2 * activation;
    for (const p of step.params) {
      const bytes = p.size * 4;
      if (bytes > largestBuffer) { largestBuffer = bytes; largestBufferName = p.name; }
      // Value, gradient and up to two optimiser moments.
      total += 4 * bytes;
    }
  }
  return { largestBuffer, largestBufferName, total };
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
