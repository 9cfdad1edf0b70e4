/**
 * The layer arithmetic, in one place: output sizes, fan-in and fan-out, the init std and the
 * activation's negative slope. The analysis (and so hover, quick fixes, variance and the table)
 * and the runner's plan call these, so the numbers a user reads are the numbers that train.
 */
import type { Activation, Init, Rounding } from './network';

/** He et al.'s PReLU slopes start at 0.25; leaky ReLU's is fixed at 0.01; ReLU6 counts as ReLU. */
export function negativeSlope(act: Activation | undefined): number {
  if (act === 'prelu' || act === 'prelu-shared') return 0.25;
  if (act === 'leakyrelu') return 0.01;
  return 0;
}

/** The PReLU slopes' starting value (He et al. 2015), which the He std accounts for. */
export const PRELU_INITIAL_SLOPE = 0.25;

export function initStd(init: Init, act: Activation | undefined, fanIn: number, fanOut: number): number {
  switch (init.kind) {
    case 'he':
      return Math.sqrt(2 / ((1 + negativeSlope(act) ** 2) * fanIn));
    case 'xavier':
      return Math.sqrt(2 / (fanIn + fanOut));
    case 'gaussian':
      return init.std;
  }
}

/** (n + 2p - f)/s + 1, unrounded, and the size a framework makes of it. */
export function windowSize(n: number, kernel: number, stride: number, pad: number, round: Rounding): { raw: number; output: number } {
  const raw = (n + 2 * pad - kernel) / stride + 1;
  return { raw, output: round === 'floor' ? Math.floor(raw) : Math.ceil(raw) };
}

/**
 * Fan-in n = kh·kw·Cin/groups, the values one output reads. Fan-out = kh·kw·filters, as PyTorch's
 * `_calculate_fan_in_and_fan_out` counts it (groups do not divide it) and docs/language.md says.
 */
export function convFans(kernel: [number, number], inChannels: number, filters: number, groups: number): { fanIn: number; fanOut: number } {
  return { fanIn: (kernel[0] * kernel[1] * inChannels) / groups, fanOut: kernel[0] * kernel[1] * filters };
}

export function denseFans(inputs: number, units: number): { fanIn: number; fanOut: number } {
  return { fanIn: inputs, fanOut: units };
}

/** Trainable activation parameters: one PReLU slope per channel, or one for the layer. */
export function activationParams(act: Activation | undefined, channels: number): number {
  return act === 'prelu' ? channels : act === 'prelu-shared' ? 1 : 0;
}
