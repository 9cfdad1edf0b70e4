/**
 * Training memory for a batch size, per layer and in total: what this project's runner holds on the
 * host while it trains (the cpu backend by default, or the reference one). It follows the runner's
 * buffers one by one (see docs/memory.md), so the estimate is checked against the bytes the runner
 * really holds after a step (test/runner/trainingMemory.test.ts). Everything is float32 (4 bytes).
 */
import type { Network, NetworkLayer, Shape } from './network';
import { NUMBER_SETTINGS } from './trainSchema';

const FLOAT = 4;

/**
 * The cpu backend's column-buffer budget per conv layer, in floats (16 MiB): its im2col takes as
 * many samples at a time as fit. The runner's CpuConv reads it from here.
 */
export const CPU_COLUMN_FLOATS = 4 * 1024 * 1024;

export type MemoryBackend = 'cpu' | 'reference';
export const MEMORY_BACKENDS: readonly MemoryBackend[] = ['cpu', 'reference'];

export interface MemoryOptions {
  batch: number;
  optimizer?: 'sgd' | 'adam';
  backend?: MemoryBackend;
}

/** Bytes, by what they hold. */
export interface MemoryParts {
  /** Trainable parameters and batchnorm's running statistics. */
  weights: number;
  /** One gradient per trainable parameter. */
  gradients: number;
  /** SGD's velocity (1 × weights: the runner keeps it at momentum 0 too), Adam's two moments (2 ×). */
  optimizer: number;
  /** Outputs kept for the backward pass, and what a backward reads besides (batchnorm's normalised input, max pooling's argmax, dropout's mask, LRN's scale). */
  activations: number;
  /** The gradient with respect to each layer's input, kept per layer, and the gradient buffers the layers share. */
  activationGradients: number;
  /** Convolution's im2col column buffers. */
  workspace: number;
  total: number;
}

export interface LayerMemory extends MemoryParts {
  layer: string;
}

export interface TrainingMemory {
  batch: number;
  optimizer: 'sgd' | 'adam';
  backend: MemoryBackend;
  layers: LayerMemory[];
  /**
   * Not any one layer's: the input batch (activations), the loss's probabilities (activations) and
   * the gradient buffers the runner's wiring passes between layers (activation gradients).
   */
  shared: MemoryParts;
  totals: MemoryParts;
  /** The largest single buffer (WebGPU limits each storage binding). */
  largestBuffer: { name: string; bytes: number };
}

const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

function parts(p: Omit<MemoryParts, 'total'>): MemoryParts {
  return { ...p, total: p.weights + p.gradients + p.optimizer + p.activations + p.activationGradients + p.workspace };
}

/** The batch a training run of this network uses: the `train` statement's, else the runner's default. */
export function trainingBatch(network: Network): number {
  return network.train?.batch ?? NUMBER_SETTINGS.batch.default;
}

export function trainingMemory(network: Network, options: MemoryOptions): TrainingMemory {
  const B = options.batch;
  const optimizer = options.optimizer ?? network.train?.optimizer ?? 'sgd';
  const backend = options.backend ?? 'cpu';
  const moments = optimizer === 'adam' ? 2 : 1;
  let largest = { name: 'input batch', bytes: B * size(network.input ?? [0]) * FLOAT };
  const buffer = (name: string, bytes: number): number => {
    if (bytes > largest.bytes) largest = { name, bytes };
    return bytes;
  };
  let largestStep = 0;
  const layers = network.layers.map((layer): LayerMemory => {
    const inSize = (layer.inputShapes ?? [layer.input]).reduce((n, s) => n + size(s), 0);
    const outSize = size(layer.output);
    largestStep = Math.max(largestStep, outSize);
    const name = layer.name;
    let activations = 0, activationGradients = 0, workspace = 0;
    const output = (what: string) => (activations += buffer(`${name} ${what}`, B * outSize * FLOAT));
    const saved = (what: string, n: number) => (activations += buffer(`${name} ${what}`, B * n * FLOAT));
    const inputGradient = (n = inSize) => (activationGradients += buffer(`${name} input gradient`, B * n * FLOAT));
    const act = activationOf(layer);
    switch (layer.kind) {
      case 'conv': {
        output('output');
        inputGradient();
        workspace = buffer(`${name} columns`, columnBytes(layer, B, backend));
        break;
      }
      case 'fc':
      case 'softmax':
        output('output');
        // Nothing needs the gradient of the image itself.
        if (!layer.inputs.includes('input')) inputGradient();
        break;
      case 'maxpool':
        output('output');
        saved('argmax', outSize);
        inputGradient();
        break;
      case 'avgpool':
      case 'globalavgpool':
        output('output');
        inputGradient();
        break;
      case 'batchnorm':
        output('output');
        saved('normalised input', inSize);
        inputGradient();
        break;
      case 'dropout':
        output('output');
        saved('mask', inSize);
        inputGradient();
        break;
      case 'lrn':
        output('output');
        saved('scale', inSize);
        inputGradient();
        break;
      case 'add':
        // Each operand's gradient is the output's own.
        output('output');
        break;
      case 'concat':
        output('output');
        inputGradient();
        break;
    }
    if (act !== 'none') {
      // The cpu backend applies a ReLU inside the conv or fc before it: no second output.
      const fused = backend === 'cpu' && act === 'relu' && (layer.kind === 'conv' || layer.kind === 'fc');
      if (!fused) output('activation output');
      activationGradients += buffer(`${name} activation input gradient`, B * outSize * FLOAT);
    }
    const weights = (layer.params + nonTrainable(layer)) * FLOAT;
    return { layer: name, ...parts({ weights, gradients: layer.params * FLOAT, optimizer: moments * layer.params * FLOAT, activations, activationGradients, workspace }) };
  });
  const last = network.layers[network.layers.length - 1];
  const classes = last ? size(last.output) : 0;
  // The wiring reuses a gradient buffer once its gradient is consumed: along a chain two take
  // turns, each as large as the largest output it holds.
  const gradientBuffers = 2 * buffer('a gradient buffer', B * largestStep * FLOAT);
  const shared = parts({
    weights: 0, gradients: 0, optimizer: 0,
    activations: B * size(network.input ?? [0]) * FLOAT + B * classes * FLOAT,
    activationGradients: gradientBuffers,
    workspace: 0,
  });
  const sum = (key: keyof Omit<MemoryParts, 'total'>) => layers.reduce((n, l) => n + l[key], shared[key]);
  const totals = parts({
    weights: sum('weights'), gradients: sum('gradients'), optimizer: sum('optimizer'),
    activations: sum('activations'), activationGradients: sum('activationGradients'), workspace: sum('workspace'),
  });
  return { batch: B, optimizer, backend, layers, shared, totals, largestBuffer: largest };
}

/** As the runner's plan: conv and fc default to relu; batchnorm and merges have none unless named. */
function activationOf(layer: NetworkLayer): string {
  if (layer.kind === 'softmax') return 'none';
  if (layer.kind === 'conv' || layer.kind === 'fc') return layer.act ?? 'relu';
  if (layer.kind === 'batchnorm' || layer.kind === 'add' || layer.kind === 'concat') return layer.act ?? 'none';
  return 'none';
}

function nonTrainable(layer: NetworkLayer): number {
  return layer.kind === 'batchnorm' ? 2 * layer.output[layer.output.length - 1] : 0;
}

/**
 * im2col's columns: the cpu backend gathers as many samples as fit in CPU_COLUMN_FLOATS at once (a
 * 1x1 stride-1 unpadded conv reads its input directly); the reference one gathers one sample, with
 * a second buffer for the columns' gradient.
 */
function columnBytes(layer: NetworkLayer, batch: number, backend: MemoryBackend): number {
  const [kh, kw] = layer.kernel ?? [1, 1];
  const [sh, sw] = layer.stride ?? [1, 1];
  const [ph, pw] = layer.pad ?? [0, 0];
  const positions = layer.output.length === 3 ? layer.output[0] * layer.output[1] : 1;
  const columns = kh * kw * (layer.input[layer.input.length - 1] / (layer.groups ?? 1));
  const perSample = positions * columns;
  if (backend === 'reference') return 2 * perSample * FLOAT;
  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0) return 0;
  const chunk = Math.max(1, Math.floor(CPU_COLUMN_FLOATS / perSample));
  return Math.min(batch, chunk) * perSample * FLOAT;
}

/** 1536 → "1.5 KiB", 12582912 → "12.0 MiB". */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [unit, name] of units) if (bytes >= unit) return `${(bytes / unit).toFixed(1)} ${name}`;
  return `${bytes} B`;
}
