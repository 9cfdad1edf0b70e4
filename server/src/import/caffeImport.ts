/**
 * Importing a Caffe network description (deploy.prototxt), in the current `layer { type: "..." }`
 * syntax and the old `layers { type: ENUM }` one. Caffe's pooling rounds up (`round=ceil`), its
 * `group` is `groups`, a BatchNorm with the Scale after it is one `batchnorm`, in-place ReLUs
 * become the act of the layer they follow, and the Softmax at the end makes the last
 * InnerProduct `softmax N`. Anything else is refused with its layer's name and why.
 */
import type { Activation } from '../language/network';
import { writeCnn } from './cnnWriter';
import { ImportError, NameRegistry, TAKES_ACT, validName, type ImportedLayer, type ImportProblem, type ImportResult } from './importedNetwork';
import { all, first, messages, parseProtoText, ProtoTextError, type ProtoMessage } from './protoText';

/** The old `layers` syntax's enum types (caffe.proto's V1LayerParameter), by their current names. */
const V1_TYPES: Record<string, string> = {
  ABSVAL: 'AbsVal', ACCURACY: 'Accuracy', ARGMAX: 'ArgMax', BNLL: 'BNLL', CONCAT: 'Concat', CONTRASTIVE_LOSS: 'ContrastiveLoss',
  CONVOLUTION: 'Convolution', DATA: 'Data', DECONVOLUTION: 'Deconvolution', DROPOUT: 'Dropout', DUMMY_DATA: 'DummyData',
  EUCLIDEAN_LOSS: 'EuclideanLoss', ELTWISE: 'Eltwise', EXP: 'Exp', FLATTEN: 'Flatten', HDF5_DATA: 'HDF5Data',
  HDF5_OUTPUT: 'HDF5Output', HINGE_LOSS: 'HingeLoss', IM2COL: 'Im2col', IMAGE_DATA: 'ImageData', INFOGAIN_LOSS: 'InfogainLoss',
  INNER_PRODUCT: 'InnerProduct', LRN: 'LRN', MEMORY_DATA: 'MemoryData', MULTINOMIAL_LOGISTIC_LOSS: 'MultinomialLogisticLoss',
  MVN: 'MVN', POOLING: 'Pooling', POWER: 'Power', RELU: 'ReLU', SIGMOID: 'Sigmoid', SIGMOID_CROSS_ENTROPY_LOSS: 'SigmoidCrossEntropyLoss',
  SILENCE: 'Silence', SOFTMAX: 'Softmax', SOFTMAX_LOSS: 'SoftmaxWithLoss', SPLIT: 'Split', SLICE: 'Slice', TANH: 'TanH',
  WINDOW_DATA: 'WindowData', THRESHOLD: 'Threshold',
};

const DATA_LAYERS = new Set(['Data', 'ImageData', 'HDF5Data', 'WindowData', 'MemoryData', 'DummyData', 'Python']);
const TRAINING_LAYERS = new Set(['Accuracy', 'SoftmaxWithLoss', 'EuclideanLoss', 'HingeLoss', 'InfogainLoss', 'MultinomialLogisticLoss', 'SigmoidCrossEntropyLoss', 'ContrastiveLoss', 'Silence']);

function num(message: ProtoMessage | undefined, name: string, fallback: number): number {
  const v = message ? first(message, name) : undefined;
  return typeof v === 'number' ? v : fallback;
}
function nums(message: ProtoMessage | undefined, name: string): number[] {
  return message ? all(message, name).filter((v): v is number => typeof v === 'number') : [];
}
function flag(message: ProtoMessage | undefined, name: string, fallback: boolean): boolean {
  const v = message ? first(message, name) : undefined;
  return typeof v === 'boolean' ? v : fallback;
}
function word(message: ProtoMessage | undefined, name: string): string | number | undefined {
  const v = message ? first(message, name) : undefined;
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}
const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** kernel/stride/pad as Caffe writes them: `kernel_size: 3` (once or per axis) or `kernel_h`/`kernel_w`. */
function pair(param: ProtoMessage | undefined, name: string, fallback: number): [number, number] {
  const h = num(param, `${name}_h`, NaN);
  const w = num(param, `${name}_w`, NaN);
  if (!Number.isNaN(h) && !Number.isNaN(w)) return [h, w];
  const values = nums(param, name === 'kernel' ? 'kernel_size' : name);
  if (values.length >= 2) return [values[0], values[1]];
  if (values.length === 1) return [values[0], values[0]];
  return [fallback, fallback];
}

/** N x C x H x W from `input_dim`, `input_shape { dim }` or an Input layer's `shape { dim }`. */
function inputShape(net: ProtoMessage, layers: ProtoMessage[]): { blob: string; dims: number[] } | undefined {
  const inputs = all(net, 'input').map(text).filter((s): s is string => !!s);
  if (inputs.length > 1) throw new ImportError(`the network has ${inputs.length} inputs (${inputs.join(', ')}); a .cnn network has one image input`);
  if (inputs.length === 1) {
    const dims = nums(net, 'input_dim');
    const shape = messages(net, 'input_shape')[0];
    return { blob: inputs[0], dims: dims.length ? dims : shape ? nums(shape, 'dim') : [] };
  }
  const inputLayers = layers.filter((l) => first(l, 'type') === 'Input');
  if (inputLayers.length > 1) throw new ImportError(`the network has ${inputLayers.length} Input layers; a .cnn network has one image input`);
  if (inputLayers.length === 1) {
    const param = messages(inputLayers[0], 'input_param')[0];
    const shape = param ? messages(param, 'shape')[0] : undefined;
    return { blob: text(first(inputLayers[0], 'top')) ?? '', dims: shape ? nums(shape, 'dim') : [] };
  }
  return undefined;
}

/** `fileName`: the file's base name, for the first comment (and the network's name when the file has none). */
export function importCaffe(source: string, fileName: string): ImportResult {
  let net: ProtoMessage;
  try {
    net = parseProtoText(source);
  } catch (error) {
    if (error instanceof ProtoTextError) throw new ImportError(`not a readable prototxt: ${error.message}`);
    throw error;
  }
  const current = messages(net, 'layer');
  const old = messages(net, 'layers');
  if (!current.length && !old.length) throw new ImportError('no `layer { }` or `layers { }` in the file: is it a Caffe network description (deploy.prototxt)?');
  const layersIn = [...current, ...old];
  const typeOf = (l: ProtoMessage) => {
    const t = first(l, 'type');
    return typeof t === 'string' ? (V1_TYPES[t] ?? t) : `type ${t}`;
  };
  const input = inputShape(net, layersIn);
  if (!input) throw new ImportError('no input shape: the file needs `input:` with `input_dim:` (or `input_shape`), or an Input layer with its shape; a training prototxt reads its data from a Data layer: import the deploy.prototxt');
  if (input.dims.length !== 4 || input.dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ImportError(`the input '${input.blob}' is ${input.dims.join('x') || 'of no shape'}; import needs N x C x H x W`);
  }
  const [, c, h, w] = input.dims;

  const refused: ImportProblem[] = [];
  const notes: ImportProblem[] = [];
  const layers: ImportedLayer[] = [];
  const byName = new Map<string, ImportedLayer>();
  const names = new NameRegistry();
  const blobs = new Map<string, string>([[input.blob, 'input']]);
  const flattened = new Set<string>();
  /** Batchnorm layers still waiting for their Scale. */
  const unscaled = new Map<string, { name: string }>();
  /** Blobs made by refused layers. */
  const unknown = new Set<string>();
  const readers = new Map<string, number>();
  for (const l of layersIn) for (const b of all(l, 'bottom').map(text)) if (b) readers.set(b, (readers.get(b) ?? 0) + 1);

  layersIn.forEach((l, index) => {
    const type = typeOf(l);
    const rawName = text(first(l, 'name')) ?? `${type.toLowerCase()}${index + 1}`;
    const bottoms = all(l, 'bottom').map(text).filter((s): s is string => !!s);
    const tops = all(l, 'top').map(text).filter((s): s is string => !!s);
    const refuse = (reason: string) => {
      refused.push({ name: rawName, op: type, reason });
      // What reads a refused layer's output is not refused again for it.
      for (const t of tops) unknown.add(t);
    };
    const param = (name: string) => messages(l, name)[0];

    if (type === 'Input') return;
    if (DATA_LAYERS.has(type)) return refuse('a data layer of a training prototxt; import the deploy.prototxt, whose input has a shape');
    if (TRAINING_LAYERS.has(type)) return refuse('a training-only layer (loss or accuracy); import the deploy.prototxt');

    const read = (blob: string | undefined, allowFlat = false): string | undefined => {
      if (blob !== undefined && unknown.has(blob)) {
        for (const t of tops) unknown.add(t);
        return undefined;
      }
      const from = blob !== undefined ? blobs.get(blob) : undefined;
      if (from === undefined) {
        refuse(blob === undefined ? 'it reads nothing' : `it reads '${blob}', which no layer above makes`);
        return undefined;
      }
      if (flattened.has(blob!) && !allowFlat) {
        refuse('it reads a flattened blob; the language flattens only into a fully connected layer');
        return undefined;
      }
      return from;
    };
    const add = (layer: Omit<ImportedLayer, 'name'>) => {
      const made: ImportedLayer = { name: names.claim(rawName, `${layer.kind}${layers.length + 1}`), ...layer };
      layers.push(made);
      byName.set(made.name, made);
      for (const t of tops) {
        blobs.set(t, made.name);
        flattened.delete(t);
      }
      return made;
    };
    const activation = (act: Activation) => {
      const from = read(bottoms[0]);
      if (from === undefined) return;
      const target = byName.get(from);
      const inPlace = tops[0] === bottoms[0];
      if (!target || !TAKES_ACT.has(target.kind) || target.act !== 'none' || unscaled.has(target.name) || (!inPlace && (readers.get(bottoms[0]) ?? 0) > 1)) {
        const what = target ? `${target.kind} ${target.name}` : 'the input';
        return refuse(`the language writes an activation as the act of a conv, fc, batchnorm, add or concat that nothing else reads; this one follows ${what}`);
      }
      target.act = act;
      if (tops[0]) blobs.set(tops[0], target.name);
    };

    switch (type) {
      case 'Convolution': {
        const p = param('convolution_param');
        const from = read(bottoms[0]);
        const count = num(p, 'num_output', NaN);
        const dilation = nums(p, 'dilation');
        if (!Number.isInteger(count) || count < 1) return refuse('it has no num_output');
        if (dilation.some((d) => d !== 1)) return refuse(`dilation ${dilation.join('x')}: the language has no dilated windows`);
        const kernel = pair(p, 'kernel', NaN);
        if (kernel.some(Number.isNaN)) return refuse('it has no kernel_size');
        if (from === undefined) return;
        add({ kind: 'conv', count, kernel, stride: pair(p, 'stride', 1), pad: pair(p, 'pad', 0), groups: num(p, 'group', 1), act: 'none', bias: flag(p, 'bias_term', true), inputs: [from] });
        return;
      }
      case 'Pooling': {
        const p = param('pooling_param');
        const pool = word(p, 'pool') ?? 'MAX';
        const from = read(bottoms[0]);
        const max = pool === 'MAX' || pool === 0;
        const ave = pool === 'AVE' || pool === 1;
        if (!max && !ave) return refuse(`${pool} pooling; the language pools by max or average`);
        if (flag(p, 'global_pooling', false)) {
          if (max) return refuse('global max pooling; the language has global average pooling only');
          if (from !== undefined) add({ kind: 'globalavgpool', act: 'none', inputs: [from] });
          return;
        }
        const kernel = pair(p, 'kernel', NaN);
        if (kernel.some(Number.isNaN)) return refuse('it has no kernel_size');
        if (from === undefined) return;
        // Caffe rounds pooled sizes up.
        add({ kind: max ? 'maxpool' : 'avgpool', kernel, stride: pair(p, 'stride', 1), pad: pair(p, 'pad', 0), round: 'ceil', act: 'none', inputs: [from] });
        return;
      }
      case 'InnerProduct': {
        const p = param('inner_product_param');
        const count = num(p, 'num_output', NaN);
        if (!Number.isInteger(count) || count < 1) return refuse('it has no num_output');
        if (num(p, 'axis', 1) !== 1) return refuse(`axis ${num(p, 'axis', 1)}; only a fully connected layer over each sample (axis 1) is written`);
        const from = read(bottoms[0], true);
        if (from !== undefined) add({ kind: 'fc', count, act: 'none', bias: flag(p, 'bias_term', true), inputs: [from] });
        return;
      }
      case 'ReLU': {
        const slope = num(param('relu_param'), 'negative_slope', 0);
        if (slope === 0) return activation('relu');
        if (Math.abs(slope - 0.01) < 1e-7) return activation('leakyrelu');
        return refuse(`negative_slope ${slope}; the language's leakyrelu has slope 0.01`);
      }
      case 'ReLU6':
        return activation('relu6');
      case 'Clip': {
        const p = param('clip_param');
        if (num(p, 'min', NaN) === 0 && num(p, 'max', NaN) === 6) return activation('relu6');
        return refuse('a clip other than [0, 6] (relu6)');
      }
      case 'TanH':
        return activation('tanh');
      case 'Sigmoid':
        return activation('sigmoid');
      case 'PReLU':
        return activation(flag(param('prelu_param'), 'channel_shared', false) ? 'prelu-shared' : 'prelu');
      case 'LRN': {
        const p = param('lrn_param');
        const region = word(p, 'norm_region');
        if (region === 'WITHIN_CHANNEL' || region === 1) return refuse('normalisation within a channel; the language\'s lrn is across channels');
        const from = read(bottoms[0]);
        if (from === undefined) return;
        const size = num(p, 'local_size', 5);
        notes.push({ name: rawName, op: type, reason: `Caffe's k=${num(p, 'k', 1)}, alpha=${num(p, 'alpha', 1)} divided by the size, beta=${num(p, 'beta', 0.75)}; the language's lrn uses the AlexNet paper's k=2, alpha=1e-4 (not divided), beta=0.75` });
        add({ kind: 'lrn', size, act: 'none', inputs: [from] });
        return;
      }
      case 'Dropout': {
        const from = read(bottoms[0], true);
        if (from === undefined) return;
        const wasFlat = flattened.has(bottoms[0]);
        add({ kind: 'dropout', rate: num(param('dropout_param'), 'dropout_ratio', 0.5), act: 'none', inputs: [from] });
        if (wasFlat) for (const t of tops) flattened.add(t);
        return;
      }
      case 'BatchNorm': {
        const from = read(bottoms[0]);
        if (from === undefined) return;
        const made = add({ kind: 'batchnorm', act: 'none', inputs: [from] });
        unscaled.set(made.name, { name: rawName });
        return;
      }
      case 'Scale': {
        const from = read(bottoms[0]);
        const target = from !== undefined ? byName.get(from) : undefined;
        if (!target || !unscaled.has(target.name)) return refuse('a Scale that does not follow a BatchNorm; only the pair BatchNorm + Scale is a batchnorm');
        if (!flag(param('scale_param'), 'bias_term', false)) return refuse('a Scale without bias_term: the language\'s batchnorm learns a scale and a shift');
        unscaled.delete(target.name);
        for (const t of tops) blobs.set(t, target.name);
        return;
      }
      case 'Eltwise': {
        const p = param('eltwise_param');
        const operation = word(p, 'operation') ?? 'SUM';
        if (operation !== 'SUM' && operation !== 1) return refuse(`element-wise ${operation}; the language adds (SUM) only`);
        if (nums(p, 'coeff').some((k) => k !== 1)) return refuse(`coefficients ${nums(p, 'coeff').join(', ')}; the language's add sums with coefficient 1`);
        const from = bottoms.map((b) => read(b));
        if (from.some((f) => f === undefined)) return;
        add({ kind: 'add', act: 'none', inputs: from as string[] });
        return;
      }
      case 'Concat': {
        const p = param('concat_param');
        const axis = num(p, 'axis', num(p, 'concat_dim', 1));
        if (axis !== 1) return refuse(`concatenation along axis ${axis}; the language concatenates channels (axis 1)`);
        const from = bottoms.map((b) => read(b));
        if (from.some((f) => f === undefined)) return;
        add({ kind: 'concat', act: 'none', inputs: from as string[] });
        return;
      }
      case 'Flatten':
      case 'Reshape': {
        if (type === 'Flatten' && num(param('flatten_param'), 'axis', 1) !== 1) return refuse('a flatten from an axis other than 1');
        const from = read(bottoms[0], true);
        if (from === undefined) return;
        for (const t of tops) {
          blobs.set(t, from);
          flattened.add(t);
        }
        return;
      }
      case 'Split': {
        const from = read(bottoms[0], true);
        if (from === undefined) return;
        for (const t of tops) {
          blobs.set(t, from);
          if (flattened.has(bottoms[0])) flattened.add(t);
        }
        return;
      }
      case 'Softmax': {
        const from = read(bottoms[0], true);
        const target = from !== undefined ? byName.get(from) : undefined;
        const last = index === layersIn.length - 1;
        if (!target || target.kind !== 'fc' || target.act !== 'none' || !last || target !== layers[layers.length - 1]) {
          return refuse('a softmax is written only as the last layer, after a fully connected one (`softmax N`)');
        }
        target.kind = 'softmax';
        for (const t of tops) blobs.set(t, target.name);
        return;
      }
      default:
        return refuse(`no .cnn layer kind or activation computes Caffe's ${type}`);
    }
  });
  for (const [layer, bn] of unscaled) {
    refused.push({ name: bn.name, op: 'BatchNorm', reason: `no Scale with bias_term follows it: Caffe's BatchNorm alone learns nothing, while the language's batchnorm (${layer}) learns a scale and a shift` });
  }
  const name = validName(text(first(net, 'name')) ?? fileName.replace(/\.[^.]*$/, ''), 'imported');
  return writeCnn({ name, input: [h, w, c], layers, source: `${fileName} (Caffe, ${old.length && !current.length ? 'the old `layers` syntax' : '`layer` syntax'})` }, refused, notes);
}
