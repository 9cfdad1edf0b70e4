/**
 * How much a layer scales the variance of the signal at initialisation (He et al. 2015, eq. 10
 * forward and eq. 14 backward): n·Var[w] times the share of the variance the activation keeps,
 * ½(1 + a²) for a rectifier with negative slope a, 1 for a layer that is linear near 0.
 */
import { negativeSlope } from './analyze';
import type { Activation, NetworkLayer } from './network';

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

export function layerGains(layer: NetworkLayer): Gains | undefined {
  if (layer.initStd === undefined || layer.fanIn === undefined || layer.fanOut === undefined) return undefined;
  const variance = layer.initStd ** 2;
  const factor = activationFactor(layer.act);
  return { forward: factor * layer.fanIn * variance, backward: factor * layer.fanOut * variance };
}
