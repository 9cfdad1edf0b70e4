"""PyTorch (CPU) training throughput on the networks of the project's `npm run bench:train` (which runs
this file with Debian's python3 when `python3-torch` is installed), with the same protocol: batch 32, SGD momentum 0.9, lr 0.001, weight decay 0.0005, one warm-up step, then 3
timings of STEPS steps each (20 for LeNet-5, 1 for the coursework network), median samples/s.
Usage: python3 torch_bench.py [lenet5|coursework|both] [threads] [steps_small] [steps_large] [runs].
Prints one JSON line per network."""
import sys, time, json, statistics
import torch, torch.nn as nn

def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10)), (1, 32, 32), 10, 20

def coursework():
    return nn.Sequential(nn.Conv2d(3, 48, 11, 4), nn.ReLU(), nn.MaxPool2d(3, 2),
                         nn.Conv2d(48, 128, 6, 1, 2), nn.ReLU(), nn.MaxPool2d(4, 2),
                         nn.Conv2d(128, 192, 5, 1, 2), nn.ReLU(), nn.Conv2d(192, 192, 4, 1, 1), nn.ReLU(),
                         nn.Conv2d(192, 128, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(4, 3), nn.Flatten(),
                         nn.Linear(1152, 1600), nn.ReLU(), nn.Linear(1600, 1600), nn.ReLU(),
                         nn.Linear(1600, 1000)), (3, 227, 227), 1000, 1

def bench(name, make, batch=32, steps=None, runs=3):
    net, shape, classes, default_steps = make()
    steps = steps or default_steps
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9, weight_decay=0.0005)
    x = torch.randn(batch, *shape); y = torch.randint(0, classes, (batch,))
    lossf = nn.CrossEntropyLoss()
    def step():
        opt.zero_grad(); loss = lossf(net(x), y); loss.backward(); opt.step(); return loss.item()
    step()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for _ in range(steps): step()
        times.append(batch * steps / (time.perf_counter() - t))
    print(json.dumps({'network': name, 'contender': f'pytorch {torch.__version__} cpu', 'threads': torch.get_num_threads(),
                      'params': params, 'samples_per_s': statistics.median(times), 'timings': times}), flush=True)

if __name__ == '__main__':
    which = sys.argv[1] if len(sys.argv) > 1 else 'both'
    if len(sys.argv) > 2: torch.set_num_threads(int(sys.argv[2]))
    small = int(sys.argv[3]) if len(sys.argv) > 3 else None
    large = int(sys.argv[4]) if len(sys.argv) > 4 else None
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    if which in ('lenet5', 'both'): bench('lenet5', lenet5, steps=small, runs=runs)
    if which in ('coursework', 'both'): bench('coursework', coursework, steps=large, runs=runs)
