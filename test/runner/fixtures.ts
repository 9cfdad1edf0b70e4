/**
 * Hand-built Network objects for the runner's tests, so they do not depend on the parser. The shape
 * arithmetic is the spec's, written out again independently (floor or ceil of (n + 2p - f)/s + 1;
 * add keeps its operands' shape; concat sums their channels, or their lengths when flat).
 */
import type { Activation, Init, Network, NetworkLayer, Rounding, Shape } from '../../server/src/language/network';

export interface LayerSketch {
  kind: NetworkLayer['kind'];
  name?: string;
  count?: number;
  kernel?: number | [number, number];
  stride?: number | [number, number];
  pad?: number | [number, number];
  groups?: number;
  round?: Rounding;
  act?: Activation;
  init?: Init;
  bias?: boolean;
  rate?: number;
  size?: number;
  /** What the layer reads: a name above it or `input`; two or more for add and concat. Default: the layer above. */
  from?: string | string[];
}

const pairOf = (v: number | [number, number] | undefined, d: [number, number]): [number, number] =>
  v === undefined ? d : typeof v === 'number' ? [v, v] : v;

export function makeNetwork(input: [number, number, number], sketches: LayerSketch[], name = 'test-net'): Network {
  const shapes = new Map<string, Shape>([['input', input]]);
  let previous = 'input';
  const counters = new Map<string, number>();
  const layers: NetworkLayer[] = sketches.map((s, i) => {
    const k = (counters.get(s.kind) ?? 0) + 1;
    counters.set(s.kind, k);
    const inputs = s.from === undefined ? [previous] : typeof s.from === 'string' ? [s.from] : [...s.from];
    const inShapes = inputs.map((n) => {
      const found = shapes.get(n);
      if (!found) throw new Error(`fixture: ${s.name ?? s.kind} reads ${n}, not defined above`);
      return found;
    });
    const inShape = inShapes[0];
    let out: Shape = inShape;
    const layer: NetworkLayer = {
      name: s.name ?? `${s.kind}${k}`, kind: s.kind, line: i + 3, inputs, input: inShape, output: inShape, neurons: 0,
      params: 0, weights: 0, biases: 0, activationParams: 0, macs: 0, receptiveField: [1, 1], jump: [1, 1],
    };
    if (s.kind === 'add' || s.kind === 'concat') {
      layer.inputShapes = inShapes;
      if (s.act) layer.act = s.act;
      if (s.kind === 'concat') {
        const channels = inShapes.reduce((n, sh) => n + sh[sh.length - 1], 0);
        out = inShape.length === 1 ? [channels] : [inShape[0], inShape[1]!, channels];
      }
    } else if (s.kind === 'conv' || s.kind === 'maxpool' || s.kind === 'avgpool') {
      const [H, W, C] = inShape as [number, number, number];
      const kernel = pairOf(s.kernel, [1, 1]);
      const stride = pairOf(s.stride, s.kind === 'conv' ? [1, 1] : kernel);
      const pad = pairOf(s.pad, [0, 0]);
      const round = s.round ?? 'floor';
      const raw: [number, number] = [(H + 2 * pad[0] - kernel[0]) / stride[0] + 1, (W + 2 * pad[1] - kernel[1]) / stride[1] + 1];
      const r = round === 'ceil' ? Math.ceil : Math.floor;
      const C2 = s.kind === 'conv' ? s.count! : C;
      out = [r(raw[0]), r(raw[1]), C2];
      Object.assign(layer, { kernel, stride, pad, raw, round });
      if (s.kind === 'conv') {
        const groups = s.groups ?? 1;
        Object.assign(layer, { groups, count: s.count, act: s.act ?? 'relu', init: s.init ?? { kind: 'he' }, bias: s.bias ?? true,
          fanIn: kernel[0] * kernel[1] * C / groups, fanOut: kernel[0] * kernel[1] * s.count! });
      }
    } else if (s.kind === 'globalavgpool') {
      out = [1, 1, (inShape as number[])[2]];
    } else if (s.kind === 'fc' || s.kind === 'softmax') {
      out = [s.count!];
      const inputs = inShape.reduce((a, b) => a * b, 1);
      Object.assign(layer, { count: s.count, init: s.init ?? { kind: 'he' }, bias: s.bias ?? true, fanIn: inputs, fanOut: s.count });
      if (s.kind === 'fc') layer.act = s.act ?? 'relu';
    } else if (s.kind === 'dropout') {
      layer.rate = s.rate ?? 0.5;
    } else if (s.kind === 'lrn') {
      layer.size = s.size ?? 5;
    } else if (s.kind === 'batchnorm' && s.act) {
      layer.act = s.act;
    }
    layer.output = out;
    layer.neurons = out.reduce((a, b) => a * b, 1);
    // The counts a real analysis claims (the runner checks them): weights and biases of conv and fc,
    // batchnorm's scale and shift, PReLU slopes per channel (or one).
    const channels = out[out.length - 1];
    if (layer.fanIn !== undefined) {
      layer.weights = layer.count! * layer.fanIn;
      layer.biases = layer.bias ? layer.count! : 0;
    } else if (s.kind === 'batchnorm') {
      layer.weights = layer.biases = channels;
    }
    layer.activationParams = layer.act === 'prelu' ? channels : layer.act === 'prelu-shared' ? 1 : 0;
    layer.params = layer.weights + layer.biases + layer.activationParams;
    shapes.set(layer.name, out);
    previous = layer.name;
    return layer;
  });
  const params = layers.reduce((n, l) => n + l.params, 0);
  return { network: name, input, layers, totals: { params, neurons: 0, neuronsConvFc: 0, macs: 0, nonTrainableParams: 0, forwardFlops: 0, trainingFlops: 0 }, diagnostics: [] };
}

export const lenet5 = (input: [number, number, number] = [32, 32, 1]): Network =>
  makeNetwork(input, [
    { kind: 'conv', count: 6, kernel: 5 },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'conv', count: 16, kernel: 5 },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'fc', count: 120 },
    { kind: 'fc', count: 84 },
    { kind: 'softmax', count: 10 },
  ], 'lenet5');

export const courseworkNetwork = (): Network =>
  makeNetwork([227, 227, 3], [
    { kind: 'conv', name: 'conv1', count: 48, kernel: 11, stride: 4 },
    { kind: 'maxpool', name: 'pool1', kernel: 3, stride: 2 },
    { kind: 'conv', name: 'conv2', count: 128, kernel: 6, pad: 2 },
    { kind: 'maxpool', name: 'pool2', kernel: 4, stride: 2 },
    { kind: 'conv', name: 'conv3', count: 192, kernel: 5, pad: 2 },
    { kind: 'conv', name: 'conv4', count: 192, kernel: 4, pad: 1 },
    { kind: 'conv', name: 'conv5', count: 128, kernel: 3, pad: 1 },
    { kind: 'maxpool', name: 'pool3', kernel: 4, stride: 3 },
    { kind: 'fc', name: 'fc1', count: 1600 },
    { kind: 'fc', name: 'fc2', count: 1600 },
    { kind: 'softmax', name: 'out', count: 1000 },
  ], 'alexnet-coursework');

/** The runner-process tests' network: one conv, a pool and two fc on 12x12 grey, trained in well under a second. */
export const tinyNetwork = (name = 'tiny'): Network =>
  makeNetwork([12, 12, 1], [
    { kind: 'conv', count: 4, kernel: 3 },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'fc', count: 16 },
    { kind: 'softmax', count: 4 },
  ], name);

/** Two convs (one PReLU), two pools and an fc on 16x16 grey: learns the 4 shapes in seconds. */
export const smallShapesNetwork = (): Network =>
  makeNetwork([16, 16, 1], [
    { kind: 'conv', name: 'c1', count: 8, kernel: 3, pad: 1 },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'conv', name: 'c2', count: 16, kernel: 3, pad: 1, act: 'prelu' },
    { kind: 'maxpool', kernel: 2 },
    { kind: 'fc', name: 'f1', count: 32 },
    { kind: 'softmax', name: 'out', count: 4 },
  ], 'small');

/** A ResNet basic block with a projection shortcut (torchvision's names), before a classifier of `classes`. */
export const residualBlock = (classes: number): LayerSketch[] => [
  { kind: 'conv', name: 'stem', count: 4, kernel: 3, pad: 1, act: 'relu' },
  { kind: 'conv', name: 'layer1.0.conv1', count: 8, kernel: 3, stride: 2, pad: 1, act: 'none', bias: false },
  { kind: 'batchnorm', name: 'layer1.0.bn1', act: 'relu' },
  { kind: 'conv', name: 'layer1.0.conv2', count: 8, kernel: 3, pad: 1, act: 'none', bias: false },
  { kind: 'batchnorm', name: 'layer1.0.bn2' },
  { kind: 'conv', name: 'layer1.0.downsample.0', count: 8, kernel: 1, stride: 2, act: 'none', bias: false, from: 'stem' },
  { kind: 'batchnorm', name: 'layer1.0.downsample.1' },
  { kind: 'add', name: 'layer1.0.out', from: ['layer1.0.bn2', 'layer1.0.downsample.1'], act: 'relu' },
  { kind: 'globalavgpool', name: 'pool' },
  { kind: 'softmax', name: 'fc', count: classes },
];
