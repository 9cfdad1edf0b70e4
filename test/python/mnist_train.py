"""Trains a chain network (conv, maxpool, avgpool, fc, softmax) with PyTorch on data the runner
exported, to compare the runner's validation error with PyTorch's under the same network, split,
initial weights and settings (test/runner/mnistTorch.test.ts).

usage: python3 mnist_train.py DIR
DIR holds spec.json (the layers and settings), init.safetensors (the runner's initial weights,
NHWC layouts), and train_x.f32, train_y.i32, val_x.f32, val_y.i32 (inputs as N x H x W x C).
Prints one JSON line per epoch: {"epoch", "top1Error", "valLoss", "seconds"}.
"""
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F



def read_safetensors(path):
    with open(path, 'rb') as f:
        blob = f.read()
    (length,) = struct.unpack('<Q', blob[:8])
    header = json.loads(blob[8:8 + length])
    base = 8 + length
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        begin, end = info['data_offsets']
        out[name] = np.frombuffer(blob[base + begin:base + end], dtype='<f4').reshape(info['shape']).copy()
    return out


ACTS = {
    'relu': F.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'relu6': F.relu6,
    'leakyrelu': lambda x: F.leaky_relu(x, 0.01), 'none': lambda x: x, None: lambda x: x,
}


class Chain(torch.nn.Module):
    def __init__(self, layers, init):
        super().__init__()
        self.layers = layers
        self.weights = torch.nn.ParameterDict()
        for layer in layers:
            name = layer['name']
            kind = layer['kind']
            if kind == 'conv':
                w = torch.from_numpy(init[name + '.weight']).permute(0, 3, 1, 2).contiguous()  # [F, kh, kw, C] -> [F, C, kh, kw]
            elif kind in ('fc', 'softmax'):
                w = torch.from_numpy(init[name + '.weight'])
                shape = layer['input']
                if len(shape) == 3:  # inputs flattened H, W, C -> C, H, W
                    h, wd, c = shape
                    w = w.reshape(w.shape[0], h, wd, c).permute(0, 3, 1, 2).reshape(w.shape[0], -1).contiguous()
            else:
                continue
            key = name.replace('.', '_')
            self.weights[key + '_w'] = torch.nn.Parameter(w)
            if name + '.bias' in init:
                self.weights[key + '_b'] = torch.nn.Parameter(torch.from_numpy(init[name + '.bias']))

    def forward(self, x):
        for layer in self.layers:
            kind = layer['kind']
            key = layer['name'].replace('.', '_')
            b = self.weights[key + '_b'] if key + '_b' in self.weights else None
            if kind == 'conv':
                x = F.conv2d(x, self.weights[key + '_w'], b, stride=tuple(layer['stride']), padding=tuple(layer['pad']), groups=layer.get('groups', 1))
            elif kind in ('maxpool', 'avgpool'):
                pool = F.max_pool2d if kind == 'maxpool' else F.avg_pool2d
                x = pool(x, tuple(layer['kernel']), tuple(layer['stride']), tuple(layer['pad']), ceil_mode=layer.get('round') == 'ceil')
            elif kind in ('fc', 'softmax'):
                x = F.linear(x.flatten(1), self.weights[key + '_w'], b)
            else:
                raise SystemExit(f'layer kind {kind} is not supported by this script')
            if kind != 'softmax':
                x = ACTS[layer.get('act')](x)
        return x  # logits; the loss applies the softmax


def main():
    folder = sys.argv[1]
    spec = json.load(open(f'{folder}/spec.json'))
    s = spec['settings']
    torch.manual_seed(s['seed'])
    H, W, C = spec['input']
    load = lambda name, dtype: np.fromfile(f'{folder}/{name}', dtype=dtype)
    train_x = torch.from_numpy(load('train_x.f32', '<f4').reshape(-1, H, W, C)).permute(0, 3, 1, 2).contiguous()
    val_x = torch.from_numpy(load('val_x.f32', '<f4').reshape(-1, H, W, C)).permute(0, 3, 1, 2).contiguous()
    train_y = torch.from_numpy(load('train_y.i32', '<i4').astype(np.int64))
    val_y = torch.from_numpy(load('val_y.i32', '<i4').astype(np.int64))
    model = Chain(spec['layers'], read_safetensors(f'{folder}/init.safetensors'))
    decayed = [p for n, p in model.weights.items() if n.endswith('_w')]
    others = [p for n, p in model.weights.items() if not n.endswith('_w')]
    optimizer = torch.optim.SGD([
        {'params': decayed, 'weight_decay': s['weightDecay']},
        {'params': others, 'weight_decay': 0.0},
    ], lr=s['lr'], momentum=s['momentum'])
    batch = s['batch']
    steps = train_x.shape[0] // batch  # full batches only, as the runner
    for epoch in range(1, s['epochs'] + 1):
        start = time.time()
        model.train()
        order = torch.randperm(train_x.shape[0])
        for step in range(steps):
            idx = order[step * batch:(step + 1) * batch]
            loss = F.cross_entropy(model(train_x[idx]), train_y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds = time.time() - start
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(val_x[i:i + 500]) for i in range(0, val_x.shape[0], 500)])
            val_loss = F.cross_entropy(logits, val_y).item()
            error = (logits.argmax(1) != val_y).float().mean().item()
        print(json.dumps({'epoch': epoch, 'top1Error': error, 'valLoss': val_loss, 'seconds': seconds}), flush=True)


main()
