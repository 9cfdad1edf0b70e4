/**
 * The plan: what the runner will compute, derived from the analysed Network (never from text).
 * Each Network layer becomes one or two steps (a conv, fc, batchnorm or merge with an activation
 * becomes that step followed by an activation step), with flat tensor sizes per sample, the
 * parameters it owns, and the steps it reads, following the Network's `inputs` (a graph, not a chain).
 */
import { activationParams, convFans, denseFans, initStd, PRELU_INITIAL_SLOPE } from '../../server/src/language/layerMath';
import type { Activation, Init, Network, NetworkLayer, Shape } from '../../server/src/language/network';
import { checkLayerClaims, checkTotals, ClaimError, MAX_TENSOR_VALUES } from './claims';

export class PlanError extends Error {}

export interface ParamSpec {
  /**
   * Name in the weights file: `<layer>.weight`, `.bias`, `.slope`; batchnorm's scale and shift are
   * `.weight` and `.bias` too, as torchvision's state dicts name them.
   */
  name: string;
  shape: number[];
  size: number;
  /** How it starts. */
  init: { kind: 'normal'; std: number } | { kind: 'constant'; value: number };
  /** Weight decay applies to weights only: not to biases, PReLU slopes (He et al. 2015) or batchnorm. */
  decay: boolean;
}

/** Running statistics: saved with the weights, not trained. */
export interface StateSpec {
  name: string;
  size: number;
  value: number;
}

/** What a step reads: the network's input, by this name, or earlier steps by their `name`. */
export const NETWORK_INPUT = 'input';

interface StepBase {
  /**
   * Unique among the steps. The step whose output is a layer's output carries the layer's full name,
   * so the Network's `inputs` name steps directly; a step before it (the weighted step of a layer
   * with an activation) is `<layer>#<kind>`: `#` starts a comment in a .cnn file, so no layer has it.
   */
  name: string;
  /** Step names read, in order, or NETWORK_INPUT. */
  inputs: string[];
  /** The Network layer this step computes (part of). */
  layer: string;
  /** The shape read (a merge's first operand). */
  inShape: Shape;
  outShape: Shape;
  /** Values per sample in and out. */
  inSize: number;
  outSize: number;
  params: ParamSpec[];
  state: StateSpec[];
}

export interface ConvStep extends StepBase {
  kind: 'conv';
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  groups: number;
  filters: number;
  bias: boolean;
}
export interface PoolStep extends StepBase {
  kind: 'maxpool' | 'avgpool';
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
}
export interface GlobalAvgPoolStep extends StepBase {
  kind: 'globalavgpool';
}
export interface FcStep extends StepBase {
  kind: 'fc';
  units: number;
  bias: boolean;
}
export interface ActivationStep extends StepBase {
  kind: 'activation';
  act: Exclude<Activation, 'none'>;
  /** Channels the PReLU slopes are per (last axis of the shape). */
  channels: number;
}
export interface DropoutStep extends StepBase {
  kind: 'dropout';
  rate: number;
}
export interface LrnStep extends StepBase {
  kind: 'lrn';
  size: number;
  channels: number;
}
export interface BatchNormStep extends StepBase {
  kind: 'batchnorm';
  channels: number;
}
/** Element-wise sum of two or more operands of one shape. */
export interface AddStep extends StepBase {
  kind: 'add';
  inShapes: Shape[];
}
/**
 * Operands side by side along the channels (the last axis) in the order listed; a flat vector is
 * one position with its length as channels, so both cases are one layout rule.
 */
export interface ConcatStep extends StepBase {
  kind: 'concat';
  inShapes: Shape[];
  /** H·W, shared by every operand (1 for flat vectors). */
  positions: number;
  /** Channels of each operand, in order. */
  channels: number[];
}

export type Step = ConvStep | PoolStep | GlobalAvgPoolStep | FcStep | ActivationStep | DropoutStep | LrnStep | BatchNormStep | AddStep | ConcatStep;

/** The operands' shapes of any step: a merge's list, or its one input. */
export function inShapesOf(step: Step): Shape[] {
  return step.kind === 'add' || step.kind === 'concat' ? step.inShapes : [step.inShape];
}

export interface Plan {
  name: string;
  input: [number, number, number];
  inputSize: number;
  classes: number;
  /** The last step is the softmax layer's fc; softmax with cross-entropy follows as the loss. */
  steps: Step[];
  paramCount: number;
}

export interface PlanOverrides {
  act?: Activation;
  init?: Init;
}

function size(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function channelsOf(shape: Shape): number {
  return shape.length === 3 ? shape[2] : shape[0];
}

function isShape(s: unknown): s is Shape {
  return Array.isArray(s) && (s.length === 1 || s.length === 3) && s.every((v) => Number.isSafeInteger(v) && v > 0) && size(s as Shape) <= MAX_TENSOR_VALUES;
}

function pair(v: unknown, what: string, layer: string, min = 0): [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= min)) return [v[0], v[1]];
  throw new PlanError(`layer ${layer}: ${what} must be [H, W] of whole numbers, got ${JSON.stringify(v)}`);
}

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const shapeText = (s: Shape): string => s.join('x');

export function buildPlan(network: Network, overrides: PlanOverrides = {}): Plan {
  if (!network || typeof network !== 'object' || !Array.isArray(network.layers)) {
    throw new PlanError('the job has no network: expected the analysed Network object with a layers array');
  }
  const errors = (network.diagnostics ?? []).filter((d) => d.severity === 'error');
  if (errors.length) {
    throw new PlanError(`the network has ${errors.length} error(s); the first, line ${errors[0].line}: ${errors[0].message}`);
  }
  if (!isShape(network.input) || network.input.length !== 3) {
    throw new PlanError(`the network needs an input HxWxC, got ${JSON.stringify(network.input)}`);
  }
  if (network.layers.length === 0) throw new PlanError('the network has no layers');
  const notObject = network.layers.findIndex((l) => !l || typeof l !== 'object' || Array.isArray(l));
  if (notObject >= 0) throw new PlanError(`layer ${notObject + 1} of the job is not a layer object: ${JSON.stringify(network.layers[notObject])}`);
  const last = network.layers[network.layers.length - 1];
  if (last.kind !== 'softmax') {
    throw new PlanError(`training needs a softmax layer last (the classifier and its loss); the last layer, ${last.name}, is ${last.kind}`);
  }
  const steps: Step[] = [];
  // Output shape of every layer defined so far, by full name: a layer may read only these.
  const outputs = new Map<string, Shape>([[NETWORK_INPUT, network.input]]);
  for (const layer of network.layers) {
    if (typeof layer.name !== 'string' || !layer.name || layer.name.includes('#')) {
      throw new PlanError(`a layer has no usable name: ${JSON.stringify(layer.name)}`);
    }
    if (outputs.has(layer.name)) {
      throw new PlanError(`layer ${layer.name}: ${layer.name === NETWORK_INPUT ? 'the name input is the network input\'s' : 'the name is used twice'}`);
    }
    if (!isShape(layer.input) || !isShape(layer.output)) {
      throw new PlanError(`layer ${layer.name}: input and output shapes are missing or malformed`);
    }
    if (layer.kind === 'softmax' && layer !== last) throw new PlanError(`layer ${layer.name}: softmax must be the last layer`);
    const merge = layer.kind === 'add' || layer.kind === 'concat';
    if (!Array.isArray(layer.inputs) || layer.inputs.length === 0) throw new PlanError(`layer ${layer.name}: it names no inputs`);
    if (merge ? layer.inputs.length < 2 : layer.inputs.length !== 1) {
      throw new PlanError(`layer ${layer.name}: ${layer.kind} reads ${merge ? 'two or more inputs' : 'one input'}, got ${layer.inputs.length} (${layer.inputs.join(', ')})`);
    }
    if (new Set(layer.inputs).size !== layer.inputs.length) throw new PlanError(`layer ${layer.name}: it names an input twice (${layer.inputs.join(', ')})`);
    const declared = merge ? layer.inputShapes : [layer.input];
    if (!Array.isArray(declared) || declared.length !== layer.inputs.length || !declared.every(isShape)) {
      throw new PlanError(`layer ${layer.name}: ${layer.kind} needs inputShapes, one shape per input, got ${JSON.stringify(declared)}`);
    }
    layer.inputs.forEach((source, k) => {
      const actual = outputs.get(source);
      if (!actual) throw new PlanError(`layer ${layer.name}: it reads ${source}, which is not a layer defined before it`);
      if (!sameShape(actual, declared[k])) {
        const what = source === NETWORK_INPUT ? 'the network input' : `${source}'s`;
        throw new PlanError(`layer ${layer.name}: its input ${shapeText(declared[k])} does not match the previous output it reads, ${what} ${shapeText(actual)}`);
      }
    });
    try {
      checkLayerClaims(layer, declared);
    } catch (error) {
      if (error instanceof ClaimError) throw new PlanError(error.message);
      throw error;
    }
    steps.push(...stepsFor(layer, declared, overrides));
    outputs.set(layer.name, layer.output);
  }
  try {
    checkTotals(network);
  } catch (error) {
    if (error instanceof ClaimError) throw new PlanError(error.message);
    throw error;
  }
  const paramCount = steps.reduce((n, s) => n + s.params.reduce((m, p) => m + p.size, 0), 0);
  return {
    name: network.network ?? 'network',
    input: network.input,
    inputSize: size(network.input),
    classes: last.count ?? channelsOf(last.output),
    steps,
    paramCount,
  };
}

/**
 * The layer's steps, the first reading the layer's inputs, the last named as the layer. With an
 * activation, the weighted (or merge, or batchnorm) step is `<layer>#<kind>` and the activation
 * step, whose output is the layer's, is `<layer>`.
 */
function stepsFor(layer: NetworkLayer, inShapes: Shape[], overrides: PlanOverrides): Step[] {
  const name = layer.name;
  const withAct = (step: Step, act: Activation, shape: Shape): Step[] => {
    if (act === 'none') return [step];
    step.name = `${name}#${step.kind}`;
    return [step, activationStep(name, step.name, shape, act)];
  };
  const base = {
    name,
    inputs: [...layer.inputs],
    layer: name,
    inShape: layer.input,
    outShape: layer.output,
    inSize: size(layer.input),
    outSize: size(layer.output),
    params: [] as ParamSpec[],
    state: [] as StateSpec[],
  };
  // The Network's std is the analysis's; a training override of act or init needs it recomputed.
  const stdFor = (init: Init, act: Activation, fans: { fanIn: number; fanOut: number }): number =>
    overrides.act || overrides.init || layer.initStd === undefined ? initStd(init, act, fans.fanIn, fans.fanOut) : layer.initStd;
  switch (layer.kind) {
    case 'conv': {
      if (layer.input.length !== 3 || layer.output.length !== 3) throw new PlanError(`layer ${name}: conv needs an HxWxC input`);
      const kernel = pair(layer.kernel, 'kernel', name, 1);
      const groups = layer.groups ?? 1;
      const filters = layer.count ?? layer.output[2];
      const cin = layer.input[2];
      if (cin % groups || filters % groups) throw new PlanError(`layer ${name}: groups=${groups} must divide ${cin} input channels and ${filters} filters`);
      const act = overrides.act ?? layer.act ?? 'relu';
      const init = overrides.init ?? layer.init ?? { kind: 'he' };
      const fans = convFans(kernel, cin, filters, groups);
      const std = stdFor(init, act, fans);
      const bias = layer.bias ?? true;
      const step: ConvStep = {
        ...base, kind: 'conv', kernel, stride: pair(layer.stride ?? [1, 1], 'stride', name, 1), pad: pair(layer.pad ?? [0, 0], 'pad', name),
        groups, filters, bias,
      };
      step.params.push({ name: `${name}.weight`, shape: [filters, kernel[0], kernel[1], cin / groups], size: filters * fans.fanIn, init: { kind: 'normal', std }, decay: true });
      if (bias) step.params.push({ name: `${name}.bias`, shape: [filters], size: filters, init: { kind: 'constant', value: 0 }, decay: false });
      return withAct(step, act, layer.output);
    }
    case 'maxpool':
    case 'avgpool': {
      if (layer.input.length !== 3) throw new PlanError(`layer ${name}: pooling needs an HxWxC input`);
      const kernel = pair(layer.kernel, 'kernel', name, 1);
      return [{ ...base, kind: layer.kind, kernel, stride: pair(layer.stride ?? kernel, 'stride', name, 1), pad: pair(layer.pad ?? [0, 0], 'pad', name) }];
    }
    case 'globalavgpool':
      if (layer.input.length !== 3) throw new PlanError(`layer ${name}: global average pooling needs an HxWxC input`);
      return [{ ...base, kind: 'globalavgpool' }];
    case 'fc':
    case 'softmax': {
      const units = layer.count ?? size(layer.output);
      const inputs = size(layer.input);
      // The softmax layer's activation is the softmax itself, computed with the loss.
      const act = layer.kind === 'softmax' ? 'none' : overrides.act ?? layer.act ?? 'relu';
      const init = overrides.init ?? layer.init ?? { kind: 'he' };
      const std = stdFor(init, act, denseFans(inputs, units));
      const bias = layer.bias ?? true;
      const step: FcStep = { ...base, kind: 'fc', units, bias, outShape: [units], outSize: units };
      step.params.push({ name: `${name}.weight`, shape: [units, inputs], size: units * inputs, init: { kind: 'normal', std }, decay: true });
      if (bias) step.params.push({ name: `${name}.bias`, shape: [units], size: units, init: { kind: 'constant', value: 0 }, decay: false });
      return withAct(step, act, [units]);
    }
    case 'dropout': {
      const rate = layer.rate ?? 0.5;
      if (!(rate >= 0 && rate < 1)) throw new PlanError(`layer ${name}: dropout rate must be in [0, 1), got ${rate}`);
      return [{ ...base, kind: 'dropout', rate }];
    }
    case 'lrn':
      return [{ ...base, kind: 'lrn', size: layer.size ?? 5, channels: channelsOf(layer.input) }];
    case 'batchnorm': {
      const c = channelsOf(layer.input);
      const step: BatchNormStep = { ...base, kind: 'batchnorm', channels: c };
      step.params.push({ name: `${name}.weight`, shape: [c], size: c, init: { kind: 'constant', value: 1 }, decay: false });
      step.params.push({ name: `${name}.bias`, shape: [c], size: c, init: { kind: 'constant', value: 0 }, decay: false });
      step.state.push({ name: `${name}.running_mean`, size: c, value: 0 }, { name: `${name}.running_var`, size: c, value: 1 });
      return withAct(step, mergeAct(layer, overrides), layer.output);
    }
    case 'add': {
      const first = inShapes[0];
      const odd = inShapes.find((s) => !sameShape(s, first));
      if (odd) throw new PlanError(`layer ${name}: add needs operands of one shape, got ${inShapes.map(shapeText).join(' and ')}`);
      if (!sameShape(layer.output, first)) throw new PlanError(`layer ${name}: add of ${shapeText(first)} operands gives ${shapeText(first)}, the network says ${shapeText(layer.output)}`);
      const step: AddStep = { ...base, kind: 'add', inShapes: inShapes.map((s) => [...s] as Shape) };
      return withAct(step, mergeAct(layer, overrides), layer.output);
    }
    case 'concat': {
      const first = inShapes[0];
      if (!inShapes.every((s) => s.length === first.length && (s.length === 1 || (s[0] === first[0] && s[1] === first[1])))) {
        throw new PlanError(`layer ${name}: concat needs operands of one height and width (or all flat), got ${inShapes.map(shapeText).join(', ')}`);
      }
      const channels = inShapes.map(channelsOf);
      const total = channels.reduce((a, b) => a + b, 0);
      const expected: Shape = first.length === 1 ? [total] : [first[0], first[1], total];
      if (!sameShape(layer.output, expected)) throw new PlanError(`layer ${name}: concat of ${inShapes.map(shapeText).join(', ')} gives ${shapeText(expected)}, the network says ${shapeText(layer.output)}`);
      const step: ConcatStep = {
        ...base, kind: 'concat', inShapes: inShapes.map((s) => [...s] as Shape), positions: first.length === 1 ? 1 : first[0] * first[1], channels,
      };
      return withAct(step, mergeAct(layer, overrides), layer.output);
    }
    default:
      throw new PlanError(`layer ${name}: unknown kind ${JSON.stringify((layer as NetworkLayer).kind)}`);
  }
}

/**
 * Batchnorm and merges have no activation unless they name one; a training override of act
 * replaces only one that is there (it is meant for the layers that have one, not to add ReLUs).
 */
function mergeAct(layer: NetworkLayer, overrides: PlanOverrides): Activation {
  const act = layer.act ?? 'none';
  return act !== 'none' && overrides.act ? overrides.act : act;
}

function activationStep(layer: string, input: string, shape: Shape, act: Exclude<Activation, 'none'>): ActivationStep {
  const n = size(shape);
  const channels = channelsOf(shape);
  const step: ActivationStep = {
    name: layer, inputs: [input], layer, kind: 'activation', act, channels, inShape: shape, outShape: shape, inSize: n, outSize: n, params: [], state: [],
  };
  const slopes = activationParams(act, channels);
  if (slopes) step.params.push({ name: `${layer}.slope`, shape: [slopes], size: slopes, init: { kind: 'constant', value: PRELU_INITIAL_SLOPE }, decay: false });
  return step;
}
