/**
 * A job's Network is a claim, not a fact: it arrives over JSON-RPC from any client. Before the plan
 * trusts a layer, every number the runner reads from it is checked to be a real number of the right
 * kind (never null, NaN or Infinity, which JSON turns into null), and every shape, fan, parameter
 * count and init std the layer claims is recomputed from its parameters with the language's own
 * arithmetic (layerMath). A disagreement refuses the job with a message naming the layer, so a job
 * with a kernel larger than its input and a made-up output shape never reaches a kernel.
 */
import { ACTIVATIONS } from '../../server/src/language/keys';
import { activationParams, convFans, denseFans, initStd, windowSize } from '../../server/src/language/layerMath';
import type { Activation, Init, Network, NetworkLayer, Shape } from '../../server/src/language/network';

export class ClaimError extends Error {}

/** Relative tolerance for a claimed init std (a client may round it); shapes and counts are exact. */
export const STD_TOLERANCE = 1e-6;
/** Values per sample in one tensor: beyond this a shape is made up (and no typed array could hold a batch of it). */
export const MAX_TENSOR_VALUES = 2 ** 31 - 1;

const shapeText = (s: readonly number[]): string => s.join('x');
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function refuse(layer: string, message: string): never {
  throw new ClaimError(`layer ${layer}: ${message}`);
}

function describe(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** A whole number >= min; null, NaN, Infinity, fractions and strings are refused. */
function whole(layer: string, key: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) refuse(layer, `${key} must be a whole number ≥ ${min}, got ${describe(v)}`);
  return v;
}

/** A finite number. */
function finite(layer: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) refuse(layer, `${key} must be a finite number, got ${describe(v)}`);
  return v;
}

function pairOf(layer: string, key: string, v: unknown, min: number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) refuse(layer, `${key} must be [H, W], got ${describe(v)}`);
  return [whole(layer, `${key}[0]`, v[0], min), whole(layer, `${key}[1]`, v[1], min)];
}

/** Optional keys may be absent; present, they must not be null (that silently took a default before). */
function optional<T>(layer: NetworkLayer, key: keyof NetworkLayer, read: (v: unknown) => T): T | undefined {
  const v = (layer as unknown as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  if (v === null) refuse(layer.name, `${key} is null; leave it out to take the default, or give a value`);
  return read(v);
}

function checkShape(layer: string, key: string, v: unknown): Shape {
  if (!Array.isArray(v) || (v.length !== 1 && v.length !== 3)) refuse(layer, `${key} must be [H, W, C] or [N], got ${describe(v)}`);
  v.forEach((d, i) => whole(layer, `${key}[${i}]`, d, 1));
  if (size(v) > MAX_TENSOR_VALUES) refuse(layer, `${key} ${shapeText(v)} has ${size(v)} values per sample, more than any tensor here can hold`);
  return v as Shape;
}

function checkInit(layer: string, v: unknown): Init {
  const init = v as Init;
  const ok = !!init && typeof init === 'object' && (init.kind === 'he' || init.kind === 'xavier'
    || (init.kind === 'gaussian' && typeof init.std === 'number' && Number.isFinite(init.std) && init.std > 0));
  if (!ok) refuse(layer, `init must be {kind: "he"}, {kind: "xavier"} or {kind: "gaussian", std > 0}, got ${describe(v)}`);
  return init;
}

function checkAct(layer: string, v: unknown): Activation {
  if (typeof v !== 'string' || !ACTIVATIONS.includes(v as Activation)) refuse(layer, `act must be one of ${ACTIVATIONS.join(', ')}, got ${describe(v)}`);
  return v as Activation;
}

function same(layer: string, what: string, claimed: Shape, computed: Shape, how: string): void {
  if (claimed.length !== computed.length || claimed.some((v, i) => v !== computed[i])) {
    refuse(layer, `the job claims ${what} ${shapeText(claimed)}, but ${how} gives ${shapeText(computed)}`);
  }
}

function equalCount(layer: string, key: string, claimed: unknown, computed: number, how: string): void {
  const v = whole(layer, key, claimed, 0);
  if (v !== computed) refuse(layer, `the job claims ${key}=${v}, but ${how} gives ${computed}`);
}

/**
 * Checks one layer's claims against its parameters, given the operand shapes the plan already
 * matched to the outputs of the layers it reads. Returns nothing; throws ClaimError naming the layer.
 */
export function checkLayerClaims(layer: NetworkLayer, inShapes: Shape[]): void {
  const name = layer.name;
  const input = checkShape(name, 'input', layer.input);
  const output = checkShape(name, 'output', layer.output);
  const kernel = optional(layer, 'kernel', (v) => pairOf(name, 'kernel', v, 1));
  const stride = optional(layer, 'stride', (v) => pairOf(name, 'stride', v, 1));
  const pad = optional(layer, 'pad', (v) => pairOf(name, 'pad', v, 0));
  const round = optional(layer, 'round', (v) => {
    if (v !== 'floor' && v !== 'ceil') refuse(name, `round must be floor or ceil, got ${describe(v)}`);
    return v;
  }) ?? 'floor';
  const groups = optional(layer, 'groups', (v) => whole(name, 'groups', v, 1));
  const count = optional(layer, 'count', (v) => whole(name, 'count', v, 1));
  const act = optional(layer, 'act', (v) => checkAct(name, v));
  const init = optional(layer, 'init', (v) => checkInit(name, v));
  const bias = optional(layer, 'bias', (v) => {
    if (typeof v !== 'boolean') refuse(name, `bias must be true or false, got ${describe(v)}`);
    return v;
  });
  optional(layer, 'rate', (v) => {
    const rate = finite(name, 'rate', v);
    if (!(rate >= 0 && rate < 1)) refuse(name, `dropout rate must be in [0, 1), got ${rate}`);
    return rate;
  });
  optional(layer, 'size', (v) => whole(name, 'size', v, 1));
  const claimedStd = optional(layer, 'initStd', (v) => finite(name, 'initStd', v));
  const claimedFanIn = optional(layer, 'fanIn', (v) => whole(name, 'fanIn', v, 0));
  const claimedFanOut = optional(layer, 'fanOut', (v) => whole(name, 'fanOut', v, 0));
  if (layer.inputShapes !== undefined) {
    if (layer.inputShapes === null || !Array.isArray(layer.inputShapes)) refuse(name, `inputShapes must be a list of shapes, got ${describe(layer.inputShapes)}`);
    layer.inputShapes.forEach((s, i) => checkShape(name, `inputShapes[${i}]`, s));
  }
  same(name, 'input', input, inShapes[0], 'the output it reads');

  // What the layer computes, from its parameters alone.
  let computed: Shape = input;
  let fans: { fanIn: number; fanOut: number } | undefined;
  let weights = 0, biases = 0;
  const channelsOut = (s: Shape) => s[s.length - 1];
  switch (layer.kind) {
    case 'conv':
    case 'maxpool':
    case 'avgpool': {
      if (input.length !== 3) refuse(name, `${layer.kind} needs an HxWxC input, got ${shapeText(input)}`);
      if (!kernel) refuse(name, `${layer.kind} needs a kernel`);
      const s = stride ?? (layer.kind === 'conv' ? [1, 1] : kernel);
      const p = pad ?? [0, 0];
      const out: number[] = [];
      for (const axis of [0, 1]) {
        if (kernel[axis] > input[axis] + 2 * p[axis]) {
          refuse(name, `the ${kernel[axis]}-wide kernel does not fit in the ${input[axis]} + 2·${p[axis]} ${axis === 0 ? 'rows' : 'columns'} of its ${shapeText(input)} input`);
        }
        if (layer.kind !== 'conv' && p[axis] > kernel[axis] / 2) refuse(name, `pooling padding ${shapeText(p)} is more than half the kernel ${shapeText(kernel)}`);
        out.push(windowSize(input[axis], kernel[axis], s[axis], p[axis], round).output);
      }
      let channels = input[2];
      if (layer.kind === 'conv') {
        const filters = count ?? (output as number[])[2];
        const g = groups ?? 1;
        if (input[2] % g || filters % g) refuse(name, `groups=${g} must divide ${input[2]} input channels and ${filters} filters`);
        channels = filters;
        fans = convFans(kernel, input[2], filters, g);
        weights = filters * fans.fanIn;
        biases = (bias ?? true) ? filters : 0;
      }
      computed = [out[0], out[1], channels];
      same(name, 'output', output, computed, `(n + 2p - f)/s + 1 with kernel ${shapeText(kernel)}, stride ${shapeText(s)}, pad ${shapeText(p)}, round=${round}${layer.kind === 'conv' ? `, ${channels} filters` : ''} on ${shapeText(input)}`);
      break;
    }
    case 'globalavgpool':
      if (input.length !== 3) refuse(name, `global average pooling needs an HxWxC input, got ${shapeText(input)}`);
      computed = [1, 1, input[2]];
      same(name, 'output', output, computed, `global average pooling of ${shapeText(input)}`);
      break;
    case 'fc':
    case 'softmax': {
      const units = count ?? (output.length === 1 ? output[0] : size(output));
      computed = [units];
      same(name, 'output', output, computed, `${units} units`);
      fans = denseFans(size(input), units);
      weights = units * fans.fanIn;
      biases = (bias ?? true) ? units : 0;
      break;
    }
    case 'dropout':
    case 'lrn':
    case 'batchnorm':
      same(name, 'output', output, input, `${layer.kind}, which keeps its input's shape,`);
      if (layer.kind === 'batchnorm') weights = biases = channelsOut(input);
      break;
    case 'add':
    case 'concat':
      // The plan recomputes a merge's output from its operands and refuses a mismatch.
      computed = output;
      break;
    default:
      refuse(name, `unknown kind ${describe((layer as NetworkLayer).kind)}`);
  }

  // Fans, std and parameter counts of weighted layers.
  if (fans) {
    if (claimedFanIn !== undefined && claimedFanIn !== fans.fanIn) refuse(name, `the job claims fanIn=${claimedFanIn}, but the layer's parameters give ${fans.fanIn}`);
    if (claimedFanOut !== undefined && claimedFanOut !== fans.fanOut) refuse(name, `the job claims fanOut=${claimedFanOut}, but the layer's parameters give ${fans.fanOut}`);
    if (claimedStd !== undefined) {
      const std = initStd(init ?? { kind: 'he' }, layer.kind === 'softmax' ? 'none' : act ?? 'relu', fans.fanIn, fans.fanOut);
      if (!(Math.abs(claimedStd - std) <= STD_TOLERANCE * std)) {
        refuse(name, `the job claims initStd=${claimedStd}, but ${(init ?? { kind: 'he' }).kind} init with act=${act ?? 'relu'}, fan-in ${fans.fanIn} and fan-out ${fans.fanOut} gives ${std}`);
      }
    }
  }
  const slopes = activationParams(layer.kind === 'softmax' ? undefined : act ?? (layer.kind === 'conv' || layer.kind === 'fc' ? 'relu' : undefined), channelsOut(computed));
  const how = 'the layer\'s parameters';
  equalCount(name, 'weights', layer.weights, weights, how);
  equalCount(name, 'biases', layer.biases, biases, how);
  equalCount(name, 'activationParams', layer.activationParams, slopes, `act=${act ?? 'none'} on ${channelsOut(computed)} channels`);
  equalCount(name, 'params', layer.params, weights + biases + slopes, `${weights} weights + ${biases} biases + ${slopes} activation parameters`);
}

/** The network's total, once every layer's count is checked. */
export function checkTotals(network: Network): void {
  const totals = network.totals as unknown;
  if (totals === undefined) return;
  if (totals === null || typeof totals !== 'object') throw new ClaimError(`totals must be an object, got ${describe(totals)}`);
  const claimed = (totals as { params?: unknown }).params;
  if (claimed === undefined) return;
  const sum = network.layers.reduce((n, l) => n + l.params, 0);
  if (typeof claimed !== 'number' || !Number.isSafeInteger(claimed) || claimed !== sum) {
    throw new ClaimError(`the job claims totals.params=${describe(claimed)}, but its layers' parameters add up to ${sum}`);
  }
}
