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
  doc: string;
}

const WINDOW_KEYS: readonly KeyName[] = ['kernel', 'stride', 'pad', 'round'];

export const KINDS: readonly KindSpec[] = [
  {
    kind: 'conv', words: ['conv'], count: 'filters',
    keys: ['kernel', 'stride', 'pad', 'groups', 'act', 'init', 'bias', 'round'], required: ['kernel'],
    shape: 'window', params: 'weights', neurons: true, neuronsConvFc: true, image: true,
    doc: 'Convolution: `filters` filters of size kernel over the input channels.',
  },
  {
    kind: 'maxpool', words: ['maxpool'], keys: WINDOW_KEYS, required: ['kernel'],
    shape: 'window', params: 'none', neurons: true, neuronsConvFc: false, image: true,
    doc: 'Max pooling over kernel x kernel windows, channel by channel (stride defaults to the kernel).',
  },
  {
    kind: 'avgpool', words: ['avgpool'], keys: WINDOW_KEYS, required: ['kernel'],
    shape: 'window', params: 'none', neurons: true, neuronsConvFc: false, image: true,
    doc: 'Average pooling over kernel x kernel windows, channel by channel (stride defaults to the kernel).',
  },
  {
    kind: 'globalavgpool', words: ['globalavgpool'], keys: [], required: [],
    shape: 'global', params: 'none', neurons: true, neuronsConvFc: false, image: true,
    doc: 'Global average pooling: one value per channel.',
  },
  {
    kind: 'fc', words: ['fc', 'dense'], count: 'units', keys: ['act', 'init', 'bias'], required: [],
    shape: 'dense', params: 'weights', neurons: true, neuronsConvFc: true, image: false,
    doc: 'Fully connected layer (a 3-D input is flattened first).',
  },
  {
    kind: 'softmax', words: ['softmax'], count: 'classes', keys: ['init', 'bias'], required: [],
    shape: 'dense', params: 'weights', neurons: true, neuronsConvFc: true, image: false,
    doc: 'A fully connected layer followed by softmax, as in the seed\'s table; must be the last layer.',
  },
  {
    kind: 'dropout', words: ['dropout'], keys: ['rate'], required: [],
    shape: 'same', params: 'none', neurons: false, neuronsConvFc: false, image: false,
    doc: 'Dropout: zeroes each unit with probability `rate` during training.',
  },
  {
    kind: 'lrn', words: ['lrn'], keys: ['size'], required: [],
    shape: 'same', params: 'none', neurons: false, neuronsConvFc: false, image: true,
    doc: 'Local response normalisation across `size` neighbouring channels (AlexNet).',
  },
  {
    kind: 'batchnorm', words: ['batchnorm'], keys: ['act'], required: [],
    shape: 'same', params: 'batchnorm', neurons: false, neuronsConvFc: false, image: false,
    doc: 'Batch normalisation: 2 x C trainable (scale, shift) and 2 x C running statistics; `act` (none by default) follows it.',
  },
  {
    kind: 'add', words: ['add'], keys: ['act'], required: [],
    shape: 'sum', params: 'none', neurons: false, neuronsConvFc: false, image: false, merge: true,
    doc: 'Element-wise sum of the layers named in `from` (equal shapes), then `act` (none by default): a residual connection.',
  },
  {
    kind: 'concat', words: ['concat'], keys: ['act'], required: [],
    shape: 'concat', params: 'none', neurons: false, neuronsConvFc: false, image: false, merge: true,
    doc: 'The layers named in `from` joined along the channels, in the order listed (equal H and W), then `act` (none by default).',
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
