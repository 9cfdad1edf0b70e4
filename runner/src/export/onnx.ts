/**
 * The plan and its tensors as an ONNX model (opset 17, float32, NCHW), encoded through the
 * official onnx.proto (onnxSchema.ts). Pure: no file is read or written here.
 *
 * The runner computes in NHWC with flat vectors after the first fc; ONNX convention (and every
 * runtime's fast path) is NCHW, so the weights are rearranged rather than the graph transposed:
 * conv weights [F, kh, kw, Cin/g] become [F, Cin/g, kh, kw], and an fc that reads an image gets a
 * Flatten of the NCHW tensor and its weight columns reordered from (h, w, c) to (c, h, w).
 *
 * Names: the graph input is `input`; a tensor and the node writing it carry the plan step's name,
 * which is the layer's full name for the layer's output (`layer1.0.conv1`) and `<layer>#<kind>`
 * for the weighted step before an activation; initializers keep the weights file's names
 * (`conv1.weight`, `bn1.running_mean`), PyTorch's state-dict keys. Nodes the runner has no step for
 * (Flatten, Softmax, a pooling Pad, Clip's bounds) are `<layer>#<what>`: no layer name has `#`.
 */
import type { Shape } from '../../../server/src/language/network';
import type { NamedTensor } from '../init';
import { encodeModel, ONNX_FLOAT, ONNX_INT64, ONNX_IR_VERSION, ONNX_OPSET } from '../onnx/onnxSchema';
import { NETWORK_INPUT, type Plan, type PoolStep, type Step } from '../plan';
import { LEAKY_RELU_SLOPE, RELU6_CEILING } from '../reference/activation';
import { BATCHNORM_EPSILON } from '../reference/batchnorm';
import { LRN_ALPHA, LRN_BETA, LRN_K } from '../reference/lrn';

export class OnnxExportError extends Error {}

/** The symbolic batch axis of the graph's input, output and every intermediate shape. */
export const BATCH_AXIS = 'batch';

export interface OnnxExportOptions {
  /** Where the weights come from, in words (a run folder, or the seed they were drawn with): kept in the model's metadata. */
  weights?: string;
  producerVersion?: string;
}

/** onnx.AttributeProto.AttributeType. */
const FLOAT = 1, INT = 2, INTS = 7;

type Attribute = { name: string; type: number; f?: number; i?: number; ints?: number[] };
interface Node { name: string; opType: string; input: string[]; output: string[]; attribute?: Attribute[] }
interface Initializer { name: string; dims: number[]; dataType: number; rawData: Uint8Array }
interface ValueInfo { name: string; type: { tensorType: { elemType: number; shape: { dim: ({ dimParam: string } | { dimValue: number })[] } } } }

const ints = (name: string, values: number[]): Attribute => ({ name, type: INTS, ints: values });
const int = (name: string, value: number): Attribute => ({ name, type: INT, i: value });
const float = (name: string, value: number): Attribute => ({ name, type: FLOAT, f: value });

const bytesOf = (data: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** The ONNX dimensions of a runner shape: [H, W, C] is N×C×H×W, a flat [K] is N×K. */
function onnxDims(shape: Shape): (number | string)[] {
  return shape.length === 3 ? [BATCH_AXIS, shape[2], shape[0], shape[1]] : [BATCH_AXIS, shape[0]];
}

function valueInfo(name: string, shape: Shape): ValueInfo {
  const dim = onnxDims(shape).map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim } } } };
}

/** [F, kh, kw, Cg] (the runner's) to [F, Cg, kh, kw] (ONNX's). */
function convWeight(data: Float32Array, [F, kh, kw, Cg]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let f = 0; f < F; f++) {
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        for (let c = 0; c < Cg; c++) out[((f * Cg + c) * kh + y) * kw + x] = data[((f * kh + y) * kw + x) * Cg + c];
      }
    }
  }
  return out;
}

/** An fc's columns read in (h, w, c) order by the runner, reordered to the (c, h, w) order of an NCHW Flatten. */
function fcWeightForNchw(data: Float32Array, units: number, [H, W, C]: [number, number, number]): Float32Array {
  const K = H * W * C;
  const out = new Float32Array(data.length);
  for (let u = 0; u < units; u++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) out[u * K + (c * H + h) * W + w] = data[u * K + (h * W + w) * C + c];
      }
    }
  }
  return out;
}

/**
 * How a pooling step's output size is reached in ONNX. The Network's size is floor or ceil of
 * (n + 2p - f)/s + 1; ceil is ONNX's ceil_mode. A ceil window that starts past the padded input
 * covers nothing (the runner writes 0 there) and runtimes disagree on it, so it is refused.
 */
function poolRounding(step: PoolStep): { ceil: boolean; overhang: boolean } {
  const [H, W] = step.inShape as [number, number, number];
  const [Ho, Wo] = step.outShape as [number, number, number];
  let ceil = false, overhang = false;
  ([[H, Ho], [W, Wo]] as const).forEach(([n, out], a) => {
    const k = step.kernel[a], s = step.stride[a], p = step.pad[a];
    const floor = Math.floor((n + 2 * p - k) / s) + 1;
    if (out === floor) return;
    if (out !== Math.ceil((n + 2 * p - k) / s) + 1) {
      throw new OnnxExportError(`layer ${step.layer}: its output ${out} along ${a ? 'the width' : 'the height'} is neither the floor nor the ceil of (${n} + 2·${p} − ${k})/${s} + 1`);
    }
    if ((out - 1) * s - p >= n) {
      throw new OnnxExportError(`layer ${step.layer}: with round=ceil its last window starts past the ${a ? 'right' : 'bottom'} edge of the input, so it sees no value; ONNX runtimes do not agree on such a window (make the size whole, or round=floor)`);
    }
    ceil = true;
    if ((out - 1) * s + k > n + 2 * p) overhang = true;
  });
  return { ceil, overhang };
}

export function exportOnnx(plan: Plan, tensors: { params: NamedTensor[]; state: NamedTensor[] }, options: OnnxExportOptions = {}): Uint8Array {
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  const infos: ValueInfo[] = [];
  const shapes = new Map<string, Shape>([[NETWORK_INPUT, plan.input]]);
  let nextParam = 0, nextState = 0;

  const take = (list: NamedTensor[], at: number, expected: { name: string; size: number }, what: string): NamedTensor => {
    const tensor = list[at];
    if (!tensor || tensor.name !== expected.name) {
      throw new OnnxExportError(`the ${what} have ${tensor ? tensor.name : 'nothing'} where the network has ${expected.name}`);
    }
    if (tensor.data.length !== expected.size) {
      throw new OnnxExportError(`${expected.name} has ${tensor.data.length} values in the ${what} but ${expected.size} in the network`);
    }
    return tensor;
  };
  const addFloats = (name: string, dims: number[], data: Float32Array): string => {
    initializers.push({ name, dims, dataType: ONNX_FLOAT, rawData: bytesOf(data) });
    return name;
  };
  const addInts = (name: string, values: number[]): string => {
    initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, rawData: bytesOf(BigInt64Array.from(values, BigInt)) });
    return name;
  };
  const addScalar = (name: string, value: number): string => {
    initializers.push({ name, dims: [], dataType: ONNX_FLOAT, rawData: bytesOf(Float32Array.of(value)) });
    return name;
  };
  /** A node whose output is an intermediate tensor of the given (runner) shape. */
  const emit = (opType: string, input: string[], output: string, shape: Shape, attribute?: Attribute[]): string => {
    nodes.push({ name: output, opType, input, output: [output], ...(attribute ? { attribute } : {}) });
    shapes.set(output, shape);
    infos.push(valueInfo(output, shape));
    return output;
  };

  const last = plan.steps[plan.steps.length - 1];
  for (const step of plan.steps) {
    const params = step.params.map((spec) => take(tensors.params, nextParam++, spec, 'weights'));
    const state = step.state.map((spec) => take(tensors.state, nextState++, spec, 'running statistics'));
    for (const source of step.inputs) {
      if (!shapes.has(source)) throw new OnnxExportError(`step ${step.name} reads ${source}, which no step before it writes`);
    }
    const x = step.inputs[0];
    const image = (shapes.get(x) as Shape).length === 3;
    const out = step.outShape;
    switch (step.kind) {
      case 'conv': {
        const [w, b] = params;
        const input = [x, addFloats(w.name, [step.filters, w.shape[3], step.kernel[0], step.kernel[1]], convWeight(w.data, w.shape))];
        if (b) input.push(addFloats(b.name, [step.filters], b.data));
        emit('Conv', input, step.name, out, [
          ints('kernel_shape', step.kernel), ints('strides', step.stride), ints('pads', [...step.pad, ...step.pad]), int('group', step.groups),
        ]);
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const { ceil, overhang } = poolRounding(step);
        const padded = step.pad[0] > 0 || step.pad[1] > 0;
        const attributes = [ints('kernel_shape', step.kernel), ints('strides', step.stride), ...(ceil ? [int('ceil_mode', 1)] : [])];
        if (step.kind === 'maxpool') {
          emit('MaxPool', [x], step.name, out, [...attributes, ints('pads', [...step.pad, ...step.pad])]);
        } else if (padded && overhang) {
          // The runner divides a window by its size within the padded input: zeros padded in, then a
          // window past them counts only what it covers, which is count_include_pad=0 on the padded map.
          const [H, W, C] = step.inShape as [number, number, number];
          const pad = emit('Pad', [x, addInts(`${step.layer}#pads`, [0, 0, step.pad[0], step.pad[1], 0, 0, step.pad[0], step.pad[1]])], `${step.layer}#pad`,
            [H + 2 * step.pad[0], W + 2 * step.pad[1], C]);
          emit('AveragePool', [pad], step.name, out, attributes);
        } else {
          // Without padding the divisor is the part of the window inside the input (count_include_pad=0);
          // with padding and no window past it, every window is whole: the kernel's size.
          emit('AveragePool', [x], step.name, out, [...attributes, ints('pads', [...step.pad, ...step.pad]), int('count_include_pad', padded ? 1 : 0)]);
        }
        break;
      }
      case 'globalavgpool':
        emit('GlobalAveragePool', [x], step.name, out);
        break;
      case 'fc': {
        const [w, b] = params;
        let flat = x;
        let weight = w.data;
        if (image) {
          const inShape = shapes.get(x) as [number, number, number];
          flat = emit('Flatten', [x], `${step.layer}#flatten`, [step.inSize], [int('axis', 1)]);
          if (inShape[0] * inShape[1] > 1) weight = fcWeightForNchw(w.data, step.units, inShape);
        }
        const input = [flat, addFloats(w.name, [step.units, step.inSize], weight)];
        if (b) input.push(addFloats(b.name, [step.units], b.data));
        const gemm = [float('alpha', 1), float('beta', 1), int('transB', 1)];
        if (step === last) {
          // The runner's predict gives the softmax of the last fc: so does the model.
          const logits = emit('Gemm', input, `${step.layer}#logits`, out, gemm);
          nodes.push({ name: step.name, opType: 'Softmax', input: [logits], output: [step.name], attribute: [int('axis', 1)] });
          shapes.set(step.name, out);
        } else {
          emit('Gemm', input, step.name, out, gemm);
        }
        break;
      }
      case 'activation': {
        switch (step.act) {
          case 'relu': emit('Relu', [x], step.name, out); break;
          case 'tanh': emit('Tanh', [x], step.name, out); break;
          case 'sigmoid': emit('Sigmoid', [x], step.name, out); break;
          case 'leakyrelu': emit('LeakyRelu', [x], step.name, out, [float('alpha', LEAKY_RELU_SLOPE)]); break;
          case 'relu6':
            emit('Clip', [x, addScalar(`${step.name}#min`, 0), addScalar(`${step.name}#max`, RELU6_CEILING)], step.name, out);
            break;
          case 'prelu':
          case 'prelu-shared': {
            const [slope] = params;
            // Slopes per channel broadcast over N×C×H×W as C×1×1; over N×C as C.
            const dims = step.act === 'prelu-shared' ? [1] : image ? [slope.data.length, 1, 1] : [slope.data.length];
            emit('PRelu', [x, addFloats(slope.name, dims, slope.data)], step.name, out);
            break;
          }
        }
        break;
      }
      case 'dropout':
        // Without its training_mode input, Dropout is the identity: kept so the layer and its rate stay visible.
        emit('Dropout', [x, addScalar(`${step.layer}#ratio`, step.rate)], step.name, out);
        break;
      case 'lrn': {
        // ONNX's window is size wide around the channel and divides alpha by size; the runner's is
        // size/2 either side (size + 1 channels for an even size) with alpha as it is.
        const window = 2 * Math.floor(step.size / 2) + 1;
        const attributes = [int('size', window), float('alpha', LRN_ALPHA * window), float('beta', LRN_BETA), float('bias', LRN_K)];
        // The language gives lrn an image only (needs-image-input); a hand-made plan may not.
        if (!image) throw new OnnxExportError(`layer ${step.layer}: lrn needs an H×W×C input, and it reads a flat vector`);
        emit('LRN', [x], step.name, out, attributes);
        break;
      }
      case 'batchnorm': {
        const [scale, shift] = params;
        const [mean, variance] = state;
        const C = step.channels;
        emit('BatchNormalization', [x, addFloats(scale.name, [C], scale.data), addFloats(shift.name, [C], shift.data), addFloats(mean.name, [C], mean.data), addFloats(variance.name, [C], variance.data)],
          step.name, out, [float('epsilon', BATCHNORM_EPSILON)]);
        break;
      }
      case 'add': {
        // Summed in the order listed, as the runner sums: ((a + b) + c) + ...
        let sum = x;
        step.inputs.slice(1).forEach((operand, k) => {
          sum = emit('Add', [sum, operand], k === step.inputs.length - 2 ? step.name : `${step.layer}#sum${k + 1}`, out);
        });
        break;
      }
      case 'concat':
        emit('Concat', step.inputs, step.name, out, [int('axis', 1)]);
        break;
    }
  }
  if (nextParam !== tensors.params.length) throw new OnnxExportError(`the weights have ${tensors.params.length - nextParam} tensor(s) the network does not use, the first ${tensors.params[nextParam].name}`);
  if (nextState !== tensors.state.length) throw new OnnxExportError(`the running statistics have ${tensors.state.length - nextState} tensor(s) the network does not use, the first ${tensors.state[nextState].name}`);

  const outputName = last.name;
  const graph = {
    name: plan.name,
    node: nodes,
    initializer: initializers,
    input: [valueInfo(NETWORK_INPUT, plan.input)],
    output: [valueInfo(outputName, last.outShape)],
    valueInfo: infos.filter((v) => v.name !== outputName),
    docString: `${plan.name}: input N×C×H×W float32 (${plan.input[2]}×${plan.input[0]}×${plan.input[1]} per image, prepared as the run's dataset prepares images); output: the probabilities of the ${plan.classes} classes (softmax).`,
  };
  const metadataProps = [{ key: 'cnn.network', value: plan.name }, ...(options.weights ? [{ key: 'cnn.weights', value: options.weights }] : [])];
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    producerName: 'cnn-spec',
    ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}),
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph,
    metadataProps,
  });
}
