/**
 * Label smoothing: the loss and its gradient with respect to the logits against PyTorch's
 * CrossEntropyLoss(label_smoothing=ε) (Debian's python3-torch; skipped with the reason where it is
 * missing, required under CI), the `train` statement's key and its range, and a training run that
 * uses it (the cpu backend shares the reference loss; the WebGPU kernel is checked against it in
 * webgpuKernels.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { analyzeText } from '../../server/src/language/analyze';
import { softmaxCrossEntropy } from '../../runner/src/reference/softmaxLoss';
import { resolveSettings } from '../../runner/src/settings';
import { Rng } from '../../runner/src/rng';
import { parseTrainArgs } from '../../runner/src/trainCommand';
import { train } from '../../runner/src/train';
import { isCI } from '../../scripts/lib/ci.mjs';
import { findPython } from '../python';
import { makeNetwork } from './fixtures';
import { tempDir } from '../tempDir';

const TORCH = `
import json, sys, torch
case = json.load(sys.stdin)
out = []
for eps in case['smoothing']:
    logits = torch.tensor(case['logits'], dtype=torch.float64).reshape(case['batch'], case['classes']).requires_grad_()
    loss = torch.nn.CrossEntropyLoss(label_smoothing=eps)(logits, torch.tensor(case['labels']))
    loss.backward()
    out.append({'loss': loss.item(), 'grad': logits.grad.reshape(-1).tolist()})
print(json.dumps(out))
`;

describe('label smoothing', () => {
  it('loss and gradient equal PyTorch\'s CrossEntropyLoss(label_smoothing=ε)', (t) => {
    const found = findPython(['torch'], 'Debian: apt-get install python3-torch');
    if ('missing' in found) {
      if (isCI()) assert.fail(`CI needs PyTorch for this test: ${found.missing}`);
      t.skip(found.missing);
      return;
    }
    const batch = 7, classes = 6, rng = new Rng(12);
    // Logits wide enough that some samples are confidently right and some confidently wrong.
    const logits = Float32Array.from({ length: batch * classes }, () => 4 * rng.normal());
    const labels = Int32Array.from({ length: batch }, () => rng.int(classes));
    const smoothing = [0, 0.1, 0.35, 0.9];
    const run = spawnSync(found.python, ['-c', TORCH], {
      input: JSON.stringify({ batch, classes, logits: [...logits], labels: [...labels], smoothing }), encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const torch = JSON.parse(run.stdout) as { loss: number; grad: number[] }[];
    smoothing.forEach((eps, i) => {
      const probs = new Float32Array(batch * classes), grad = new Float32Array(batch * classes);
      const loss = softmaxCrossEntropy(logits, labels, batch, classes, probs, grad, eps);
      assert.ok(Math.abs(loss - torch[i].loss) < 1e-5, `ε=${eps}: loss ${loss}, PyTorch ${torch[i].loss}`);
      grad.forEach((g, j) => assert.ok(Math.abs(g - torch[i].grad[j]) < 1e-6, `ε=${eps}: dlogit ${j}: ${g}, PyTorch ${torch[i].grad[j]}`));
    });
  });

  it('a train key smoothing=X in [0, 1), a --smoothing flag, and the runner\'s setting', () => {
    const text = (v: string) => `network n\ninput 8x8x1\nfc 4\nsoftmax 4\ntrain dataset=shapes smoothing=${v}\n`;
    const ok = analyzeText(text('0.1'));
    assert.equal(ok.network.train?.smoothing, 0.1);
    assert.deepEqual(ok.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(resolveSettings(ok.network, {}).smoothing, 0.1);
    assert.equal(resolveSettings(analyzeText(text('0')).network, {}).smoothing, 0);
    for (const bad of ['1', '-0.1', 'lots']) {
      const errors = analyzeText(text(bad)).diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.some((e) => /smoothing/.test(e.message)), `smoothing=${bad}: ${errors.map((e) => e.message).join('; ')}`);
    }
    assert.throws(() => resolveSettings(ok.network, { smoothing: 1 }), /smoothing must be a number from 0 up to \(not including\) 1, got 1/);
    assert.deepEqual(parseTrainArgs(['--smoothing', '0.2']), { settings: { smoothing: 0.2 }, json: false });
  });

  it('trains with it: the first steps\' losses are the smoothed loss of the same start, on reference and cpu alike', async () => {
    const network = makeNetwork([10, 10, 1], [{ kind: 'conv', count: 4, kernel: 3, act: 'relu' }, { kind: 'fc', count: 5 }, { kind: 'softmax', count: 5 }], 'smooth');
    const runDir = tempDir('cnn-smoothing-');
    const settings = { epochs: 1, batch: 16, trainSamples: 64, valSamples: 32, lossEvery: 1, runDir, seed: 4 };
    const losses = async (backend: 'reference' | 'cpu', smoothing: number) => {
      const out: number[] = [];
      await train(network, { ...settings, backend, smoothing }, { onProgress: (e) => { out.push(e.loss); } });
      return out;
    };
    const [plain, smooth, smoothCpu] = [await losses('reference', 0), await losses('reference', 0.2), await losses('cpu', 0.2)];
    // With ε, the loss of a near-uniform start is about the same (every class ≈ 1/C either way), and
    // grows above plain cross-entropy's as the network grows confident; the backends agree step by step.
    smooth.forEach((l, i) => assert.ok(Math.abs(l - smoothCpu[i]) < 1e-4, `step ${i + 1}: reference ${l}, cpu ${smoothCpu[i]}`));
    assert.ok(Math.abs(smooth[0] - plain[0]) < 0.05, `first step: ${smooth[0]} vs ${plain[0]}`);
    assert.notDeepEqual(smooth, plain);
  });
});
