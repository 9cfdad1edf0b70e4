#!/usr/bin/env python3
"""The onnx package's own verdict on exported models.

    python3 test/python/onnx_check.py model.onnx ...

prints one JSON object per file, one a line:
    {"file": "model.onnx", "checked": true, "tensors": 57, "problems": []}
- checked: onnx.checker.check_model(model, full_check=True) passed (it also runs strict shape
  inference); otherwise "problems" holds its message.
- The model's value_info and output shapes (the exporter's, with the batch axis symbolic) are then
  compared with what onnx.shape_inference infers on its own, strictly, from the input alone with a
  batch of 2: every tensor a node writes must have an inferred shape, fully known and equal to the
  exporter's with the batch axis as 2. "tensors" counts the tensors compared.
The test test/runner/onnxChecker.test.ts runs this on every example's export.
"""
import json
import sys

import onnx
from onnx import checker, shape_inference

BATCH = 2


def dims_of(value_info):
    return [d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else None)
            for d in value_info.type.tensor_type.shape.dim]


def check(path):
    problems = []
    model = onnx.load(path)
    try:
        checker.check_model(model, full_check=True)
        checked = True
    except Exception as error:  # the checker's own exceptions carry the reason
        checked = False
        problems.append(f"check_model: {error}")
    ours = {v.name: dims_of(v) for v in list(model.graph.value_info) + list(model.graph.output)}
    written = [out for node in model.graph.node for out in node.output if out]
    for name in written:
        if name not in ours:
            problems.append(f"{name}: no shape in value_info")

    bare = onnx.ModelProto()
    bare.CopyFrom(model)
    del bare.graph.value_info[:]
    for value in list(bare.graph.input) + list(bare.graph.output):
        value.type.tensor_type.shape.dim[0].Clear()
        value.type.tensor_type.shape.dim[0].dim_value = BATCH
    for value in bare.graph.output:
        value.type.tensor_type.ClearField("shape")
    inferred_model = shape_inference.infer_shapes(bare, check_type=True, strict_mode=True)
    inferred = {v.name: dims_of(v) for v in list(inferred_model.graph.value_info) + list(inferred_model.graph.output)}
    compared = 0
    for name in written:
        if name not in ours:
            continue
        expected = [BATCH if d == "batch" else d for d in ours[name]]
        got = inferred.get(name)
        compared += 1
        if got != expected:
            problems.append(f"{name}: exporter says {ours[name]}, onnx infers {got}")
    return {"file": path, "checked": checked, "tensors": compared, "problems": problems}


if __name__ == "__main__":
    for file in sys.argv[1:]:
        print(json.dumps(check(file)), flush=True)
