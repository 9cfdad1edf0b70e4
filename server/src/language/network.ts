/**
 * The Network: the one contract between the language and everything else (server features, CLI,
 * webview, runner). It is plain JSON; `cnn table --format json` prints exactly this object.
 * Lines and columns here are 1-based, as a user reads them.
 */

/** `[H, W, C]` for images, `[N]` for flat vectors. */
export type Shape = [number, number, number] | [number];

export type LayerKind =
  | 'conv'
  | 'maxpool'
  | 'avgpool'
  | 'globalavgpool'
  | 'fc'
  | 'softmax'
  | 'dropout'
  | 'lrn'
  | 'batchnorm'
  | 'add'
  | 'concat';

export type Activation = 'relu' | 'prelu' | 'prelu-shared' | 'leakyrelu' | 'relu6' | 'tanh' | 'sigmoid' | 'none';

export type Init = { kind: 'he' } | { kind: 'xavier' } | { kind: 'gaussian'; std: number };

export type Rounding = 'floor' | 'ceil';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface NetworkDiagnostic {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: string;
  message: string;
}

export interface NetworkLayer {
  /** Full name, PyTorch's module path: `layer1.0.conv1` inside block instances. */
  name: string;
  kind: LayerKind;
  /** 1-based line of the layer statement (inside a block: the line of its definition). */
  line: number;
  /**
   * The full names of the layers this one reads, in order, or `input` for the network's input.
   * The only wiring there is: consumers follow it and never assume a chain.
   */
  inputs: string[];
  /** Full name of the innermost block instance holding this layer; absent at top level. */
  block?: string;
  /** The shape read (a merge's first operand). */
  input: Shape;
  /** Every operand's shape, for `add` and `concat`. */
  inputShapes?: Shape[];
  output: Shape;
  /** Unrounded output size per spatial axis, (n + 2p - f)/s + 1; conv and pooling only. */
  raw?: [number, number];
  kernel?: [number, number];
  stride?: [number, number];
  pad?: [number, number];
  round?: Rounding;
  groups?: number;
  /** Filters (conv), units (fc) or classes (softmax). */
  count?: number;
  act?: Activation;
  init?: Init;
  /** Standard deviation the init draws weights with. */
  initStd?: number;
  bias?: boolean;
  /** Dropout rate. */
  rate?: number;
  /** LRN window size. */
  size?: number;
  neurons: number;
  /** The seed's "size of filter + 1": kh·kw·Cin/groups + 1 (conv), inputs + 1 (fc, softmax); + 0 without bias. */
  filterPlusOne?: number;
  /** Trainable parameters: weights + biases + activation slopes (+ batchnorm scale and shift). */
  params: number;
  weights: number;
  biases: number;
  /** PReLU slopes. */
  activationParams: number;
  macs: number;
  /** Fan-in n = kh·kw·Cin/groups (conv) or inputs (fc); fan-out = kh·kw·filters (groups do not divide it, as in PyTorch) or units. */
  fanIn?: number;
  fanOut?: number;
  /**
   * How the layer scales the signal's variance at initialisation (He et al. 2015, eq. 10 and 14),
   * and the products through the network: forward from the input up to this layer, backward from
   * the top down to this layer (the first layer excluded, as the paper does). Weighted layers only.
   */
  signal?: SignalGains;
  /** Receptive field of one output unit on the input image, per axis (H, W). */
  receptiveField: [number, number];
  /** Effective stride (jump) of this layer's output grid on the input image, per axis. */
  jump: [number, number];
}

export interface SignalGains {
  forward: number;
  backward: number;
  forwardProduct: number;
  backwardProduct: number;
}

export interface NetworkTotals {
  params: number;
  /** Conv, pooling, fc and softmax outputs, as the seed's table sums its column. */
  neurons: number;
  /** Conv, fc and softmax outputs only, as the AlexNet paper counts. */
  neuronsConvFc: number;
  /** Multiply-accumulates of one forward pass of one sample. */
  macs: number;
  /** Batchnorm's running mean and variance: saved with the weights, not trained (Keras' "non-trainable"). */
  nonTrainableParams: number;
  /** FLOPs of one forward pass of one sample: 2 per MAC (a multiply and an add); merges, pooling and activations not counted. */
  forwardFlops: number;
  /** FLOPs of one training step per sample: forward and backward, about 3 x forward (the backward pass is two products per forward one). */
  trainingFlops: number;
}

export type Dataset = { kind: 'shapes' } | { kind: 'mnist' } | { kind: 'fashion-mnist' } | { kind: 'folder'; path: string };

/** How the learning rate changes over the epochs: `step(EVERY,FACTOR)` multiplies it by FACTOR every EVERY epochs. */
export type Schedule = { kind: 'constant' } | { kind: 'step'; every: number; factor: number } | { kind: 'cosine' };

export interface TrainSettings {
  dataset?: Dataset;
  epochs?: number;
  batch?: number;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  optimizer?: 'sgd' | 'adam';
  seed?: number;
  schedule?: Schedule;
  /** Epochs over which the learning rate rises linearly from nearly 0, step by step. */
  warmup?: number;
  /** Label smoothing of the training loss, in [0, 1). */
  smoothing?: number;
}

/** One use of a block: `layer1` (with `repeat`, it holds `layer1.0`, `layer1.1`, ...). */
export interface NetworkInstance {
  /** Full name. */
  name: string;
  /** The block it instantiates (absent for the group a `repeat` makes). */
  blockName?: string;
  /** 1-based line of the use. */
  line: number;
  /** Full name of the instance holding this one; absent at top level. */
  block?: string;
  inputs: string[];
  output: Shape;
  /** Full name of the layer whose output is the instance's output. */
  outputLayer: string;
  params: number;
  macs: number;
  /** Expanded layers inside, at every depth. */
  layers: number;
}

/**
 * A layer statement the analysis could not work out: an error on its line (an `add` of different
 * shapes), or a layer it reads that could not be. Not in `layers` and not counted; the graph view
 * draws it, with the diagnostics of its line.
 */
export interface UnresolvedLayer {
  name: string;
  kind: LayerKind;
  line: number;
  /** Full names of the layers it reads, as far as they could be resolved; empty when none could. */
  inputs: string[];
  block?: string;
}

export interface Network {
  network?: string;
  input?: Shape;
  layers: NetworkLayer[];
  /** Block instances, outermost first, in the order they are used; absent when the file uses none. */
  instances?: NetworkInstance[];
  /** Layers that could not be worked out, in file order; absent when every layer was. */
  unresolved?: UnresolvedLayer[];
  totals: NetworkTotals;
  train?: TrainSettings;
  diagnostics: NetworkDiagnostic[];
}
