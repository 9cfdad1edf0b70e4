/**
 * The plan: what the runner will compute, derived from the analysed Network (never from text).
 * Each Network layer becomes one or two steps (a conv or fc with an activation becomes the weighted
 * step followed by an activation step), with flat tensor sizes per sample and the parameters it owns.
 */
import type { Activation, Init, Network, NetworkLayer, Shape } from '../../server/src/language/network';
import { initStdFor } from './init';

export class PlanError extends Error {}

export interface ParamSpec {
  /** Name in the weights file: `<layer>.weight`, `.bias`, `.slope`, `.gamma`, `.beta`. */
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

interface StepBase {
  layer: string;
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

export type Step = ConvStep | PoolStep | GlobalAvgPoolStep | FcStep | ActivationStep | DropoutStep | LrnStep | BatchNormStep;

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
  return Array.isArray(s) && (s.length === 1 || s.length === 3) && s.every((v) => Number.isInteger(v) && v > 0);
}

function pair(v: unknown, what: string, layer: string): [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 0)) return [v[0], v[1]];
  throw new PlanError(`layer ${layer}: ${what} must be [H, W] of whole numbers, got ${JSON.stringify(v)}`);
}

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
  const last = network.layers[network.layers.length - 1];
  if (last.kind !== 'softmax') {
    throw new PlanError(`training needs a softmax layer last (the classifier and its loss); the last layer, ${last.name}, is ${last.kind}`);
  }
  const steps: Step[] = [];
  let shape: Shape = network.input;
  for (const layer of network.layers) {
    if (!isShape(layer.input) || !isShape(layer.output)) {
      throw new PlanError(`layer ${layer.name}: input and output shapes are missing or malformed`);
    }
    if (size(layer.input) !== size(shape)) {
      throw new PlanError(`layer ${layer.name}: its input ${layer.input.join('x')} does not match the previous output ${shape.join('x')}`);
    }
    if (layer.kind === 'softmax' && layer !== last) throw new PlanError(`layer ${layer.name}: softmax must be the last layer`);
    steps.push(...stepsFor(layer, overrides));
    shape = layer.output;
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

function stepsFor(layer: NetworkLayer, overrides: PlanOverrides): Step[] {
  const base = {
    layer: layer.name,
    inShape: layer.input,
    outShape: layer.output,
    inSize: size(layer.input),
    outSize: size(layer.output),
    params: [] as ParamSpec[],
    state: [] as StateSpec[],
  };
  const name = layer.name;
  switch (layer.kind) {
    case 'conv': {
      if (layer.input.length !== 3 || layer.output.length !== 3) throw new PlanError(`layer ${name}: conv needs an HxWxC input`);
      const kernel = pair(layer.kernel, 'kernel', name);
      const groups = layer.groups ?? 1;
      const filters = layer.count ?? layer.output[2];
      const cin = layer.input[2];
      if (cin % groups || filters % groups) throw new PlanError(`layer ${name}: groups=${groups} must divide ${cin} input channels and ${filters} filters`);
      const act = overrides.act ?? layer.act ?? 'relu';
      const init = overrides.init ?? layer.init ?? { kind: 'he' };
      const fanIn = kernel[0] * kernel[1] * (cin / groups);
      const fanOut = kernel[0] * kernel[1] * (filters / groups);
      const std = overrides.act || overrides.init || layer.initStd === undefined ? initStdFor(init, act, fanIn, fanOut) : layer.initStd;
      const bias = layer.bias ?? true;
      const step: ConvStep = {
        ...base, kind: 'conv', kernel, stride: pair(layer.stride ?? [1, 1], 'stride', name), pad: pair(layer.pad ?? [0, 0], 'pad', name),
        groups, filters, bias,
      };
      step.params.push({ name: `${name}.weight`, shape: [filters, kernel[0], kernel[1], cin / groups], size: filters * fanIn, init: { kind: 'normal', std }, decay: true });
      if (bias) step.params.push({ name: `${name}.bias`, shape: [filters], size: filters, init: { kind: 'constant', value: 0 }, decay: false });
      return [step, ...activationSteps(name, layer.output, act)];
    }
    case 'maxpool':
    case 'avgpool': {
      if (layer.input.length !== 3) throw new PlanError(`layer ${name}: pooling needs an HxWxC input`);
      const kernel = pair(layer.kernel, 'kernel', name);
      return [{ ...base, kind: layer.kind, kernel, stride: pair(layer.stride ?? kernel, 'stride', name), pad: pair(layer.pad ?? [0, 0], 'pad', name) }];
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
      const std = overrides.act || overrides.init || layer.initStd === undefined ? initStdFor(init, act, inputs, units) : layer.initStd;
      const bias = layer.bias ?? true;
      const step: FcStep = { ...base, kind: 'fc', units, bias, outShape: [units], outSize: units };
      step.params.push({ name: `${name}.weight`, shape: [units, inputs], size: units * inputs, init: { kind: 'normal', std }, decay: true });
      if (bias) step.params.push({ name: `${name}.bias`, shape: [units], size: units, init: { kind: 'constant', value: 0 }, decay: false });
      return [step, ...activationSteps(name, [units], act)];
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
      step.params.push({ name: `${name}.gamma`, shape: [c], size: c, init: { kind: 'constant', value: 1 }, decay: false });
      step.params.push({ name: `${name}.beta`, shape: [c], size: c, init: { kind: 'constant', value: 0 }, decay: false });
      step.state.push({ name: `${name}.running_mean`, size: c, value: 0 }, { name: `${name}.running_var`, size: c, value: 1 });
      return [step];
    }
    default:
      throw new PlanError(`layer ${name}: unknown kind ${JSON.stringify((layer as NetworkLayer).kind)}`);
  }
}

function activationSteps(layer: string, shape: Shape, act: Activation): ActivationStep[] {
  if (act === 'none') return [];
  const n = size(shape);
  const channels = channelsOf(shape);
  const step: ActivationStep = {
    layer, kind: 'activation', act, channels, inShape: shape, outShape: shape, inSize: n, outSize: n, params: [], state: [],
  };
  // He et al. 2015 start every slope at 0.25.
  if (act === 'prelu') step.params.push({ name: `${layer}.slope`, shape: [channels], size: channels, init: { kind: 'constant', value: 0.25 }, decay: false });
  if (act === 'prelu-shared') step.params.push({ name: `${layer}.slope`, shape: [1], size: 1, init: { kind: 'constant', value: 0.25 }, decay: false });
  return [step];
}
