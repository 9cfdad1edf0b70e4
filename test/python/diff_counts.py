#!/usr/bin/env python3
"""Per-module counts of torch models, for the deltas test/language/networkDiff.test.ts checks.

    python3 test/python/diff_counts.py

prints one JSON object keyed by model: resnet18 and resnet34 (torchvision), and the coursework
network at 227x227 and 224x224 (built here with torch.nn, the same layers as
examples/alexnet-coursework.cnn). For each: "modules": {name: {"type", "params", "macs",
"output"}} for every Conv2d, Linear, BatchNorm2d and pooling module, and "total", "buffers"
(running means and variances) and "macs" summed. MACs: a Conv2d's output elements times
in_channels/groups x kh x kw, a Linear's in x out, per sample; the rest 0.
"""
import json

import torch
import torch.nn as nn
import torchvision


def coursework():
    return nn.Sequential(dict_of([
        ('conv1', nn.Conv2d(3, 48, 11, 4, 0)), ('relu1', nn.ReLU()),
        ('pool1', nn.MaxPool2d(3, 2)),
        ('conv2', nn.Conv2d(48, 128, 6, 1, 2)), ('relu2', nn.ReLU()),
        ('pool2', nn.MaxPool2d(4, 2)),
        ('conv3', nn.Conv2d(128, 192, 5, 1, 2)), ('relu3', nn.ReLU()),
        ('conv4', nn.Conv2d(192, 192, 4, 1, 1)), ('relu4', nn.ReLU()),
        ('conv5', nn.Conv2d(192, 128, 3, 1, 1)), ('relu5', nn.ReLU()),
        ('pool3', nn.MaxPool2d(4, 3)),
        ('flatten', nn.Flatten()),
        ('fc1', nn.Linear(1152, 1600)), ('relu6', nn.ReLU()),
        ('fc2', nn.Linear(1600, 1600)), ('relu7', nn.ReLU()),
        ('out', nn.Linear(1600, 1000)),
    ]))


def dict_of(pairs):
    from collections import OrderedDict
    return OrderedDict(pairs)


COUNTED = (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d)


def describe(model, size):
    model.eval()
    modules = {}

    def hook(name):
        def record(module, _inputs, output):
            per_sample = output.numel() // output.shape[0]
            if isinstance(module, nn.Conv2d):
                kh, kw = module.kernel_size
                macs = per_sample * module.in_channels // module.groups * kh * kw
            elif isinstance(module, nn.Linear):
                macs = module.in_features * module.out_features
            else:
                macs = 0
            modules[name] = {'type': type(module).__name__, 'params': sum(p.numel() for p in module.parameters()),
                             'macs': macs, 'output': list(output.shape)}
        return record

    for name, module in model.named_modules():
        if isinstance(module, COUNTED):
            module.register_forward_hook(hook(name))
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    buffers = sum(b.numel() for n, b in model.named_buffers() if n.endswith(('running_mean', 'running_var')))
    return {'modules': modules, 'total': sum(p.numel() for p in model.parameters()), 'buffers': buffers,
            'macs': sum(m['macs'] for m in modules.values())}


if __name__ == '__main__':
    torch.manual_seed(0)
    print(json.dumps({
        'resnet18': describe(torchvision.models.resnet18(weights=None), 224),
        'resnet34': describe(torchvision.models.resnet34(weights=None), 224),
        'coursework-227': describe(coursework(), 227),
        'coursework-224': describe(coursework(), 224),
    }))
