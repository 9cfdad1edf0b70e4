/**
 * The wiring of a plan, shared by both backends: which output each step reads, which steps pass a
 * gradient back, where gradients must be summed because one output feeds several steps (fan-out),
 * and which gradient buffer each output's gradient lives in, reusing a buffer once its gradient is
 * consumed. Forward outputs are not reused: the backward pass reads them all (a conv's input for its
 * weight gradient, tanh's output for its own).
 */
import { NETWORK_INPUT, type Plan, type Step } from './plan';

/**
 * What a step's backward does with one operand's gradient. Readers of an output pass their
 * gradients back in backward order (the last reader first): the first assigns, the next ones add.
 * `skip`: the operand is the network input, or the step passes no gradient back.
 */
export type GradientWrite = 'assign' | 'add' | 'skip';

/** Index of the network input in `sources`. */
export const INPUT_SOURCE = -1;

export interface Wiring {
  /** Per step, per operand: the index of the step whose output it reads, or INPUT_SOURCE. */
  sources: number[][];
  /** Per step: the steps that read its output, in order. */
  readers: number[][];
  /**
   * Per step: whether its output reaches the loss. A step whose output nothing downstream uses
   * still runs forward (batchnorm keeps its statistics) but has no backward: its gradients stay 0.
   */
  backward: boolean[];
  /** Per step, per operand (aligned with sources). */
  gradient: GradientWrite[][];
  /** Per step: the gradient buffer holding its output's gradient; -1 when it has no backward. */
  gradientSlot: number[];
  /** Per gradient buffer: the values per sample it must hold (the largest gradient placed in it). */
  gradientSlotSizes: number[];
  /**
   * Per operand position: the values per sample of the largest gradient an `add` write at that
   * position makes, 0 where there is none. A backend that cannot add in place writes such a
   * gradient there and then adds it; a merge writes several at once, so one per position.
   */
  scratchSizes: number[];
}

export function wire(plan: Pick<Plan, 'steps'>): Wiring {
  const steps: Step[] = plan.steps;
  const n = steps.length;
  const index = new Map<string, number>();
  const sources = steps.map((step, i) => {
    const mine = step.inputs.map((name) => {
      if (name === NETWORK_INPUT) return INPUT_SOURCE;
      const at = index.get(name);
      // buildPlan refuses these; a hand-made plan could still carry them.
      if (at === undefined) throw new Error(`step ${step.name} reads ${name}, which no earlier step writes`);
      return at;
    });
    if (index.has(step.name)) throw new Error(`two steps are named ${step.name}`);
    index.set(step.name, i);
    return mine;
  });
  const readers: number[][] = steps.map(() => []);
  sources.forEach((mine, i) => mine.forEach((s) => { if (s !== INPUT_SOURCE) readers[s].push(i); }));

  const backward = new Array<boolean>(n).fill(false);
  for (let i = n - 1; i >= 0; i--) backward[i] = i === n - 1 || readers[i].some((r) => backward[r]);

  // Gradient writers of each output, in backward order: the readers that pass a gradient back.
  const writers = readers.map((rs) => rs.filter((r) => backward[r]).reverse());
  const gradient = sources.map((mine, i) => mine.map((s): GradientWrite => {
    if (!backward[i] || s === INPUT_SOURCE) return 'skip';
    return writers[s][0] === i ? 'assign' : 'add';
  }));

  // Liveness in backward time: the loss writes the last step's gradient at time 0, step i runs its
  // backward at time n - i. An output's gradient is live from its first write to its producer's
  // backward, both included (a step reads its output gradient while writing its inputs').
  const live: { step: number; from: number; to: number }[] = [];
  for (let i = n - 1; i >= 0; i--) {
    if (!backward[i]) continue;
    live.push({ step: i, from: i === n - 1 ? 0 : n - writers[i][0], to: n - i });
  }
  live.sort((a, b) => a.from - b.from || b.step - a.step);
  const gradientSlot = new Array<number>(n).fill(-1);
  const gradientSlotSizes: number[] = [];
  const freeAt: number[] = [];
  for (const { step, from, to } of live) {
    let slot = freeAt.findIndex((t) => t < from);
    if (slot < 0) { slot = freeAt.length; freeAt.push(0); gradientSlotSizes.push(0); }
    freeAt[slot] = to;
    gradientSlot[step] = slot;
    gradientSlotSizes[slot] = Math.max(gradientSlotSizes[slot], steps[step].outSize);
  }
  const scratchSizes: number[] = [];
  gradient.forEach((writes, i) => writes.forEach((w, k) => {
    while (scratchSizes.length <= k) scratchSizes.push(0);
    if (w === 'add') scratchSizes[k] = Math.max(scratchSizes[k], steps[sources[i][k]].outSize);
  }));
  while (scratchSizes.length && scratchSizes[scratchSizes.length - 1] === 0) scratchSizes.pop();
  return { sources, readers, backward, gradient, gradientSlot, gradientSlotSizes, scratchSizes };
}
