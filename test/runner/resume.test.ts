/**
 * Checkpoints and exact resume: a run stopped after an epoch, or in the middle of one, and resumed
 * from its folder's checkpoint has the same per-epoch metrics as a run that never stopped (to 1e-5),
 * on the reference, cpu and WebGPU backends, with dropout (its masks follow the step count), momentum SGD and
 * Adam (their moments and step count), and a warmup-and-cosine schedule (its position).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { decodeSafetensors } from '../../runner/src/safetensors';
import { readMetrics, readRunStatus, type EpochMetrics } from '../../runner/src/runFolder';
import type { JobSettings } from '../../runner/src/settings';
import { isTrainingError, train } from '../../runner/src/train';
import { main } from '../../server/src/cli';
import { makeNetwork } from './fixtures';
import { tempDir } from '../tempDir';
import { webGpuSuite } from './webgpuSuite';

const withDropout = (units = 24) => makeNetwork([12, 12, 1], [
  { kind: 'conv', count: 6, kernel: 3, act: 'relu' },
  { kind: 'maxpool', kernel: 2 },
  { kind: 'fc', count: units, act: 'relu' },
  { kind: 'dropout', rate: 0.3 },
  { kind: 'softmax', count: 4 },
], 'resume-net');

const base: JobSettings = { batch: 16, trainSamples: 128, valSamples: 48, epochs: 3, seed: 7, lr: 0.05, momentum: 0.9 };

/** Per-epoch numbers that must match (times and speeds differ between any two runs). */
function assertSameMetrics(resumed: EpochMetrics[], straight: EpochMetrics[]): void {
  assert.equal(resumed.length, straight.length, 'epochs');
  resumed.forEach((r, i) => {
    const s = straight[i];
    assert.equal(r.epoch, s.epoch);
    assert.equal(r.steps, s.steps, `epoch ${s.epoch}: steps`);
    for (const key of ['trainLoss', 'valLoss', 'top1Error', 'top5Error'] as const) {
      assert.ok(Math.abs(r[key] - s[key]) <= 1e-5, `epoch ${s.epoch} ${key}: resumed ${r[key]}, uninterrupted ${s[key]}`);
    }
  });
}

/** Stops the run before step `step` (from 1) of epoch `epoch`, counting steps through progress with lossEvery 1. */
function stopAt(epoch: number, stepInEpoch: number) {
  let at = { epoch: 1, step: 0 };
  return {
    onProgress: (e: { epoch: number; step: number }) => { at = { epoch: e.epoch, step: e.step }; },
    onEpoch: (e: EpochMetrics) => { at = { epoch: e.epoch + 1, step: 0 }; },
    shouldStop: () => at.epoch === epoch && at.step >= stepInEpoch,
  };
}

for (const backend of ['reference', 'cpu', 'webgpu'] as const) {
  describe(`exact resume on the ${backend} backend`, () => {
    const runDir = tempDir(`cnn-resume-${backend}-`);
    const gpu = backend === 'webgpu' ? webGpuSuite() : undefined;

    for (const variant of [
      { name: 'SGD with momentum, stopped after epoch 1', settings: {}, stop: [2, 0] },
      { name: 'Adam with warmup and a cosine schedule, stopped in the middle of epoch 2', settings: { optimizer: 'adam', lr: 0.003, warmup: 1, schedule: { kind: 'cosine' } }, stop: [2, 3] },
    ] as const) {
      it(`${variant.name}: the resumed run's metrics equal an uninterrupted run's`, async (t) => {
        if (gpu && !gpu.needDevice(t)) return;
        const settings: JobSettings = { ...base, ...variant.settings, backend, runDir, lossEvery: 1 } as JobSettings;
        const straight = await train(withDropout(), settings);
        const stopped = await train(withDropout(), settings, stopAt(variant.stop[0], variant.stop[1]));
        assert.equal(stopped.cancelled, true);
        assert.equal(stopped.epochs.length, 1);
        const status = readRunStatus(stopped.runDir)!;
        assert.equal(status.status, 'cancelled');
        const stepsDone = 8 + variant.stop[1];
        assert.deepEqual(status.checkpoint, { epoch: 1, steps: stepsDone }, 'the checkpoint is at the stop');
        const checkpoint = decodeSafetensors(readFileSync(join(stopped.runDir, 'checkpoint.safetensors')));
        assert.deepEqual(JSON.parse(checkpoint.metadata.position).stepInEpoch, variant.stop[1]);
        assert.ok(checkpoint.tensors.some((t) => t.name.startsWith('optimizer.first.')), 'the optimiser state is in the checkpoint');
        assert.equal(checkpoint.tensors.some((t) => t.name.startsWith('optimizer.second.')), variant.settings.optimizer === 'adam');

        let started: { epoch: number; stepInEpoch: number; steps: number } | undefined;
        const resumed = await train(withDropout(), { resume: stopped.runDir, backend }, { onStarted: (e) => { started = e.resumed; } });
        assert.deepEqual(started && [started.epoch, started.stepInEpoch, started.steps], [1, variant.stop[1], stepsDone]);
        assert.equal(resumed.runDir, stopped.runDir, 'it continues in the same folder');
        assert.equal(resumed.cancelled, false);
        assertSameMetrics(resumed.epochs, straight.epochs);
        assertSameMetrics(readMetrics(resumed.runDir), readMetrics(straight.runDir));
        const end = readRunStatus(resumed.runDir)!;
        assert.equal(end.status, 'completed');
        assert.deepEqual([end.epochs, end.steps], [3, 24]);
        assert.deepEqual(end.resumed?.map((r) => [r.from, r.epoch, r.steps]), [['cancelled', 1, stepsDone]]);
        // The final weights too: the same to float rounding.
        const a = decodeSafetensors(readFileSync(join(resumed.runDir, 'weights.safetensors'))).tensors;
        const b = decodeSafetensors(readFileSync(join(straight.runDir, 'weights.safetensors'))).tensors;
        a.forEach((t, i) => t.data.forEach((v, j) => assert.ok(Math.abs(v - b[i].data[j]) <= 1e-5, `${t.name}[${j}]: ${v} vs ${b[i].data[j]}`)));
      });
    }
  });
}

describe('resume: what a finished, foreign or broken run folder gets', () => {
  const runDir = tempDir('cnn-resume-edges-');
  const settings: JobSettings = { ...base, backend: 'reference', runDir, epochs: 2 };

  it('a completed run is refused unless asked for more epochs; with more, it equals a longer run', async () => {
    const done = await train(withDropout(), settings);
    await assert.rejects(train(withDropout(), { resume: done.runDir }), (e: unknown) =>
      isTrainingError(e) && e.code === 'invalid-job' && /finished all 2 of its epochs; ask for more epochs \(--epochs 3/.test(e.message));
    const longer = await train(withDropout(), { ...settings, epochs: 3 });
    const extended = await train(withDropout(), { resume: done.runDir, epochs: 3 });
    assertSameMetrics(extended.epochs, longer.epochs);
  });

  it('a checkpoint of another network, or a folder without one, is refused with the reason', async () => {
    const done = await train(withDropout(), { ...settings, epochs: 1 });
    writeFileSync(join(done.runDir, 'network.json'), JSON.stringify(withDropout(20)));
    await assert.rejects(train(withDropout(), { resume: done.runDir, epochs: 2 }), (e: unknown) =>
      isTrainingError(e) && e.code === 'invalid-job' && /checkpoint\.safetensors: tensor \S+ is \d+x\d+, the network's is 20x/.test(e.message));
    await assert.rejects(train(withDropout(), { resume: runDir, epochs: 2 }), (e: unknown) =>
      isTrainingError(e) && /cannot resume .*status\.json; is it a run folder\?/.test(e.message));
  });

  it('cnn train --resume refuses settings that would change the run, and a FILE with it', async () => {
    const out: string[] = [];
    const sink = new Writable({ write(chunk, _e, done) { out.push(String(chunk)); done(); } });
    assert.equal(await main(['train', '--resume', runDir, '--lr', '0.1'], { stdout: sink, stderr: sink } as never), 2);
    assert.match(out.join(''), /a resumed run keeps its own settings, so it cannot take --lr \(only --epochs and --backend\)/);
    out.length = 0;
    assert.equal(await main(['train', '--resume', join(runDir, 'nowhere')], { stdout: sink, stderr: sink } as never), 2);
    assert.match(out.join(''), /cannot resume .*nowhere: it has no readable status\.json/);
  });
});
