#!/usr/bin/env python3
"""Every module of a torchvision model: its parameters and its output shape on one 224x224 image.

    python3 test/python/torchvision_shapes.py resnet18 resnet50 googlenet

prints one JSON object keyed by model name:
    { "resnet18": { "total": 11689512,
                    "stateDictModules": ["conv1", "bn1", "layer1.0.conv1", ...],
                    "modules": { "layer1.0.conv1": { "type": "Conv2d", "params": 36864, "own": 36864,
                                                     "output": [1, 64, 56, 56], "calls": 1 }, ... } } }
- total: sum of p.numel() over model.parameters(), the number torchvision publishes.
- stateDictModules: the module of each state_dict() key (the key less its last part), in the
  state dict's order, each once.
- params: the module's parameters with its children's; own: without (recurse=False).
- output: the shape a forward hook saw on a 1x3x224x224 input (NCHW), from the module's last call;
  calls: how many times it ran (torchvision's ResNet calls one ReLU module twice per block).
The test test/language/torchvisionExamples.test.ts compares this with `cnn table --format json`.
"""
import json
import sys

import torch
import torchvision


def build(name):
    models = torchvision.models
    if name == 'googlenet':
        # Without the auxiliary classifiers, as torchvision builds it for inference.
        return models.googlenet(weights=None, aux_logits=False, init_weights=False)
    return getattr(models, name)(weights=None)


def describe(name):
    torch.manual_seed(0)
    model = build(name).eval()
    modules = {}

    def hook(module_name):
        def record(_module, _inputs, output):
            entry = modules[module_name]
            entry['calls'] += 1
            if torch.is_tensor(output):
                entry['output'] = list(output.shape)
        return record

    for module_name, module in model.named_modules():
        if module_name == '':
            continue
        modules[module_name] = {
            'type': type(module).__name__,
            'params': sum(p.numel() for p in module.parameters()),
            'own': sum(p.numel() for p in module.parameters(recurse=False)),
            'output': None,
            'calls': 0,
        }
        module.register_forward_hook(hook(module_name))
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    order = []
    for key in model.state_dict().keys():
        owner = key.rsplit('.', 1)[0]
        if owner not in order:
            order.append(owner)
    return {
        'total': sum(p.numel() for p in model.parameters()),
        'stateDictModules': order,
        'modules': modules,
    }


def main(names):
    if not names:
        sys.exit('usage: torchvision_shapes.py MODEL...   (resnet18, resnet50, googlenet, ...)')
    json.dump({name: describe(name) for name in names}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1:])
