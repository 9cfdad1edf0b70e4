/**
 * One row per layer kind: the words that name it, its count, its keys and defaults, and which
 * shape and parameter rule it follows. Adding a kind means adding a row here.
 */
import type { KeyName } from './keys';
import type { LayerKind } from './network';

export type ShapeRule =
  /** (n + 2p - f)/s + 1 per spatial axis. */
  | 'window'
  /** 1 x 1 x C. */
  | 'global'
  /** A flat vector of `count` units; a 3-D input is flattened first. */
  | 'dense'
  /** The input shape, unchanged. */
  | 'same'
  /** Two or more equal shapes, summed element by element. */
  | 'sum'
  /** Two or more H x W x C maps (or flat vectors) joined along the channels, in order. */
  | 'concat';

export type ParamRule = 'weights' | 'batchnorm' | 'none';

export interface KindSpec {
  kind: LayerKind;
  words: readonly string[];
  /** What the number after the kind counts; absent where the kind takes none. */
  count?: 'filters' | 'units' | 'classes';
  keys: readonly KeyName[];
  required: readonly KeyName[];
  shape: ShapeRule;
  params: ParamRule;
  /** Counted in `neurons` (the seed's column) and in `neuronsConvFc` (the AlexNet paper's count). */
  neurons: boolean;
  neuronsConvFc: boolean;
  /** Needs an H x W x C input. */
  image: boolean;
  /** Reads two or more layers, named in `from`. */
  merge?: boolean;
  /** The keys completion writes after the kind (and its count), with a value that works as a start. */
  typical: readonly (readonly [KeyName, string])[];
  doc: string;
}

const WINDOW_KEYS: readonly KeyName[] = ['kernel', 'stride', 'pad', 'round'];

export const KINDS: readonly KindSpec[] = [
  {
    kind: 'conv', words: ['conv'], count: 'filters',
    keys: ['kernel', 'stride', 'pad', 'groups', 'act', 'init', 'bias', 'round'], required: ['kernel'],
    shape: 'window', params: 'weights', neurons: true, neuronsConvFc: true, image: true,
    typical: [['kernel', '3']],
    doc: 'Convolution: COUNT filters (the number after conv), each f × f over all the input channels, slid over the input with step s; each filter gives one output channel.',
  },
  {
    kind: 'maxpool', words: ['maxpool'], keys: WINDOW_KEYS, required: ['kernel'],
    shape: 'window', params: 'none', neurons: true, neuronsConvFc: false, image: true,
    typical: [['kernel', '2'], ['stride', '2']],
    doc: 'Max pooling: the largest value of each f × f window, channel by channel (s defaults to f).',
  },
  {
    kind: 'avgpool', words: ['avgpool'], keys: WINDOW_KEYS, required: ['kernel'],
    shape: 'window', params: 'none', neurons: true, neuronsConvFc: false, image: true,
    typical: [['kernel', '2'], ['stride', '2']],
    doc: 'Average pooling: the mean of each f × f window, channel by channel (s defaults to f).',
  },
  {
    kind: 'globalavgpool', words: ['globalavgpool'], keys: [], required: [],
    shape: 'global', params: 'none', neurons: true, neuronsConvFc: false, image: true,
    typical: [],
    doc: 'Global average pooling: one value per channel.',
  },
  {
    kind: 'fc', words: ['fc', 'dense'], count: 'units', keys: ['act', 'init', 'bias'], required: [],
    shape: 'dense', params: 'weights', neurons: true, neuronsConvFc: true, image: false,
    typical: [],
    doc: 'Fully connected layer of COUNT units, each connected to every input value (an H×W×C input is flattened first).',
  },
  {
    kind: 'softmax', words: ['softmax'], count: 'classes', keys: ['init', 'bias'], required: [],
    shape: 'dense', params: 'weights', neurons: true, neuronsConvFc: true, image: false,
    typical: [],
    doc: 'A fully connected layer of COUNT classes followed by softmax, which turns its outputs into probabilities (as in the seed\'s table); it must be the last layer.',
  },
  {
    kind: 'dropout', words: ['dropout'], keys: ['rate'], required: [],
    shape: 'same', params: 'none', neurons: false, neuronsConvFc: false, image: false,
    typical: [['rate', '0.5']],
    doc: 'Dropout: during training each value is set to 0 with probability rate (and the rest scaled up to keep the mean); nothing is dropped when predicting.',
  },
  {
    kind: 'lrn', words: ['lrn'], keys: ['size'], required: [],
    shape: 'same', params: 'none', neurons: false, neuronsConvFc: false, image: true,
    typical: [],
    doc: 'Local response normalisation across size neighbouring channels (AlexNet).',
  },
  {
    kind: 'batchnorm', words: ['batchnorm'], keys: ['act'], required: [],
    shape: 'same', params: 'batchnorm', neurons: false, neuronsConvFc: false, image: false,
    typical: [],
    doc: 'Batch normalisation: 2 × C trainable parameters (scale, shift) and 2 × C running statistics; act (none by default) follows it.',
  },
  {
    kind: 'add', words: ['add'], keys: ['act'], required: [],
    shape: 'sum', params: 'none', neurons: false, neuronsConvFc: false, image: false, merge: true,
    typical: [],
    doc: 'Element-wise sum of the layers named in from= (equal shapes), then act (none by default): a residual connection.',
  },
  {
    kind: 'concat', words: ['concat'], keys: ['act'], required: [],
    shape: 'concat', params: 'none', neurons: false, neuronsConvFc: false, image: false, merge: true,
    typical: [],
    doc: 'The layers named in from= joined along the channels, in the order listed (equal H and W), then act (none by default).',
  },
];

export const KIND_WORDS: readonly string[] = KINDS.flatMap((k) => k.words);

const BY_WORD = new Map(KINDS.flatMap((k) => k.words.map((w) => [w, k] as const)));
const BY_KIND = new Map(KINDS.map((k) => [k.kind, k] as const));

export function kindSpec(word: string): KindSpec | undefined {
  return BY_WORD.get(word);
}

export function specOf(kind: LayerKind): KindSpec {
  return BY_KIND.get(kind)!;
}
