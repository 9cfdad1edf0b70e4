"""Writes torchvision models (and small test networks) as ONNX files with torch.onnx.export, for
the import tests, and prints their trainable parameter count as torch counts it.

usage: onnx_export.py OUTDIR NAME:MODEL:MODE:OPSET...
MODEL: a torchvision model (resnet18, mobilenet_v2, ...) or sin (a small net with a Sin node);
MODE: train (batchnorms kept) or eval (folded into the convolutions). Prints one JSON line:
{NAME: {"path", "params" (trainable, as torch counts them), "bnChannels", "ops" (ONNX operator counts)}}.
"""
import json
import os
import sys
import warnings

import onnx

import torch
import torchvision

warnings.filterwarnings("ignore")


class SinNet(torch.nn.Module):
    """A convolution, then an operator the .cnn language cannot express."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)
        self.fc = torch.nn.Linear(8 * 30 * 30, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.sin(self.conv(x)), 1))


def build(name):
    if name == "sin":
        return SinNet(), (1, 3, 32, 32)
    if name == "googlenet":
        return torchvision.models.googlenet(aux_logits=False, init_weights=False), (1, 3, 224, 224)
    return getattr(torchvision.models, name)(), (1, 3, 224, 224)


def export(spec, outdir):
    """spec: NAME:MODEL:MODE:OPSET, e.g. resnet18-train:resnet18:train:13."""
    name, model_name, mode, opset = spec.split(":")
    torch.manual_seed(0)
    model, shape = build(model_name)
    training = mode == "train"
    model.train(training)
    path = os.path.join(outdir, name + ".onnx")
    torch.onnx.export(
        model,
        torch.randn(*shape),
        path,
        opset_version=int(opset),
        training=torch.onnx.TrainingMode.TRAINING if training else torch.onnx.TrainingMode.EVAL,
        do_constant_folding=not training,
        input_names=["input"],
        output_names=["output"],
    )
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    # An eval-mode export folds each batchnorm into the convolution before it: its scale and
    # shift (2 per channel) go, and the convolution gains a bias (1 per channel).
    bn_channels = sum(m.num_features for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    graph = onnx.load(path).graph
    ops = {}
    for node in graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return {"path": path, "params": params, "bnChannels": bn_channels, "ops": ops}


def main():
    outdir = sys.argv[1]
    print(json.dumps({spec.split(":")[0]: export(spec, outdir) for spec in sys.argv[2:]}))


if __name__ == "__main__":
    main()
