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
 * leaves SIGNAL_BAND. The products follow `inputs`: an `add` sums its operands' forward products
 * (independent terms: a plain residual network's variance grows with depth), a `concat` takes their
 * channel-weighted mean, a `batchnorm` resets the product to 1 (backward, it divides the gradient by
 * the standard deviation it divided the signal by); other layers without weights pass it through.
 * Backward, an output read by several layers receives the sum of their gradients' variances.
 */
export function signalAnalysis(layers: NetworkLayer[], inputIndices = indicesOf(layers)): SignalProblem[] {
  const problems: SignalProblem[] = [];
  const forward = new Float64Array(layers.length);
  const product = (i: number) => (i < 0 ? 1 : forward[i]);
  const inputProduct = (layer: NetworkLayer, inputs: number[]): number => {
    if (layer.kind === 'add') return inputs.reduce((a, i) => a + product(i), 0);
    if (layer.kind === 'concat') {
      const channels = (layer.inputShapes ?? []).map((s) => s[s.length - 1]);
      const total = channels.reduce((a, b) => a + b, 0);
      return total ? inputs.reduce((a, i, k) => a + product(i) * channels[k], 0) / total : product(inputs[0]);
    }
    return product(inputs[0]);
  };
  const gains = layers.map(layerGains);
  let reported = false;
  layers.forEach((layer, i) => {
    const g = gains[i];
    let p = inputProduct(layer, inputIndices[i]);
    if (layer.kind === 'batchnorm') p = 1;
    if (g) p *= g.forward;
    else if (layer.act && layer.act !== 'none') p *= activationFactor(layer.act);
    forward[i] = p;
    if (!g) return;
    layer.signal = { forward: g.forward, backward: g.backward, forwardProduct: p, backwardProduct: 1 };
    if (!reported && (p < SIGNAL_BAND[0] || p > SIGNAL_BAND[1])) {
      reported = true;
      problems.push(problem(layer, p, 'forward', 'from the input up to'));
    }
  });

  // Backward: the variance arriving at each output, from the loss (1 at the last layer) down.
  const arriving = new Float64Array(layers.length);
  if (layers.length) arriving[layers.length - 1] = 1;
  const firstWeighted = gains.findIndex((g) => g !== undefined);
  reported = false;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    const g = gains[i];
    const atOutput = arriving[i];
    let passed = atOutput;
    if (g) {
      // He et al. leave out the first layer's factor: nothing needs the gradient of the image.
      passed = i === firstWeighted ? atOutput : atOutput * g.backward;
      layer.signal!.backwardProduct = passed;
      if (i !== firstWeighted && !reported && (passed < SIGNAL_BAND[0] || passed > SIGNAL_BAND[1])) {
        reported = true;
        problems.push(problem(layer, passed, 'backward', 'from the loss down to'));
      }
    } else {
      // A rectifier on batchnorm or a merge passes its share of the gradient's variance, as it does forward.
      if (layer.act && layer.act !== 'none') passed *= activationFactor(layer.act);
      if (layer.kind === 'batchnorm') {
        const into = product(inputIndices[i][0]);
        if (into > 0) passed /= into;
      }
    }
    for (const k of inputIndices[i]) if (k >= 0) arriving[k] += passed;
  }
  return problems;
}

/** Each layer's inputs as indices into `layers` (-1: the network's input). */
function indicesOf(layers: NetworkLayer[]): number[][] {
  const at = new Map<string, number>(layers.map((l, i) => [l.name, i]));
  return layers.map((l) => l.inputs.map((name) => at.get(name) ?? -1));
}

function problem(layer: NetworkLayer, product: number, direction: 'forward' | 'backward', span: string): SignalProblem {
  const vanishing = product < SIGNAL_BAND[0];
  const factor = direction === 'forward' ? '½·n·Var[w]' : '½·n̂·Var[w]';
  const equation = direction === 'forward' ? 'eq. 10' : 'eq. 14';
  const consequence = vanishing ? 'deep plain networks then stall (He et al. 2015)' : 'training then diverges';
  // He's std makes each forward factor exactly 1; backward each becomes n̂/n, whose product telescopes.
  const remedy = direction === 'forward'
    ? 'init=he makes each forward factor 1'
    : 'init=he makes each backward factor n̂/n (fan-out over fan-in), so their product no longer shrinks or grows with depth';
  return {
    layer,
    code: vanishing ? 'vanishing-signal' : 'exploding-signal',
    message:
      `The ${direction} signal ${vanishing ? 'vanishes' : 'explodes'} at initialisation: ${span} ${layer.name} its variance is scaled by ` +
      `${formatStd(product)} (the product of ${factor} per layer, He et al. ${equation}); ${consequence}. ${remedy}`,
  };
}

export function layerGains(layer: NetworkLayer): Gains | undefined {
  if (layer.initStd === undefined || layer.fanIn === undefined || layer.fanOut === undefined) return undefined;
  const variance = layer.initStd ** 2;
  const factor = activationFactor(layer.act);
  return { forward: factor * layer.fanIn * variance, backward: factor * layer.fanOut * variance };
}
