/**
 * The learning rate at each step: the `train` statement's `lr` shaped by `schedule` and `warmup`.
 * - warmup=N: over the first N epochs the rate rises linearly, step by step, from lr/(N·steps) to lr;
 * - schedule=step(EVERY,FACTOR): multiplied by FACTOR after every EVERY epochs (counted from the first
 *   epoch, as PyTorch's StepLR stepped once an epoch);
 * - schedule=cosine: lr·(1 + cos(π·k/T))/2 in the k-th epoch (from 0) after the warmup, T the epochs
 *   after the warmup (PyTorch's CosineAnnealingLR with T_max=T, eta_min=0, stepped once an epoch);
 * - schedule=constant (the default): lr throughout.
 */
import type { Schedule } from '../../server/src/language/network';

export interface LearningRatePlan {
  lr: number;
  schedule: Schedule;
  warmup: number;
  epochs: number;
}

/** The rate for step `step` (from 0) of epoch `epoch` (from 1). */
export function learningRate(plan: LearningRatePlan, epoch: number, step: number, stepsPerEpoch: number): number {
  const { lr, schedule, warmup, epochs } = plan;
  let rate = lr;
  if (schedule.kind === 'step') rate = lr * schedule.factor ** Math.floor((epoch - 1) / schedule.every);
  else if (schedule.kind === 'cosine') {
    const after = epoch - 1 - warmup;
    if (after >= 0) rate = (lr * (1 + Math.cos((Math.PI * after) / Math.max(1, epochs - warmup)))) / 2;
  }
  if (epoch <= warmup) rate *= ((epoch - 1) * stepsPerEpoch + step + 1) / (warmup * stepsPerEpoch);
  return rate;
}

/** "constant", "step(3,0.1)", "cosine", with ", warmup 2 epochs" when there is one. */
export function describeSchedule(schedule: Schedule, warmup: number): string {
  const text = schedule.kind === 'step' ? `step(${schedule.every},${schedule.factor})` : schedule.kind;
  return warmup > 0 ? `${text} after a ${warmup}-epoch warmup` : text;
}
