"""Checks of a PyTorch export (runner/src/export/pytorch.ts) by torch itself; used by test/runner/pytorchExport.test.ts.

  torchvision DIR          model.py loads torchvision's resnet18().state_dict() with strict=True and
                           gives its outputs (eval mode, a fixed input): prints {"maxAbs", "maxRef", "keys"}
  forward DIR IN OUT       model.py with DIR/weights.safetensors on IN's tensor "x" (NHWC): writes the
                           class probabilities to OUT as tensor "probs"
  writes DIR ARGS...       DIR/train.py ARGS with a stdout that keeps each write apart: prints the list of
                           writes (torchrun's --tee passes on whole lines only when a line is one write)
"""
import json
import os
import sys

import torch

command, folder = sys.argv[1], sys.argv[2]
sys.path.insert(0, folder)
import model as exported  # noqa: E402

torch.manual_seed(0)
if command == 'torchvision':
    import torchvision
    reference = torchvision.models.resnet18().eval()
    net = exported.Network().eval()
    state = reference.state_dict()
    net.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        ours, theirs = net(x), reference(x)
    print(json.dumps({'maxAbs': (ours - theirs).abs().max().item(), 'maxRef': theirs.abs().max().item(), 'keys': list(net.state_dict().keys()) == list(state.keys())}))
elif command == 'forward':
    net = exported.Network()
    exported.load_runner_weights(net, os.path.join(folder, 'weights.safetensors'))
    x = exported.read_safetensors(sys.argv[3])['x']
    c, h, w = exported.INPUT
    probs = net.predict(x.reshape(-1, h, w, c).permute(0, 3, 1, 2).contiguous())
    exported.write_safetensors(sys.argv[4], {'probs': probs})
elif command == 'writes':
    import runpy

    class Writes:
        def __init__(self):
            self.each = []

        def write(self, text):
            self.each.append(text)
            return len(text)

        def flush(self):
            pass

    real, sys.stdout = sys.stdout, Writes()
    sys.argv = [os.path.join(folder, 'train.py')] + sys.argv[3:]
    try:
        runpy.run_path(sys.argv[0], run_name='__main__')
    except SystemExit as end:
        if end.code not in (None, 0):
            raise
    finally:
        writes, sys.stdout = sys.stdout.each, real
    print(json.dumps(writes))
else:
    raise SystemExit(f'unknown command {command}')
