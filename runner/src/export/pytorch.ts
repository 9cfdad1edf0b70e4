/**
 * Export to PyTorch: a directory that trains and runs the network without cnn-spec.
 * - model.py: an nn.Module whose submodules are the .cnn full names (`layer2.0.downsample.0`), so a
 *   file written with torchvision's names loads torchvision's state dict with strict=True; it reads
 *   and writes the runner's weights.safetensors (plain Python, the runner's NHWC layout converted);
 * - train.py: the runner's training loop (its SGD/Adam rule, schedule, warmup, validation, run
 *   folder) in one process or under `torchrun --nproc_per_node=N` with DistributedDataParallel;
 * - config.json (settings, classes), network.json, weights.safetensors (a run's, or the runner's
 *   initial weights for the seed), data.safetensors (the very images and labels the runner trains
 *   and validates on, whatever the dataset: shapes, mnist, folder).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Activation, Network, NetworkLayer, Shape } from '../../../server/src/language/network';
import { initialTensors, type NamedTensor } from '../init';
import { buildPlan, NETWORK_INPUT, type Plan } from '../plan';
import { encodeSafetensors } from '../safetensors';
import { makeDirectories, readRunWeights, WEIGHTS_FILE } from '../runFolder';
import { resolveSettings, type JobSettings, type ResolvedSettings } from '../settings';
import { loadTrainingData } from '../train';
import { LEAKY_RELU_SLOPE, RELU6_CEILING } from '../reference/activation';
import { BATCHNORM_EPSILON, BATCHNORM_MOMENTUM } from '../reference/batchnorm';
import { LRN_ALPHA, LRN_BETA, LRN_K } from '../reference/lrn';
import { TRAIN_PY } from './pytorchTrain';
import { parseTrainArgs } from '../trainCommand';

export class ExportError extends Error {}

export interface PytorchExportOptions {
  /** The directory to write (created if missing). */
  outDir: string;
  /** A run folder whose weights.safetensors (and settings' act and init) to take. */
  weightsRunDir?: string;
  /** Settings over the file's `train` statement, as `cnn train` takes them. */
  settings?: JobSettings;
  /** Where `folder(PATH)` and the mnist package are looked up: the .cnn file's folder. */
  dataDir: string;
  /** Leave out data.safetensors (train.py then cannot train). */
  noData?: boolean;
}

export interface PytorchExport {
  outDir: string;
  files: string[];
  plan: Plan;
  settings: ResolvedSettings;
  classes: string[];
}

/** nn.Module's own attributes: a submodule of one of these names cannot be added. */
const MODULE_ATTRIBUTES = new Set([
  'T_destination', 'add_module', 'apply', 'bfloat16', 'buffers', 'children', 'cpu', 'cuda', 'double', 'dump_patches', 'eval', 'extra_repr', 'float',
  'forward', 'get_buffer', 'get_extra_state', 'get_parameter', 'get_submodule', 'half', 'ipu', 'load_state_dict', 'modules', 'named_buffers',
  'named_children', 'named_modules', 'named_parameters', 'parameters', 'register_backward_hook', 'register_buffer', 'register_forward_hook',
  'register_forward_pre_hook', 'register_full_backward_hook', 'register_load_state_dict_post_hook', 'register_module', 'register_parameter',
  'requires_grad_', 'set_extra_state', 'share_memory', 'state_dict', 'to', 'to_empty', 'train', 'type', 'xpu', 'zero_grad', 'training',
]);
const PYTHON_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally',
  'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

const isIdentifier = (s: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !PYTHON_KEYWORDS.has(s);
const py = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : v === undefined || v === null ? 'None' : typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `(${v.map(py).join(', ')}${v.length === 1 ? ',' : ''})` : String(v));
/** A float as Python reads it back exactly. */
const num = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

/** `self.layer1[0].conv1`: attribute access for identifiers, indexing for numbers, getattr otherwise. */
function modulePath(name: string): string {
  return name.split('.').reduce((expr, part) => (/^\d+$/.test(part) ? `${expr}[${part}]` : isIdentifier(part) ? `${expr}.${part}` : `getattr(${expr}, ${JSON.stringify(part)})`), 'self');
}

/** NCHW channels first: the (C, H, W) of an HxWxC shape, (N,) of a flat one. */
const torchShape = (s: Shape): number[] => (s.length === 3 ? [s[2], s[0], s[1]] : [s[0]]);

/** The constructor call of one layer's module. */
function moduleFor(layer: NetworkLayer, plan: Plan, act: Activation): string {
  const stdOf = (suffix: string) => {
    const p = plan.steps.flatMap((s) => s.params).find((q) => q.name === `${layer.name}.${suffix}`);
    return p && p.init.kind === 'normal' ? p.init.std : undefined;
  };
  const actArg = act === 'none' ? '' : `, act=${py(act)}`;
  const channels = layer.output.length === 3 ? layer.output[2] : layer.output[0];
  switch (layer.kind) {
    case 'conv': {
      const cin = layer.input[layer.input.length - 1];
      return `Conv(${cin}, ${layer.count ?? channels}, kernel=${py(layer.kernel)}, stride=${py(layer.stride ?? [1, 1])}, pad=${py(layer.pad ?? [0, 0])}, groups=${layer.groups ?? 1}, bias=${py(layer.bias ?? true)}, std=${stdOf('weight')}${actArg})`;
    }
    case 'fc':
    case 'softmax': {
      const inputs = layer.input.reduce((a, b) => a * b, 1);
      const units = layer.count ?? channels;
      const inShape = layer.input.length === 3 ? `, in_shape=${py(torchShape(layer.input))}` : '';
      return `Linear(${inputs}, ${units}, bias=${py(layer.bias ?? true)}, std=${stdOf('weight')}${inShape}${layer.kind === 'softmax' ? '' : actArg})`;
    }
    case 'maxpool':
    case 'avgpool': {
      const kernel = layer.kernel!;
      const args = `kernel_size=${py(kernel)}, stride=${py(layer.stride ?? kernel)}, padding=${py(layer.pad ?? [0, 0])}, ceil_mode=${py(layer.round === 'ceil')}`;
      // Average pooling divides by the window clipped to the padded input, as the runner (and Caffe) do.
      return layer.kind === 'maxpool' ? `nn.MaxPool2d(${args})` : `nn.AvgPool2d(${args}, count_include_pad=True)`;
    }
    case 'globalavgpool':
      return 'GlobalAvgPool()';
    case 'dropout':
      return `nn.Dropout(${layer.rate ?? 0.5})`;
    case 'lrn':
      return `Lrn(${layer.size ?? 5})`;
    case 'batchnorm':
      return `BatchNorm(${channels}${actArg})`;
    case 'add':
      return `Add(${channels}${actArg})`;
    case 'concat':
      return `Concat(${channels}${actArg})`;
  }
}

/**
 * The act each layer's module applies: the plan's (which has the run's `act` override applied), read
 * back from the activation step named as the layer.
 */
function actsOf(plan: Plan): Map<string, Activation> {
  const acts = new Map<string, Activation>();
  for (const step of plan.steps) if (step.kind === 'activation') acts.set(step.layer, step.act);
  return acts;
}

/** model.py's text. */
export function modelPy(network: Network, plan: Plan): string {
  const acts = actsOf(plan);
  // The module tree: every proper prefix of a full name is a Container, every full name a layer.
  const kinds = new Map<string, 'container' | 'layer'>();
  const containers: string[] = [];
  for (const layer of network.layers) {
    const parts = layer.name.split('.');
    for (const part of parts) {
      if (MODULE_ATTRIBUTES.has(part)) throw new ExportError(`layer ${layer.name}: "${part}" is the name of an nn.Module attribute in PyTorch; rename the layer to export it`);
    }
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (kinds.get(prefix) === 'layer') throw new ExportError(`layer ${layer.name}: ${prefix} is a layer, so it cannot also hold ${layer.name} as a PyTorch module`);
      if (!kinds.has(prefix)) { kinds.set(prefix, 'container'); containers.push(prefix); }
    }
    if (kinds.get(layer.name) === 'container') throw new ExportError(`layer ${layer.name}: the name already holds other layers (${layer.name}.…), so it cannot also be a PyTorch module`);
    kinds.set(layer.name, 'layer');
  }
  const variables = new Map<string, string>([[NETWORK_INPUT, 'x']]);
  const used = new Set(['x', 'self']);
  const variableFor = (name: string): string => {
    let v = name.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(v) || PYTHON_KEYWORDS.has(v)) v = `_${v}`;
    let candidate = v;
    for (let n = 2; used.has(candidate); n++) candidate = `${v}_${n}`;
    used.add(candidate);
    variables.set(name, candidate);
    return candidate;
  };
  const register = (name: string, expr: string) => {
    const dot = name.lastIndexOf('.');
    const parent = dot < 0 ? 'self' : modulePath(name.slice(0, dot));
    const last = name.slice(dot + 1);
    return isIdentifier(last) ? `        ${parent}.${last} = ${expr}` : `        ${parent}.add_module(${JSON.stringify(last)}, ${expr})`;
  };
  const init: string[] = [];
  const forward: string[] = [];
  const containerSet = new Set(containers);
  const declared = new Set<string>();
  for (const layer of network.layers) {
    const parts = layer.name.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (containerSet.has(prefix) && !declared.has(prefix)) { declared.add(prefix); init.push(register(prefix, 'Container()')); }
    }
    init.push(register(layer.name, moduleFor(layer, plan, acts.get(layer.name) ?? 'none')));
    const args = layer.inputs.map((i) => variables.get(i)!);
    const call = layer.kind === 'add' || layer.kind === 'concat' ? `[${args.join(', ')}]` : args[0];
    forward.push(`        ${variableFor(layer.name)} = ${modulePath(layer.name)}(${call})`);
  }
  const last = network.layers[network.layers.length - 1];
  return MODEL_PY_HEAD
    .replace('@NAME@', network.network ?? 'network')
    .replace('@INPUT@', py(torchShape(network.input as Shape)))
    .replace('@CLASSES@', String(plan.classes))
    .replace('@PARAMS@', String(plan.paramCount))
    .replace('@INIT@', init.join('\n'))
    .replace('@FORWARD@', `${forward.join('\n')}\n        return ${variables.get(last.name)}`);
}

const MODEL_PY_HEAD = String.raw`"""The network @NAME@, exported by cnn-spec (cnn export --to pytorch).

Module names are the .cnn file's full names, so its state_dict() keys are the runner's tensor
names (weights.safetensors). forward() takes NCHW images and returns the logits; the .cnn
file's softmax is applied by the loss (train.py) or by predict().
The runner stores images and weights channels last (NHWC; conv weights [filters, kh, kw, Cin/groups];
fc weights over inputs flattened H, W, C): load_runner_weights() and runner_tensors() convert.
Needs only torch.
"""
import json
import struct
import sys

import torch
from torch import nn
import torch.nn.functional as F

INPUT = @INPUT@  # (C, H, W)
CLASSES = @CLASSES@
PARAMS = @PARAMS@  # trainable parameters, as cnn table counts them

LEAKY_RELU_SLOPE = ${LEAKY_RELU_SLOPE}
RELU6_CEILING = ${num(RELU6_CEILING)}
PRELU_INITIAL_SLOPE = 0.25
BATCHNORM_EPSILON = ${BATCHNORM_EPSILON}
BATCHNORM_MOMENTUM = ${BATCHNORM_MOMENTUM}
LRN_K, LRN_ALPHA, LRN_BETA = ${num(LRN_K)}, ${LRN_ALPHA}, ${LRN_BETA}


class Activated(nn.Module):
    """The activation a layer applies to its output, with PReLU's learnt slopes as .slope."""

    def _activation(self, act, channels):
        self.act = act
        if act == 'prelu' or act == 'prelu-shared':
            self.slope = nn.Parameter(torch.full((channels if act == 'prelu' else 1,), PRELU_INITIAL_SLOPE))

    def activate(self, x):
        act = self.act
        if act == 'none':
            return x
        if act == 'relu':
            return F.relu(x)
        if act == 'relu6':
            return torch.clamp(x, 0.0, RELU6_CEILING)
        if act == 'leakyrelu':
            return F.leaky_relu(x, LEAKY_RELU_SLOPE)
        if act == 'tanh':
            return torch.tanh(x)
        if act == 'sigmoid':
            return torch.sigmoid(x)
        slope = self.slope.view(1, -1, *([1] * (x.dim() - 2))) if act == 'prelu' else self.slope
        return torch.where(x > 0, x, slope * x)


class Conv(nn.Conv2d, Activated):
    def __init__(self, cin, filters, kernel, stride, pad, groups, bias, std, act='none'):
        nn.Conv2d.__init__(self, cin, filters, kernel, stride, pad, groups=groups, bias=bias)
        self._activation(act, filters)
        nn.init.normal_(self.weight, 0.0, std)
        if bias:
            nn.init.zeros_(self.bias)

    def forward(self, x):
        return self.activate(nn.Conv2d.forward(self, x))

    @staticmethod
    def to_runner(key, t):
        return t.permute(0, 2, 3, 1) if key == 'weight' else t

    @staticmethod
    def from_runner(key, t, shape):
        return t.reshape(shape[0], shape[2], shape[3], shape[1]).permute(0, 3, 1, 2) if key == 'weight' else t


class Linear(nn.Linear, Activated):
    """A fully connected layer; an image input is flattened channels first, as torch.flatten does."""

    def __init__(self, inputs, units, bias, std, in_shape=None, act='none'):
        nn.Linear.__init__(self, inputs, units, bias=bias)
        self._activation(act, units)
        self.in_shape = in_shape
        nn.init.normal_(self.weight, 0.0, std)
        if bias:
            nn.init.zeros_(self.bias)

    def forward(self, x):
        return self.activate(nn.Linear.forward(self, x.flatten(1)))

    def to_runner(self, key, t):
        if key != 'weight' or self.in_shape is None:
            return t
        c, h, w = self.in_shape
        return t.reshape(-1, c, h, w).permute(0, 2, 3, 1).reshape(t.shape[0], -1)

    def from_runner(self, key, t, shape):
        if key != 'weight' or self.in_shape is None:
            return t
        c, h, w = self.in_shape
        return t.reshape(-1, h, w, c).permute(0, 3, 1, 2).reshape(shape)


class BatchNorm(nn.BatchNorm2d, Activated):
    """Batch normalisation of images or of flat vectors (one value per channel)."""

    def __init__(self, channels, act='none'):
        nn.BatchNorm2d.__init__(self, channels, eps=BATCHNORM_EPSILON, momentum=BATCHNORM_MOMENTUM)
        self._activation(act, channels)

    def forward(self, x):
        flat = x.dim() == 2
        y = nn.BatchNorm2d.forward(self, x[:, :, None, None] if flat else x)
        return self.activate(y.flatten(1) if flat else y)


class Add(Activated):
    def __init__(self, channels, act='none'):
        super().__init__()
        self._activation(act, channels)

    def forward(self, xs):
        return self.activate(sum(xs[1:], xs[0]))


class Concat(Activated):
    def __init__(self, channels, act='none'):
        super().__init__()
        self._activation(act, channels)

    def forward(self, xs):
        return self.activate(torch.cat(xs, 1))


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


class Lrn(nn.Module):
    """AlexNet's LRN across channels: x / (k + alpha * sum of x^2 over the size/2 channels either side)^beta."""

    def __init__(self, size):
        super().__init__()
        self.half = size // 2

    def forward(self, x):
        window = 2 * self.half + 1
        images = x if x.dim() == 4 else x[:, :, None, None]
        squares = F.avg_pool3d((images * images).unsqueeze(1), (window, 1, 1), stride=1, padding=(self.half, 0, 0), count_include_pad=True).squeeze(1)
        return x * (LRN_K + LRN_ALPHA * window * squares.reshape(x.shape)) ** -LRN_BETA


class Container(nn.Module):
    """Holds the layers of a block instance (layer1, layer1.0, ...); numbered ones are indexed."""

    def __getitem__(self, index):
        return self._modules[str(index)]


class Network(nn.Module):
    def __init__(self):
        super().__init__()
@INIT@

    def forward(self, x):
@FORWARD@

    def predict(self, x):
        """Class probabilities, in inference mode."""
        self.eval()
        with torch.no_grad():
            return F.softmax(self(x), dim=1)


def _runner_layout(model):
    """(module, attribute) of every tensor the runner saves, by its name."""
    out = {}
    for name, module in model.named_modules():
        for key, _ in list(module.named_parameters(recurse=False)) + list(module.named_buffers(recurse=False)):
            if key != 'num_batches_tracked':
                out[f'{name}.{key}' if name else key] = (module, key)
    return out


def read_safetensors(path):
    """{name: float32 tensor} of a safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] != 'F32':
            raise ValueError(f'{path}: tensor {name} is {info["dtype"]}; only F32 is read')
        begin, end = info['data_offsets']
        t = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=torch.float32) if end > begin else torch.zeros(0)
        tensors[name] = t.reshape(info['shape'])
    if sys.byteorder != 'little':
        tensors = {k: v.byteswap() for k, v in tensors.items()}
    return tensors


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as float32 safetensors, the header padded to 8 bytes as the reference writer does."""
    header = {'__metadata__': {k: str(v) for k, v in (metadata or {}).items()}}
    chunks, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().to('cpu', torch.float32).contiguous()
        try:
            raw = t.numpy().tobytes()
        except (ImportError, RuntimeError):
            import array
            raw = array.array('f', t.flatten().tolist()).tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - (8 + len(text.encode())) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text.encode())))
        f.write(text.encode())
        for raw in chunks:
            f.write(raw)


def load_runner_weights(model, path):
    """Loads a runner's weights.safetensors into the model, every tensor checked by name and size."""
    tensors = read_safetensors(path)
    layout = _runner_layout(model)
    missing = [k for k in layout if k not in tensors]
    extra = [k for k in tensors if k not in layout]
    if missing or extra:
        raise ValueError(f'{path} does not match the network: missing {missing[:5]}, unexpected {extra[:5]}')
    with torch.no_grad():
        for name, (module, key) in layout.items():
            target = getattr(module, key)
            t = tensors[name]
            if t.numel() != target.numel():
                raise ValueError(f'{name} has {t.numel()} values in {path}, the network needs {target.numel()}')
            convert = getattr(module, 'from_runner', None)
            target.copy_((convert(key, t, target.shape) if convert else t).reshape(target.shape))


def runner_tensors(model):
    """The model's tensors named and laid out as the runner saves them."""
    model = getattr(model, 'module', model)
    out = {}
    for name, (module, key) in _runner_layout(model).items():
        t = getattr(module, key).detach()
        convert = getattr(module, 'to_runner', None)
        t = convert(key, t) if convert else t
        out[name] = t.reshape(-1) if key in ('running_mean', 'running_var') else t
    return out


if __name__ == '__main__':
    model = Network()
    print(model)
    print(f'{sum(p.numel() for p in model.parameters()):,} parameters (cnn table: {PARAMS:,})')
`;

/** The training settings of the run the weights come from: the export then continues that run's data and settings. */
const RUN_SETTING_KEYS = ['dataset', 'epochs', 'batch', 'lr', 'momentum', 'weightDecay', 'optimizer', 'seed', 'schedule', 'warmup', 'act', 'init', 'trainSamples', 'valSamples'] as const;

function runSettings(runDir: string): JobSettings {
  let saved: Record<string, unknown>;
  try {
    saved = JSON.parse(readFileSync(join(runDir, 'settings.json'), 'utf8'));
  } catch (error) {
    throw new ExportError(`cannot read ${join(runDir, 'settings.json')}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return Object.fromEntries(RUN_SETTING_KEYS.filter((k) => saved[k] !== undefined && saved[k] !== null).map((k) => [k, saved[k]])) as JobSettings;
}

export function exportPytorch(network: Network, options: PytorchExportOptions): PytorchExport {
  const job: JobSettings = { ...(options.weightsRunDir ? runSettings(options.weightsRunDir) : {}), ...(options.settings ?? {}), dataDir: options.dataDir };
  let plan: Plan;
  let settings: ResolvedSettings;
  try {
    settings = resolveSettings(network, job);
    plan = buildPlan(network, { act: settings.act, init: settings.init });
  } catch (error) {
    throw new ExportError((error as Error).message);
  }
  const model = modelPy(network, plan);
  let tensors: { params: NamedTensor[]; state: NamedTensor[] };
  try {
    tensors = options.weightsRunDir ? readRunWeights(plan, options.weightsRunDir) : initialTensors(plan, settings.seed);
  } catch (error) {
    throw new ExportError((error as Error).message);
  }
  const weights = [...tensors.params, ...tensors.state];
  const out = options.outDir;
  try {
    makeDirectories(out);
  } catch (error) {
    throw new ExportError(`cannot create ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const files: string[] = [];
  const write = (name: string, data: string | Buffer) => {
    try {
      writeFileSync(join(out, name), data);
    } catch (error) {
      throw new ExportError(`cannot write ${join(out, name)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    files.push(name);
  };
  write('model.py', model);
  write('train.py', TRAIN_PY);
  write('network.json', JSON.stringify(network, null, 2) + '\n');
  write(WEIGHTS_FILE, encodeSafetensors(weights, { network: network.network ?? 'network', source: options.weightsRunDir ?? `initial weights, seed ${settings.seed}`, layout: 'runner (NHWC)' }));
  let classes: string[] = [];
  if (!options.noData) {
    let data;
    try {
      data = loadTrainingData(plan, settings);
    } catch (error) {
      throw new ExportError(`the dataset: ${(error as Error).message}`);
    }
    classes = data.classNames;
    const asF32 = (a: Int32Array) => Float32Array.from(a);
    const [H, W, C] = plan.input;
    write('data.safetensors', encodeSafetensors([
      { name: 'train_x', shape: [data.train.count, H, W, C], data: data.train.x.subarray(0, data.train.count * plan.inputSize) },
      { name: 'train_y', shape: [data.train.count], data: asF32(data.train.labels.subarray(0, data.train.count)) },
      { name: 'val_x', shape: [data.val.count, H, W, C], data: data.val.x.subarray(0, data.val.count * plan.inputSize) },
      { name: 'val_y', shape: [data.val.count], data: asF32(data.val.labels.subarray(0, data.val.count)) },
    ], { layout: 'NHWC', dataset: JSON.stringify(settings.dataset) }));
  }
  const { runDir: _runDir, dataDir: _dataDir, ...portable } = settings;
  write('config.json', JSON.stringify({ network: network.network ?? 'network', input: plan.input, classes, params: plan.paramCount, settings: portable }, null, 2) + '\n');
  return { outDir: out, files, plan, settings, classes };
}

export const EXPORT_PYTORCH_USAGE = 'usage: cnn export FILE --to pytorch [--weights RUN_DIR] -o DIR [--no-data] [cnn train\'s --epochs --batch --lr ... --samples --seed]';

/**
 * `cnn export FILE --to pytorch ...` once the format is read: the remaining arguments. Exit codes:
 * 0 written, 1 the export failed, 2 usage.
 */
export function exportPytorchCommand(network: Network, file: string, args: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): number {
  let outDir: string | undefined, weightsRunDir: string | undefined, noData = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '--out') outDir = args[++i];
    else if (a === '--weights') weightsRunDir = args[++i];
    else if (a === '--no-data') noData = true;
    else rest.push(a);
  }
  const parsed = parseTrainArgs(rest);
  const usage = (why: string) => { io.stderr.write(`cnn export: ${why}\n${EXPORT_PYTORCH_USAGE}\n`); return 2; };
  if ('error' in parsed) return usage(parsed.error);
  if (!outDir || outDir.startsWith('-')) return usage('--to pytorch writes a directory: give it with -o DIR');
  if (weightsRunDir !== undefined && (!weightsRunDir || weightsRunDir.startsWith('-'))) return usage('--weights needs a run folder');
  try {
    const result = exportPytorch(network, { outDir, weightsRunDir, settings: parsed.settings, dataDir: dirname(resolve(file)), noData });
    io.stdout.write(`wrote ${result.files.join(', ')} to ${outDir}\n`);
    io.stdout.write(`train: python3 ${join(outDir, 'train.py')}   or on N GPUs: torchrun --nproc_per_node=N ${join(outDir, 'train.py')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ExportError)) throw error;
    io.stderr.write(`cnn export: ${error.message}\n`);
    return 1;
  }
}
