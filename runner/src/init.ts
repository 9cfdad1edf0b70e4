/**
 * Initial weights. The std formulas are the spec's (He et al. 2015 with the PReLU correction,
 * Glorot and Bengio 2010, AlexNet's fixed gaussian); the draws come from the seeded Rng so every
 * backend starts from the same numbers.
 */
import type { Plan } from './plan';
import { Rng, mixSeed } from './rng';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Parameters (in plan order) then running statistics, all as the plan describes them. */
export function initialTensors(plan: Plan, seed: number): { params: NamedTensor[]; state: NamedTensor[] } {
  const params: NamedTensor[] = [];
  const state: NamedTensor[] = [];
  plan.steps.forEach((step, stepIndex) => {
    step.params.forEach((p, paramIndex) => {
      const data = new Float32Array(p.size);
      if (p.init.kind === 'normal') {
        // One stream per parameter: adding a layer does not change the others' draws.
        const rng = new Rng(mixSeed(seed, stepIndex, paramIndex), 1);
        for (let i = 0; i < data.length; i++) data[i] = rng.normal() * p.init.std;
      } else {
        data.fill(p.init.value);
      }
      params.push({ name: p.name, shape: p.shape, data });
    });
    for (const s of step.state) state.push({ name: s.name, shape: [s.size], data: new Float32Array(s.size).fill(s.value) });
  });
  return { params, state };
}
