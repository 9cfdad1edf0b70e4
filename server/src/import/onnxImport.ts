/**
 * Importing an ONNX model: the bytes are decoded by protobufjs with the official onnx.proto
 * (runner/src/onnx/onnxSchema.ts); each operator on the path from the input to the output becomes
 * a .cnn layer, a key of one (an activation, a softmax), or nothing (Flatten before Gemm,
 * Identity); anything else is refused with its node's name and why.
 */
import { decodeModel } from '../../../runner/src/onnx/onnxSchema';
import type { Activation } from '../language/network';
import { writeCnn } from './cnnWriter';
import { ImportError, NameRegistry, TAKES_ACT, validName, type ImportedLayer, type ImportProblem, type ImportResult } from './importedNetwork';

interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
}
interface OnnxTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int64Data?: number[];
  doubleData?: number[];
  rawData?: Uint8Array;
}
interface OnnxNode {
  name?: string;
  opType?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: OnnxAttribute[];
}
interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}
interface OnnxGraph {
  name?: string;
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
}
interface OnnxModel {
  irVersion?: number;
  opsetImport?: { domain?: string; version?: number }[];
  graph?: OnnxGraph;
}

const FLOAT = 1;
const INT64 = 7;
const DOUBLE = 11;

/** A tensor's values as numbers (float, double or int64; raw little-endian bytes or the typed fields). */
function tensorValues(t: OnnxTensor): number[] {
  const raw = t.rawData;
  if (raw && raw.length) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values: number[] = [];
    if (t.dataType === FLOAT) for (let o = 0; o + 4 <= raw.length; o += 4) values.push(view.getFloat32(o, true));
    else if (t.dataType === INT64) for (let o = 0; o + 8 <= raw.length; o += 8) values.push(Number(view.getBigInt64(o, true)));
    else if (t.dataType === DOUBLE) for (let o = 0; o + 8 <= raw.length; o += 8) values.push(view.getFloat64(o, true));
    return values;
  }
  return [...(t.floatData ?? []), ...(t.int64Data ?? []), ...(t.doubleData ?? [])];
}

const elements = (dims: number[] | undefined) => (dims ?? []).reduce((a, b) => a * b, 1);

function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}
const attrInt = (node: OnnxNode, name: string, fallback: number) => attr(node, name)?.i ?? fallback;
const attrFloat = (node: OnnxNode, name: string, fallback: number) => attr(node, name)?.f ?? fallback;
const attrInts = (node: OnnxNode, name: string) => attr(node, name)?.ints;
const attrString = (node: OnnxNode, name: string) => {
  const s = attr(node, name)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
};

/** The inputs of each operator that carry the picture; the others are weights, shapes and settings. */
const DATA_INPUTS: Record<string, 'all' | number[]> = { Add: 'all', Sum: 'all', Concat: 'all', Mul: 'all', Sub: 'all', Div: 'all' };

/** Operators with a window, which can take a Pad before them as their own padding. */
const WINDOW_OPS = new Set(['Conv', 'MaxPool', 'AveragePool']);

/** Operators that pass their input through unchanged as far as the language is concerned. */
const PASS_THROUGH = new Set(['Identity']);

/** Operators that are a PyTorch module of their own (nn.Conv2d, nn.MaxPool2d...): named by their module path alone. */
const MODULE_OPS = new Set(['Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'LRN', 'Dropout']);

/**
 * The module path PyTorch writes in node names, `/layer1/layer1.0/conv1/Conv`, as a dotted full name
 * (`layer1.0.conv1`); each scope is either the full path or the child's own name.
 */
function modulePath(nodeName: string): string[] | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const scopes = nodeName.split('/').filter(Boolean).slice(0, -1);
  // A child of a container is written `features.18` under `features`: its own name is what follows.
  let path = '';
  let previous = '';
  for (const s of scopes) {
    const own = previous && s.startsWith(previous + '.') ? s.slice(previous.length + 1) : s;
    path = path ? `${path}.${own}` : own;
    previous = s;
  }
  return path ? path.split('.') : [];
}

/** `fileName`: the file's base name, for the network's name and the first comment. */
export function importOnnx(bytes: Uint8Array, fileName: string): ImportResult {
  let model: OnnxModel;
  try {
    model = decodeModel(bytes) as OnnxModel;
  } catch (error) {
    throw new ImportError(`not an ONNX model (${(error as Error).message}); is the file complete?`);
  }
  const graph = model.graph;
  if (!graph || !graph.node?.length) throw new ImportError('not an ONNX model: it has no graph of operators; is the file complete?');
  const opset = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;

  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const constants = new Map<string, OnnxTensor>(initializers);
  for (const node of graph.node) {
    const value = attr(node, 'value')?.t;
    const out = node.output?.[0];
    if (node.opType === 'Constant' && value && out) constants.set(out, value);
    // Constant folding shares one tensor among layers through Identity nodes: each layer still has its own.
    const shared = node.opType === 'Identity' ? initializers.get(node.input?.[0] ?? '') : undefined;
    if (shared && out) {
      initializers.set(out, shared);
      constants.set(out, shared);
    }
  }
  const dataInputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (dataInputs.length !== 1) throw new ImportError(`the model has ${dataInputs.length} inputs (${dataInputs.map((i) => i.name).join(', ')}); a .cnn network has one image input`);
  const input = dataInputs[0];
  const dims = input.type?.tensorType?.shape?.dim ?? [];
  if (dims.length !== 4 || dims.slice(1).some((d) => !d.dimValue)) {
    const written = dims.map((d) => d.dimValue ?? d.dimParam ?? '?').join('x');
    throw new ImportError(`the input '${input.name}' is ${written || 'of unknown shape'}; import needs an image input N x C x H x W with C, H and W fixed`);
  }
  const [c, h, w] = dims.slice(1).map((d) => d.dimValue!);
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw new ImportError(`the model has ${outputs.length} outputs; a .cnn network has one`);

  // The operators that lead from the input to the output, along picture-carrying inputs only.
  const producer = new Map<string, OnnxNode>();
  for (const node of graph.node) for (const o of node.output ?? []) if (o) producer.set(o, node);
  const needed = new Set<OnnxNode>();
  const stack = [outputs[0].name ?? ''];
  while (stack.length) {
    const node = producer.get(stack.pop()!);
    if (!node || needed.has(node) || node.opType === 'Constant') continue;
    needed.add(node);
    const which = DATA_INPUTS[node.opType ?? ''];
    const ins = (node.input ?? []).filter((name, k) => name && (which === 'all' || (which ?? [0]).includes(k)));
    for (const name of ins) if (!constants.has(name)) stack.push(name);
  }
  const consumers = new Map<string, number>();
  for (const node of needed) for (const i of node.input ?? []) consumers.set(i, (consumers.get(i) ?? 0) + 1);

  const refused: ImportProblem[] = [];
  const notes: ImportProblem[] = [];
  const layers: ImportedLayer[] = [];
  const names = new NameRegistry();
  /** What each tensor is, in .cnn terms: the layer that makes it, or `input`. */
  const source = new Map<string, string>([[input.name ?? '', 'input']]);
  const byName = new Map<string, ImportedLayer>();
  /** Tensors padded with zeros by a Pad node, [H, W]: the convolution or pooling reading them takes the padding. */
  const zeroPadded = new Map<string, [number, number]>();
  /** Tensors that are the flattened output of a layer: only a Gemm or MatMul may read them. */
  const flattened = new Set<string>();
  let sourceParams = 0;
  let counter = 0;

  const nodeLabel = (node: OnnxNode) => node.name || node.output?.[0] || node.opType || '?';
  const refuse = (node: OnnxNode, reason: string) => refused.push({ name: nodeLabel(node), op: node.opType ?? '?', reason });
  const weight = (name: string | undefined) => (name ? initializers.get(name) : undefined);

  /** A layer's name: the weight's own name where it has one (`layer1.0.conv1.weight`), else the node's module path. */
  function layerName(node: OnnxNode, weightName?: string): string {
    const own = weightName && !weightName.includes('::') && /\.(weight|bias)$/.test(weightName) ? weightName.replace(/\.(weight|bias)$/, '') : undefined;
    const path = modulePath(node.name ?? '');
    const op = (node.opType ?? 'layer').toLowerCase();
    let raw = own;
    if (!raw && path) {
      // A module that is this operator keeps its own name; an operator written in a module's forward is named after the operator inside it.
      raw = [...path, ...(MODULE_OPS.has(node.opType ?? '') && path.length ? [] : [op])].join('.');
    }
    // cnn export names the nodes a layer needs besides its own `<layer>#<what>`.
    if (!raw) raw = node.name?.split('#')[0] || `${op}${++counter}`;
    return names.claim(raw, `${op}${++counter}`);
  }

  function addLayer(node: OnnxNode, layer: Omit<ImportedLayer, 'name'>, weightName?: string): void {
    const made: ImportedLayer = { name: layerName(node, weightName), ...layer };
    layers.push(made);
    byName.set(made.name, made);
    source.set(node.output?.[0] ?? '', made.name);
  }

  /**
   * The layer a tensor comes from; undefined where it has none (a node before it was refused, and
   * said why) or where this node cannot read it (refused here).
   */
  function read(node: OnnxNode, tensor: string | undefined, allowFlat = false): string | undefined {
    const from = tensor !== undefined ? source.get(tensor) : undefined;
    if (from === undefined) return undefined;
    if (zeroPadded.has(tensor!) && !WINDOW_OPS.has(node.opType ?? '')) {
      refuse(node, 'it reads a zero-padded tensor; the language pads only inside a convolution or pooling');
      return undefined;
    }
    if (flattened.has(tensor!) && !allowFlat) {
      refuse(node, 'it reads a flattened tensor; the language flattens only into a fully connected layer');
      return undefined;
    }
    return from;
  }

  /** Folds an activation into the layer before it, where that layer takes `act` and nothing else reads it. */
  function activation(node: OnnxNode, act: Activation): void {
    const x = node.input?.[0];
    const from = read(node, x);
    if (from === undefined) return;
    const target = byName.get(from);
    if (!target || !TAKES_ACT.has(target.kind) || target.act !== 'none' || (consumers.get(x!) ?? 0) > 1) {
      const what = target ? `${target.kind} ${target.name}` : 'the input';
      refuse(node, `the language writes an activation as the act of a conv, fc, batchnorm, add or concat that nothing else reads; this one follows ${what}${target && target.act !== 'none' ? ` which already has act=${target.act}` : ''}`);
      return;
    }
    target.act = act;
    source.set(node.output?.[0] ?? '', from);
  }

  function scalar(name: string | undefined): number | undefined {
    if (!name) return undefined;
    const t = constants.get(name);
    const values = t ? tensorValues(t) : [];
    return values.length === 1 ? values[0] : undefined;
  }

  /** Symmetric pads [top, left, bottom, right] as [H, W], or a reason. */
  function pads(node: OnnxNode): [number, number] | string {
    const autoPad = attrString(node, 'auto_pad');
    if (autoPad && autoPad !== 'NOTSET' && autoPad !== 'VALID') return `auto_pad=${autoPad} is not written as a pad; export with explicit pads`;
    const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    if (p.length !== 4) return `it is not two-dimensional (pads ${p.join(',')})`;
    if (p[0] !== p[2] || p[1] !== p[3]) return `its padding is not the same on both sides (pads ${p.join(',')}); the language pads both sides alike`;
    return [p[0], p[1]];
  }

  /** `weightKernel`: a Conv's kernel from its weight's shape, for a file that leaves kernel_shape out. */
  function window(node: OnnxNode, weightKernel?: number[]): { kernel: [number, number]; stride: [number, number]; pad: [number, number] } | undefined {
    const kernel = attrInts(node, 'kernel_shape') ?? weightKernel;
    if (!kernel || kernel.length !== 2) {
      refuse(node, `it is not a two-dimensional window (kernel_shape ${kernel?.join('x') ?? 'missing'})`);
      return undefined;
    }
    const dilations = attrInts(node, 'dilations');
    if (dilations && dilations.some((d) => d !== 1)) {
      refuse(node, `dilation ${dilations.join('x')}: the language has no dilated windows`);
      return undefined;
    }
    const pad = pads(node);
    if (typeof pad === 'string') {
      refuse(node, pad);
      return undefined;
    }
    const padded = zeroPadded.get(node.input?.[0] ?? '');
    if (padded) {
      if (node.opType === 'MaxPool') {
        refuse(node, 'a max pooling after zero padding; the language pads a max pooling with -inf');
        return undefined;
      }
      pad[0] += padded[0];
      pad[1] += padded[1];
    }
    const stride = attrInts(node, 'strides') ?? [1, 1];
    return { kernel: [kernel[0], kernel[1]], stride: [stride[0], stride[1]], pad };
  }

  const ordered = graph.node.filter((n) => needed.has(n));
  for (const node of ordered) {
    const op = node.opType ?? '';
    const ins = node.input ?? [];
    if (node.domain && node.domain !== 'ai.onnx') {
      refuse(node, `operator of domain '${node.domain}', which the language does not know`);
      continue;
    }
    switch (op) {
      case 'Conv': {
        const from = read(node, ins[0]);
        const wt = weight(ins[1]);
        const bias = ins[2] ? weight(ins[2]) : undefined;
        if (!wt || wt.dims?.length !== 4 || (ins[2] && !bias)) {
          refuse(node, 'its weights are not constant four-dimensional tensors stored in the file');
          continue;
        }
        const win = window(node, wt.dims.slice(2));
        if (from === undefined || !win) continue;
        sourceParams += elements(wt.dims) + (bias ? elements(bias.dims) : 0);
        addLayer(node, { kind: 'conv', count: wt.dims[0], ...win, groups: attrInt(node, 'group', 1), act: 'none', bias: !!bias, inputs: [from] }, wt.name);
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const from = read(node, ins[0]);
        const win = window(node);
        if (from === undefined || !win) continue;
        if ((node.output ?? []).filter(Boolean).length > 1 && (consumers.get(node.output![1]) ?? 0) > 0) {
          refuse(node, 'its indices output is used; the language has no unpooling');
          continue;
        }
        // Zeros a Pad node put there are counted whatever the attribute says: only the pooling's own padding matters.
        const own = pads(node);
        if (op === 'AveragePool' && typeof own !== 'string' && (own[0] || own[1]) && !attrInt(node, 'count_include_pad', 0)) {
          notes.push({ name: nodeLabel(node), op, reason: 'averages without the padding (count_include_pad=0); the language counts the zero padding in the average' });
        }
        addLayer(node, { kind: op === 'MaxPool' ? 'maxpool' : 'avgpool', ...win, ...(attrInt(node, 'ceil_mode', 0) ? { round: 'ceil' as const } : {}), act: 'none', inputs: [from] });
        break;
      }
      case 'Pad': {
        // Zero padding of height and width alone, on both sides alike, read by a convolution or
        // an average pooling: that layer's pad (how cnn export writes a padded pooling that rounds up).
        const from = read(node, ins[0]);
        const amounts = attrInts(node, 'pads') ?? (ins[1] && constants.get(ins[1]) ? tensorValues(constants.get(ins[1])!) : undefined);
        const mode = attrString(node, 'mode') ?? 'constant';
        const value = attr(node, 'value')?.f ?? scalar(ins[2]) ?? 0;
        const readers = graph.node.filter((n) => needed.has(n) && n.input?.[0] === node.output?.[0]);
        const symmetric = amounts?.length === 8 && amounts[0] === 0 && amounts[1] === 0 && amounts[4] === 0 && amounts[5] === 0 && amounts[2] === amounts[6] && amounts[3] === amounts[7];
        if (mode !== 'constant' || value !== 0 || !symmetric || (ins[3] ?? '') !== '') {
          refuse(node, `${mode} padding${mode === 'constant' ? ` with ${value}` : ''} by ${amounts?.join(',') ?? '?'}; only zero padding of height and width, alike on both sides, before a convolution or pooling is a pad`);
          continue;
        }
        if (!readers.length || readers.some((n) => !WINDOW_OPS.has(n.opType ?? ''))) {
          refuse(node, 'a padding read by something other than a convolution or pooling');
          continue;
        }
        if (from === undefined) continue;
        source.set(node.output?.[0] ?? '', from);
        zeroPadded.set(node.output?.[0] ?? '', [amounts![2], amounts![3]]);
        break;
      }
      case 'GlobalAveragePool': {
        const from = read(node, ins[0]);
        if (from !== undefined) addLayer(node, { kind: 'globalavgpool', act: 'none', inputs: [from] });
        break;
      }
      case 'ReduceMean': {
        const axesTensor = ins[1] ? constants.get(ins[1]) : undefined;
        const axes = attrInts(node, 'axes') ?? (axesTensor ? tensorValues(axesTensor) : undefined);
        const from = read(node, ins[0]);
        if (!axes || [...axes].sort().join(',') !== '2,3') {
          refuse(node, `a mean over axes ${axes?.join(',') ?? 'all'}; only the mean over height and width (global average pooling) has a kind`);
          continue;
        }
        if (from === undefined) continue;
        addLayer(node, { kind: 'globalavgpool', act: 'none', inputs: [from] });
        if (!attrInt(node, 'keepdims', 1)) flattened.add(node.output?.[0] ?? '');
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        // Nothing in .cnn: a fully connected layer flattens what it reads. Only a Gemm or MatMul may read the result.
        const from = read(node, ins[0], true);
        if (from === undefined) continue;
        if (op === 'Flatten' && attrInt(node, 'axis', 1) !== 1) {
          refuse(node, `a flatten from axis ${attrInt(node, 'axis', 1)}; only flattening each sample (axis 1) before a fully connected layer is written`);
          continue;
        }
        // A shape computed in the graph (x.view(x.size(0), -1)) cannot be read here; a constant one must be two-dimensional.
        const target = op === 'Reshape' && ins[1] && constants.get(ins[1]) ? tensorValues(constants.get(ins[1])!) : undefined;
        if (target && target.length !== 2) {
          refuse(node, `a reshape to ${target.join('x')}; only flattening each sample before a fully connected layer is written`);
          continue;
        }
        source.set(node.output?.[0] ?? '', from);
        flattened.add(node.output?.[0] ?? '');
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const from = read(node, ins[0], true);
        const wt = weight(ins[1]);
        const bias = op === 'Gemm' && ins[2] ? weight(ins[2]) : undefined;
        if (!wt || wt.dims?.length !== 2 || (op === 'Gemm' && ins[2] && !bias)) {
          refuse(node, 'its weights are not a constant matrix stored in the file');
          continue;
        }
        if (op === 'Gemm' && (attrInt(node, 'transA', 0) || attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1)) {
          refuse(node, 'a Gemm with transA, alpha or beta other than a plain fully connected layer');
          continue;
        }
        if (from === undefined) continue;
        const transposed = op === 'Gemm' && attrInt(node, 'transB', 0) === 1;
        const units = transposed ? wt.dims[0] : wt.dims[1];
        sourceParams += elements(wt.dims) + (bias ? elements(bias.dims) : 0);
        addLayer(node, { kind: 'fc', count: units, act: 'none', bias: !!bias, inputs: [from] }, wt.name);
        break;
      }
      case 'BatchNormalization': {
        const from = read(node, ins[0]);
        const scale = weight(ins[1]);
        const shift = weight(ins[2]);
        if (!scale || !shift) {
          refuse(node, 'its scale and shift are not constant tensors stored in the file');
          continue;
        }
        if (from === undefined) continue;
        const epsilon = attrFloat(node, 'epsilon', 1e-5);
        if (Math.abs(epsilon - 1e-5) > 1e-9) notes.push({ name: nodeLabel(node), op, reason: `epsilon ${Number(epsilon.toPrecision(6))}: the language has no key for it (shapes and counts are unchanged)` });
        sourceParams += elements(scale.dims) + elements(shift.dims);
        addLayer(node, { kind: 'batchnorm', act: 'none', inputs: [from] }, scale.name);
        break;
      }
      case 'Relu':
        activation(node, 'relu');
        break;
      case 'Tanh':
        activation(node, 'tanh');
        break;
      case 'Sigmoid':
        activation(node, 'sigmoid');
        break;
      case 'LeakyRelu': {
        const alpha = attrFloat(node, 'alpha', 0.01);
        if (Math.abs(alpha - 0.01) > 1e-7) refuse(node, `a leaky ReLU of slope ${Number(alpha.toPrecision(6))}; the language's leakyrelu has slope 0.01`);
        else activation(node, 'leakyrelu');
        break;
      }
      case 'Clip': {
        const low = attr(node, 'min')?.f ?? scalar(ins[1]);
        const high = attr(node, 'max')?.f ?? scalar(ins[2]);
        if (low === 0 && high === 6) activation(node, 'relu6');
        else if (low === 0 && (high === undefined || high === Infinity)) activation(node, 'relu');
        else refuse(node, `a clip to [${low ?? '-inf'}, ${high ?? 'inf'}]; only [0, 6] (relu6) and [0, inf) (relu) are activations of the language`);
        break;
      }
      case 'PRelu': {
        // One slope is prelu-shared; more are one per channel (a count that is not the channels
        // shows as a parameter total unlike the source's, and is refused there).
        const slope = weight(ins[1]);
        if (!slope) {
          refuse(node, 'its slopes are not a constant tensor stored in the file');
          continue;
        }
        const n = elements(slope.dims);
        sourceParams += n;
        activation(node, n === 1 ? 'prelu-shared' : 'prelu');
        break;
      }
      case 'Softmax': {
        const x = ins[0];
        const from = read(node, x, true);
        const target = from !== undefined ? byName.get(from) : undefined;
        const isOutput = node.output?.[0] === outputs[0].name;
        if (!target || target.kind !== 'fc' || target.act !== 'none' || !isOutput || (consumers.get(x) ?? 0) > 1) {
          refuse(node, 'a softmax is written only as the last layer, after a fully connected one (`softmax N`)');
          continue;
        }
        target.kind = 'softmax';
        source.set(node.output?.[0] ?? '', from!);
        break;
      }
      case 'Dropout': {
        const from = read(node, ins[0], true);
        if (from === undefined) continue;
        const rate = attr(node, 'ratio')?.f ?? scalar(ins[1]) ?? 0.5;
        addLayer(node, { kind: 'dropout', rate: Number(rate.toPrecision(6)), act: 'none', inputs: [from] });
        if (flattened.has(ins[0])) flattened.add(node.output?.[0] ?? '');
        break;
      }
      case 'LRN': {
        const from = read(node, ins[0]);
        if (from === undefined) continue;
        const size = attrInt(node, 'size', 5);
        const alpha = attrFloat(node, 'alpha', 1e-4);
        const beta = attrFloat(node, 'beta', 0.75);
        const bias = attrFloat(node, 'bias', 1);
        // ONNX divides alpha by the size; the language's LRN (the AlexNet paper's) does not, and uses k = 2.
        if (Math.abs(alpha / size - 1e-4) > 1e-9 || Math.abs(beta - 0.75) > 1e-6 || Math.abs(bias - 2) > 1e-6) {
          notes.push({ name: nodeLabel(node), op, reason: `alpha ${alpha}, beta ${beta}, bias ${bias} (alpha divided by the size); the language's lrn uses the AlexNet paper's k=2, alpha=1e-4 (not divided), beta=0.75` });
        }
        addLayer(node, { kind: 'lrn', size, act: 'none', inputs: [from] });
        break;
      }
      case 'Add':
      case 'Sum': {
        const constant = ins.find((i) => constants.has(i));
        if (op === 'Add' && constant !== undefined && ins.length === 2) {
          // MatMul + Add of a bias vector: the fully connected layer's bias.
          const other = ins.find((i) => i !== constant)!;
          const target = byName.get(read(node, other, true) ?? '');
          const bias = constants.get(constant)!;
          if (target?.kind === 'fc' && !target.bias && target.act === 'none' && elements(bias.dims) === target.count && (consumers.get(other) ?? 0) === 1) {
            target.bias = true;
            sourceParams += elements(bias.dims);
            source.set(node.output?.[0] ?? '', target.name);
          } else refuse(node, 'it adds a constant tensor; the language adds only layers\' outputs');
          continue;
        }
        const from = ins.map((i) => read(node, i));
        if (from.some((f) => f === undefined)) continue;
        if (new Set(from).size !== from.length) {
          refuse(node, 'it adds a tensor to itself');
          continue;
        }
        // PyTorch and cnn export write a sum of three as Add(Add(a, b), c): one add of three here.
        const inner = ins.findIndex((i, k) => {
          const layer = byName.get(from[k]!);
          return layer?.kind === 'add' && layer.act === 'none' && (consumers.get(i) ?? 0) === 1 && layers[layers.length - 1] === layer;
        });
        if (inner >= 0) {
          const layer = byName.get(from[inner]!)!;
          layer.inputs = [...layer.inputs, ...(from as string[]).filter((_, k) => k !== inner)];
          source.set(node.output?.[0] ?? '', layer.name);
          continue;
        }
        addLayer(node, { kind: 'add', act: 'none', inputs: from as string[] });
        break;
      }
      case 'Concat': {
        const axis = attrInt(node, 'axis', 1);
        const from = ins.map((i) => read(node, i));
        if (axis !== 1 && axis !== -3) {
          refuse(node, `a concatenation along axis ${axis}; the language concatenates channels (axis 1)`);
          continue;
        }
        if (from.some((f) => f === undefined)) continue;
        if (from.length === 1) {
          // torch.cat of one tensor (DenseNet's first layer of a block) is that tensor.
          source.set(node.output?.[0] ?? '', from[0]!);
          continue;
        }
        addLayer(node, { kind: 'concat', act: 'none', inputs: from as string[] });
        break;
      }
      default:
        if (PASS_THROUGH.has(op)) {
          const from = read(node, ins[0], true);
          if (from !== undefined) {
            source.set(node.output?.[0] ?? '', from);
            if (flattened.has(ins[0])) flattened.add(node.output?.[0] ?? '');
          }
          continue;
        }
        refuse(node, `no .cnn layer kind or activation computes ${op}`);
    }
  }
  const last = source.get(outputs[0].name ?? '');
  if (!refused.length && last !== layers[layers.length - 1]?.name) {
    refused.push({ name: outputs[0].name ?? '?', op: 'output', reason: 'the output is not the last layer computed; the language ends at its last layer' });
  }
  const name = validName(fileName.replace(/\.[^.]*$/, ''), 'imported');
  return writeCnn({ name, input: [h, w, c], layers, sourceParams, source: `${fileName} (ONNX${opset ? `, opset ${opset}` : ''})` }, refused, notes);
}
