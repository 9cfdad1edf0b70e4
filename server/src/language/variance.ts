/**
 * How much a layer scales the variance of the signal at initialisation (He et al. 2015, eq. 10
 * forward and eq. 14 backward): n·Var[w] times the share of the variance the activation keeps,
 * ½(1 + a²) for a rectifier with negative slope a, 1 for a layer that is linear near 0.
 */
import { negativeSlope } from './analyze';
import type { Activation, NetworkLayer } from './network';
import { formatStd } from './numbers';

/** Outside this band the signal has shrunk or grown a thousandfold: training stalls or diverges. */
export const SIGNAL_BAND: readonly [number, number] = [1e-3, 1e3];

export interface Gains {
  forward: number;
  backward: number;
}

/** The share of Var[y] that survives the activation as E[x²], for zero-mean symmetric y. */
export function activationFactor(act: Activation | undefined): number {
  switch (act) {
    case 'relu':
    case 'prelu':
    case 'prelu-shared':
    case 'leakyrelu':
      return (1 + negativeSlope(act) ** 2) / 2;
    case 'sigmoid':
      // Slope 1/4 at 0: the signal's variance is scaled by 1/16.
      return 1 / 16;
    default:
      // tanh (slope 1 at 0), none, and softmax's linear part: Glorot and Bengio's linear regime.
      return 1;
  }
}

export interface SignalProblem {
  layer: NetworkLayer;
  code: 'vanishing-signal' | 'exploding-signal';
  message: string;
}

/**
 * Fills each weighted layer's `signal` and says where the forward or backward product first
 * leaves SIGNAL_BAND.
 */
export function signalAnalysis(layers: NetworkLayer[]): SignalProblem[] {
  const weighted = layers.flatMap((layer) => {
    const gains = layerGains(layer);
    return gains ? [{ layer, gains }] : [];
  });
  const problems: SignalProblem[] = [];
  let forward = 1;
  let reported = false;
  for (const { layer, gains } of weighted) {
    forward *= gains.forward;
    layer.signal = { forward: gains.forward, backward: gains.backward, forwardProduct: forward, backwardProduct: 1 };
    if (!reported && (forward < SIGNAL_BAND[0] || forward > SIGNAL_BAND[1])) {
      reported = true;
      problems.push(problem(layer, forward, 'forward', 'from the input up to'));
    }
  }
  let backward = 1;
  reported = false;
  for (let i = weighted.length - 1; i >= 1; i--) {
    const { layer, gains } = weighted[i];
    backward *= gains.backward;
    layer.signal!.backwardProduct = backward;
    if (!reported && (backward < SIGNAL_BAND[0] || backward > SIGNAL_BAND[1])) {
      reported = true;
      problems.push(problem(layer, backward, 'backward', 'from the loss down to'));
    }
  }
  if (weighted.length) weighted[0].layer.signal!.backwardProduct = backward;
  return problems;
}

function problem(layer: NetworkLayer, product: number, direction: 'forward' | 'backward', span: string): SignalProblem {
  const vanishing = product < SIGNAL_BAND[0];
  const factor = direction === 'forward' ? '½·n·Var[w]' : '½·n̂·Var[w]';
  const equation = direction === 'forward' ? 'eq. 10' : 'eq. 14';
  const consequence = vanishing ? 'deep plain networks then stall (He et al. 2015)' : 'training then diverges';
  return {
    layer,
    code: vanishing ? 'vanishing-signal' : 'exploding-signal',
    message:
      `The ${direction} signal ${vanishing ? 'vanishes' : 'explodes'} at initialisation: ${span} ${layer.name} its variance is scaled by ` +
      `${formatStd(product)} (the product of ${factor} per layer, He et al. ${equation}); ${consequence}. init=he keeps each forward factor at 1`,
  };
}

export function layerGains(layer: NetworkLayer): Gains | undefined {
  if (layer.initStd === undefined || layer.fanIn === undefined || layer.fanOut === undefined) return undefined;
  const variance = layer.initStd ** 2;
  const factor = activationFactor(layer.act);
  return { forward: factor * layer.fanIn * variance, backward: factor * layer.fanOut * variance };
}
