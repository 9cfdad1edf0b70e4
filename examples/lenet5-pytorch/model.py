"""The network lenet5, exported by cnn-spec (cnn export --to pytorch).

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

INPUT = (1, 32, 32)  # (C, H, W)
CLASSES = 10
PARAMS = 61706  # trainable parameters, as cnn table counts them

LEAKY_RELU_SLOPE = 0.01
RELU6_CEILING = 6.0
PRELU_INITIAL_SLOPE = 0.25
BATCHNORM_EPSILON = 0.00001
BATCHNORM_MOMENTUM = 0.1
LRN_K, LRN_ALPHA, LRN_BETA = 2.0, 0.0001, 0.75


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
        self.c1 = Conv(1, 6, kernel=(5, 5), stride=(1, 1), pad=(0, 0), groups=1, bias=True, std=0.10690449676496976, act="tanh")
        self.s2 = nn.AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, count_include_pad=True)
        self.c3 = Conv(6, 16, kernel=(5, 5), stride=(1, 1), pad=(0, 0), groups=1, bias=True, std=0.06030226891555272, act="tanh")
        self.s4 = nn.AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, count_include_pad=True)
        self.c5 = Conv(16, 120, kernel=(5, 5), stride=(1, 1), pad=(0, 0), groups=1, bias=True, std=0.024253562503633298, act="tanh")
        self.f6 = Linear(120, 84, bias=True, std=0.09901475429766743, in_shape=(120, 1, 1), act="tanh")
        self.out = Linear(84, 10, bias=True, std=0.14586499149789456)

    def forward(self, x):
        c1 = self.c1(x)
        s2 = self.s2(c1)
        c3 = self.c3(s2)
        s4 = self.s4(c3)
        c5 = self.c5(s4)
        f6 = self.f6(c5)
        out = self.out(f6)
        return out

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
