/**
 * train.py of the PyTorch export: the runner's training loop in PyTorch. The same update rules
 * (runner/src/reference/optimizer.ts: SGD as AlexNet writes it, Adam with L2 decay, decay on weights
 * only), the same learning-rate schedule and warmup (schedule.ts), full batches only, validation
 * loss and top-1/top-5 error as train.ts counts them, and the same run folder (runFolder.ts).
 * Under torchrun each of the N processes takes 1/N of every batch and DistributedDataParallel
 * averages the gradients, so a step is the single-process step of the whole batch (batchnorm
 * statistics excepted: each process normalises its own share).
 */
export const TRAIN_PY = String.raw`"""Trains the exported network as cnn-spec's runner does, writing a run folder it reads.

  python3 train.py [--epochs N] [--batch N] [--lr X] [--device cpu|cuda|mps] [--runs DIR] [--json]
  torchrun --nproc_per_node=N train.py ...     DistributedDataParallel: gloo on the CPU, NCCL on GPUs
  python3 train.py --evaluate                  validation loss and errors of weights.safetensors

Reads config.json (the settings), weights.safetensors (the starting weights) and data.safetensors
(the runner's images and labels) beside this file; writes DIR/.cnn-runs/<network>-<time>/ with
network.json, settings.json, metrics.jsonl, metrics.csv, status.json and weights.safetensors.
"""
import argparse
import datetime
import json
import math
import os
import re
import shutil
import signal
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import Network, load_runner_weights, read_safetensors, runner_tensors, write_safetensors  # noqa: E402

CSV_COLUMNS = ['epoch', 'steps', 'trainLoss', 'valLoss', 'top1Error', 'top5Error', 'samplesPerSec', 'seconds']
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


def learning_rate(s, epoch, step, steps_per_epoch):
    """The rate for step (from 0) of epoch (from 1): runner/src/schedule.ts."""
    lr, schedule, warmup, epochs = s['lr'], s['schedule'], s['warmup'], s['epochs']
    rate = lr
    if schedule['kind'] == 'step':
        rate = lr * schedule['factor'] ** ((epoch - 1) // schedule['every'])
    elif schedule['kind'] == 'cosine':
        after = epoch - 1 - warmup
        if after >= 0:
            rate = lr * (1 + math.cos(math.pi * after / max(1, epochs - warmup))) / 2
    if epoch <= warmup:
        rate *= ((epoch - 1) * steps_per_epoch + step + 1) / (warmup * steps_per_epoch)
    return rate


def decays(name):
    """Weight decay applies to conv and fc weights only (not biases, slopes or batchnorm): runner/src/plan.ts."""
    return name.endswith('.weight') and name not in BATCHNORM_WEIGHTS


class Optimizer:
    """SGD as AlexNet writes it (v = mu v - lr (g + wd w); w += v) or Adam with L2 decay."""

    def __init__(self, named, s):
        self.named = named
        self.s = s
        self.t = 0
        self.first = [torch.zeros_like(p) for _, p in named]
        self.second = [torch.zeros_like(p) for _, p in named] if s['optimizer'] == 'adam' else []

    @torch.no_grad()
    def step(self, lr):
        s = self.s
        self.t += 1
        c1, c2 = 1 - BETA1 ** self.t, 1 - BETA2 ** self.t
        for j, (name, w) in enumerate(self.named):
            g = w.grad if w.grad is not None else torch.zeros_like(w)
            if decays(name) and s['weightDecay']:
                g = g + s['weightDecay'] * w
            m = self.first[j]
            if s['optimizer'] == 'sgd':
                m.mul_(s['momentum']).sub_(lr * g)
                w.add_(m)
            else:
                v = self.second[j]
                m.mul_(BETA1).add_((1 - BETA1) * g)
                v.mul_(BETA2).add_((1 - BETA2) * g * g)
                w.sub_(lr * (m / c1) / ((v / c2).sqrt() + EPSILON))


def write_atomically(path, text):
    temp = f'{path}.{os.getpid()}.tmp'
    if isinstance(text, str):
        with open(temp, 'w') as f:
            f.write(text)
    os.replace(temp, path)


class RunFolder:
    """runner/src/runFolder.ts's files: every one written to a temporary name and renamed."""

    def __init__(self, root, network, settings):
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = now.strftime('%Y-%m-%dT%H-%M-%SZ')
        safe = re.sub(r'[^A-Za-z0-9_.-]+', '_', network)[:80] or 'network'
        base = os.path.join(root, '.cnn-runs')
        os.makedirs(base, exist_ok=True)
        path = os.path.join(base, f'{safe}-{stamp}')
        n = 2
        while True:
            try:
                os.mkdir(path)
                break
            except FileExistsError:
                path = os.path.join(base, f'{safe}-{stamp}-{n}')
                n += 1
        self.path = path
        self.rows = []
        self.status = {'status': 'running', 'started': now.isoformat(timespec='milliseconds').replace('+00:00', 'Z'), 'epochs': 0, 'steps': 0, 'weights': None}
        shutil.copyfile(os.path.join(HERE, 'network.json'), os.path.join(path, 'network.json'))
        write_atomically(os.path.join(path, 'settings.json'), json.dumps(settings, indent=2) + '\n')
        self.write_metrics()
        self.write_status()

    def write_status(self):
        write_atomically(os.path.join(self.path, 'status.json'), json.dumps(self.status, indent=2) + '\n')

    def write_metrics(self):
        write_atomically(os.path.join(self.path, 'metrics.jsonl'), ''.join(json.dumps(r) + '\n' for r in self.rows))
        lines = [','.join(CSV_COLUMNS)] + [','.join(_csv(r[c]) for c in CSV_COLUMNS) for r in self.rows]
        write_atomically(os.path.join(self.path, 'metrics.csv'), '\n'.join(lines) + '\n')

    def add_epoch(self, row):
        self.rows.append(row)
        self.status['epochs'] = row['epoch']
        self.status['steps'] = row['steps']
        self.write_metrics()
        self.write_status()

    def write_weights(self, tensors, metadata, epoch, steps, note=None):
        temp = os.path.join(self.path, f'weights.safetensors.{os.getpid()}.tmp')
        write_safetensors(temp, tensors, {**metadata, 'epoch': epoch, 'steps': steps})
        os.replace(temp, os.path.join(self.path, 'weights.safetensors'))
        self.status['weights'] = {'epoch': epoch, 'steps': steps, **({'note': note} if note else {})}
        self.write_status()

    def end(self, status, reason=None, code=None):
        if self.status['status'] != 'running':
            return
        self.status.update({'status': status, 'ended': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')})
        if reason is not None:
            self.status['reason'] = reason
        if code is not None:
            self.status['code'] = code
        self.write_status()


def _csv(v):
    return str(int(v)) if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15) else repr(v)


def to_nchw(x, config):
    h, w, c = config['input']
    return x.reshape(-1, h, w, c).permute(0, 3, 1, 2).contiguous()


@torch.no_grad()
def evaluate(model, x, y, batch, device):
    """Validation loss and top-1/top-5 error, counted as runner/src/train.ts counts them."""
    model.eval()
    loss, wrong1, wrong5 = 0.0, 0, 0
    for start in range(0, len(y), batch):
        xb, yb = x[start:start + batch].to(device), y[start:start + batch].to(device)
        probs = F.softmax(model(xb).double(), dim=1)
        p = probs.gather(1, yb[:, None])
        loss -= torch.log(torch.clamp(p, min=1e-30)).sum().item()
        above = (probs > p).sum(1)
        wrong1 += (above >= 1).sum().item()
        wrong5 += (above >= 5).sum().item()
    model.train()
    n = len(y)
    return {'valLoss': loss / n, 'top1Error': wrong1 / n, 'top5Error': wrong5 / n}


def pick_device(requested, local_rank):
    if requested:
        return torch.device(requested)
    if torch.cuda.is_available():
        return torch.device('cuda', local_rank)
    if getattr(torch.backends, 'mps', None) is not None and torch.backends.mps.is_available():
        return torch.device('mps')
    return torch.device('cpu')


def describe(device):
    if device.type == 'cuda':
        return f'PyTorch {torch.__version__}, CUDA: {torch.cuda.get_device_name(device)}'
    if device.type == 'mps':
        return f'PyTorch {torch.__version__}, MPS (Apple GPU)'
    threads = torch.get_num_threads()
    return f'PyTorch {torch.__version__}, CPU ({threads} thread{"s" if threads != 1 else ""})'


def say(line):
    # One write per line: print(..., flush=True) writes the text and its newline apart, and torchrun's --tee,
    # which tails the log file, can then pass on the line without its newline and the newline as a line of its own.
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description='Train the exported network as the cnn-spec runner does.')
    parser.add_argument('--epochs', type=int)
    parser.add_argument('--batch', type=int, help='images per step, over all processes')
    parser.add_argument('--lr', type=float)
    parser.add_argument('--seed', type=int)
    parser.add_argument('--device', help='cpu, cuda, cuda:1, mps (default: what torch finds)')
    parser.add_argument('--runs', default='.', help='the folder that receives .cnn-runs/ (default: the current one)')
    parser.add_argument('--weights', default=os.path.join(HERE, 'weights.safetensors'), help='starting weights (the runner\'s format)')
    parser.add_argument('--data', default=os.path.join(HERE, 'data.safetensors'))
    parser.add_argument('--json', action='store_true', help='one JSON object per line: started, progress, epoch, done, failed')
    parser.add_argument('--evaluate', action='store_true', help='print the validation loss and errors of --weights and exit')
    parser.add_argument('--rank-weights', action='store_true', help='each process also saves its own weights as rank<N>.safetensors')
    parser.add_argument('--stop-on-stdin-eof', action='store_true', help='stop as on SIGTERM when stdin closes (the runner that started it is gone)')
    args = parser.parse_args()

    with open(os.path.join(HERE, 'config.json')) as f:
        config = json.load(f)
    s = dict(config['settings'])
    for key in ('epochs', 'batch', 'lr', 'seed'):
        if getattr(args, key) is not None:
            s[key] = getattr(args, key)

    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    device = pick_device(args.device, local_rank)
    distributed = world > 1
    if distributed:
        import torch.distributed as dist
        if device.type == 'cuda':
            torch.cuda.set_device(device)
        dist.init_process_group('nccl' if device.type == 'cuda' else 'gloo')
    lead = rank == 0

    def emit(kind, **fields):
        if not lead:
            return
        if args.json:
            say(json.dumps({'type': kind, **fields}))
        elif kind == 'progress':
            say(f"epoch {fields['epoch']} step {fields['step']}/{fields['stepsPerEpoch']}: loss {fields['loss']:.4f}, {fields['samplesPerSec']:.0f} samples/s")
        elif kind == 'epoch':
            say(f"epoch {fields['epoch']}/{s['epochs']}: train loss {fields['trainLoss']:.4f}, val loss {fields['valLoss']:.4f}, "
                f"top-1 error {100 * fields['top1Error']:.1f}%, top-5 error {100 * fields['top5Error']:.1f}%")
        elif kind in ('started', 'done', 'failed'):
            say(f"{kind}: {fields.get('runDir') or ''} {fields.get('message') or fields.get('adapter') or ''}".strip())

    torch.manual_seed(s['seed'])
    model = Network()
    global BATCHNORM_WEIGHTS
    BATCHNORM_WEIGHTS = {f'{n}.weight' for n, m in model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}
    if os.path.exists(args.weights):
        load_runner_weights(model, args.weights)
    model.to(device)
    data = read_safetensors(args.data)
    val_x, val_y = to_nchw(data['val_x'], config), data['val_y'].long()

    if args.evaluate:
        if lead:
            say(json.dumps(evaluate(model, val_x, val_y, s['batch'], device)))
        return 0

    train_x, train_y = to_nchw(data['train_x'], config), data['train_y'].long()
    batch = min(s['batch'], len(train_y))
    if batch % world:
        raise SystemExit(f'train.py: the batch ({batch}) must divide among the {world} processes')
    share = batch // world
    steps_per_epoch = len(train_y) // batch
    named = [(n, p) for n, p in model.named_parameters()]
    optimizer = Optimizer(named, s)
    net = model
    if distributed:
        from torch.nn.parallel import DistributedDataParallel
        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == 'cuda' else None)
    adapter = describe(device) + (f', {world} processes (DistributedDataParallel, {"NCCL" if device.type == "cuda" else "gloo"})' if distributed else '')

    folder = None
    metadata = {'network': config['network'], 'backend': 'pytorch', 'layout': 'NHWC; conv weights [filters, kh, kw, Cin/groups]; fc weights [units, inputs] over inputs flattened H, W, C'}
    if lead:
        folder = RunFolder(args.runs, config['network'], {**s, 'backend': 'pytorch', 'adapter': adapter, 'classes': config['classes'], 'processes': world})
        folder.write_weights(runner_tensors(model), metadata, 0, 0, 'initial weights')
    emit('started', runDir=folder.path if folder else None, adapter=adapter, stepsPerEpoch=steps_per_epoch, params=config['params'], classes=config['classes'])

    stop = {'signal': None}

    def on_signal(signum, _frame):
        stop['signal'] = signum
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.stop_on_stdin_eof:
        import threading

        def watch_parent():
            try:
                while sys.stdin.buffer.read(65536):
                    pass
            except OSError:
                pass
            stop['signal'] = signal.SIGTERM
        threading.Thread(target=watch_parent, daemon=True).start()

    step_total = 0
    cancelled = False
    exit_code = [1]
    try:
        for epoch in range(1, s['epochs'] + 1):
            # The same order in every process: process r takes positions r, r + N, ... of each batch.
            order = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(s['seed'] * 1000003 + epoch))
            started = window_start = time.perf_counter()
            window_samples, loss_sum, loss_count, pending = 0, 0.0, 0, []
            for step in range(steps_per_epoch):
                if stop['signal'] is not None:
                    cancelled = True
                    break
                idx = order[step * batch:(step + 1) * batch][rank::world]
                xb, yb = train_x[idx].to(device), train_y[idx].to(device)
                for _, p in named:
                    p.grad = None
                loss = F.cross_entropy(net(xb), yb)
                loss.backward()
                optimizer.step(learning_rate(s, epoch, step, steps_per_epoch))
                step_total += 1
                pending.append(loss.detach())
                window_samples += batch
                last = step == steps_per_epoch - 1
                if (step + 1) % s['lossEvery'] == 0 or last:
                    losses = torch.stack(pending).double()
                    if distributed:
                        torch.distributed.all_reduce(losses)
                        losses /= world
                    losses = losses.tolist()
                    pending = []
                    bad = next((l for l in losses if not math.isfinite(l)), None)
                    if bad is not None:
                        message = f"the loss became {bad} at step {step_total} (epoch {epoch}): training diverged; lower the learning rate (lr={s['lr']}, try {s['lr'] / 10})"
                        if folder:
                            folder.end('failed', message, 'non-finite-loss')
                        emit('failed', code='non-finite-loss', message=message)
                        return 1
                    now = time.perf_counter()
                    loss_sum += sum(losses)
                    loss_count += len(losses)
                    emit('progress', epoch=epoch, step=step + 1, stepsPerEpoch=steps_per_epoch, loss=sum(losses) / len(losses), samplesPerSec=window_samples / max(now - window_start, 1e-9))
                    window_start, window_samples = now, 0
            if cancelled:
                break
            seconds = time.perf_counter() - started
            if lead:
                row = {'epoch': epoch, 'steps': step_total, 'trainLoss': loss_sum / max(1, loss_count),
                       **evaluate(model, val_x, val_y, batch, device), 'samplesPerSec': loss_count * batch / seconds, 'seconds': seconds}
                folder.add_epoch(row)
                folder.write_weights(runner_tensors(model), metadata, epoch, step_total)
                emit('epoch', **row)
            if distributed:
                torch.distributed.barrier()
        if folder:
            if cancelled:
                folder.write_weights(runner_tensors(model), metadata, len(folder.rows), step_total, f'stopped during epoch {len(folder.rows) + 1}')
                interrupted = stop['signal'] == signal.SIGINT
                folder.end('interrupted' if interrupted else 'cancelled', 'interrupted (Ctrl+C)' if interrupted else None)
            else:
                folder.end('completed')
        if args.rank_weights:
            target = [folder.path if folder else None]
            if distributed:
                torch.distributed.broadcast_object_list(target, src=0)
            write_safetensors(os.path.join(target[0], f'rank{rank}.safetensors'), runner_tensors(model))
        emit('done', runDir=folder.path if folder else None, cancelled=cancelled, steps=step_total, epochs=folder.rows if folder else [])
        exit_code[0] = 0
        return 0
    except BaseException as error:
        if folder:
            folder.end('failed', str(error) or type(error).__name__, 'internal')
        emit('failed', code='internal', message=str(error) or type(error).__name__)
        raise
    finally:
        if distributed:
            # Torch 1.13's gloo can hang in destroy_process_group once the other process has gone
            # (seen here: rank 0 waiting on a futex after its last line, for minutes). Everything is
            # written by now, so each process leaves without tearing the group down.
            if sys.exc_info()[1] is not None:
                import traceback
                traceback.print_exc()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exit_code[0])


BATCHNORM_WEIGHTS = set()

if __name__ == '__main__':
    sys.exit(main())
`;
