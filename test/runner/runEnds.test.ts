/**
 * However a run stops, its folder has the last good weights and says how it ended (status.json):
 * completed, cancelled (asked, or by force), failed (a diverged loss keeps the weights from before
 * it; a stalled job is failed by the watchdog), and a job that cannot even create its run folder
 * fails with a message while the queue moves on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors } from '../../runner/src/safetensors';
import { train } from '../../runner/src/train';
import { readRunStatus, type RunStatus } from '../../runner/src/runFolder';
import { tinyNetwork as tiny } from './fixtures';
import { startRunner, type RunnerProcess } from './runnerClient';
import { tempDir } from '../tempDir';
import { pollUntil } from '../poll';

const quick = { backend: 'reference' as const, batch: 16, trainSamples: 64, valSamples: 16 };

function status(runDir: string): RunStatus {
  const s = readRunStatus(runDir);
  assert.ok(s, `status.json in ${runDir}`);
  return s;
}

function weights(runDir: string) {
  const file = join(runDir, 'weights.safetensors');
  assert.ok(existsSync(file), `weights.safetensors in ${runDir}`);
  return decodeSafetensors(readFileSync(file));
}

describe('run folders record how a run ended, with the last good weights', () => {
  const runDir = tempDir('cnn-run-ends-');

  it('a completed run: status completed, the last epoch\'s weights', async () => {
    const result = await train(tiny(), { ...quick, epochs: 2, runDir });
    const s = status(result.runDir);
    assert.equal(s.status, 'completed');
    assert.deepEqual([s.epochs, s.steps], [2, 8]);
    assert.deepEqual(s.weights, { epoch: 2, steps: 8 });
    assert.equal(weights(result.runDir).metadata.epoch, '2');
  });

  it('a run stopped mid-epoch keeps the weights at that step; Ctrl+C says interrupted, a cancel cancelled', async () => {
    let steps = 0;
    const stopped = await train(tiny(), { ...quick, epochs: 5, runDir, lossEvery: 1 }, {
      onProgress: () => { steps++; },
      shouldStop: () => (steps >= 6 ? 'interrupted' : false),
    });
    const s = status(stopped.runDir);
    assert.equal(s.status, 'interrupted');
    assert.equal(stopped.cancelled, true);
    assert.deepEqual(s.weights, { epoch: 1, steps: 6, note: 'stopped during epoch 2' });
    assert.equal(weights(stopped.runDir).metadata.steps, '6');
    // Stopped before its first step: nothing was trained, so it leaves no folder (its initial weights
    // are the seed's); test/runner/kernelBuild.test.ts has the rest.
    const cancelled = await train(tiny(), { ...quick, epochs: 5, runDir }, { shouldStop: () => true });
    assert.equal(cancelled.discarded, true);
    assert.equal(existsSync(cancelled.runDir), false);
  });

  it('a diverging run fails, and its weights are the last good ones (all finite), not the diverged ones', async () => {
    let failure: Error | undefined;
    let folder = '';
    try {
      await train(tiny(), { ...quick, epochs: 3, trainSamples: 256, lr: 1e6, momentum: 0.9, lossEvery: 1, runDir }, { onStarted: (e) => { folder = e.runDir; } });
    } catch (error) {
      failure = error as Error;
    }
    assert.match(failure?.message ?? '', /training diverged.*the run folder keeps the weights from before it/);
    const s = status(folder);
    assert.equal(s.status, 'failed');
    assert.equal(s.code, 'non-finite-loss');
    assert.ok(weights(folder).tensors.every((t) => t.data.every(Number.isFinite)), 'the saved weights are finite');
  });
});

describe('the runner: run folders that cannot be made, and the watchdog', () => {
  let runner: RunnerProcess;
  const runDir = tempDir('cnn-run-ends-runner-');
  // A job whose network is named "stall" blocks right after its first job/progress (see jobWorker.ts).
  before(() => { runner = startRunner({ CNN_RUNNER_TEST_STALL: 'stall' }); });
  after(async () => { await runner.close(); });

  it('a job whose runDir is /proc fails with a message, fast, and the next job still runs', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
    const bad: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings: { ...quick, epochs: 1, runDir: '/proc' } });
    const good: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings: { ...quick, epochs: 1, runDir } });
    const failed = await runner.waitFor('job/failed', (p) => p.jobId === bad.jobId, 60000);
    assert.equal(failed.code, 'invalid-job');
    assert.match(failed.message, /cannot create the run folder in \/proc\/\.cnn-runs: ENOENT; choose another runDir/);
    const done = await runner.waitFor('job/done', (p) => p.jobId === good.jobId, 60000);
    assert.equal(status(done.runDir).status, 'completed');
  });

  it('a cancel that the step in progress never answers ends the worker by force: status cancelled, the initial weights kept', async () => {
    const { jobId }: any = await runner.connection.sendRequest('job/start', { network: tiny('stall'), settings: { ...quick, epochs: 1, runDir, lossEvery: 1 } });
    const started = await runner.waitFor('job/started', (p) => p.jobId === jobId, 60000);
    // The worker reports its first step, then blocks before it could see a cancel.
    await runner.waitFor('job/progress', (p) => p.jobId === jobId, 60000);
    await runner.connection.sendRequest('job/cancel', { jobId });
    const done = await runner.waitFor('job/done', (p) => p.jobId === jobId, 30000);
    assert.equal(done.cancelled, true);
    await pollUntil('the status to be written', () => readRunStatus(started.runDir)?.status !== 'running');
    const s = status(started.runDir);
    assert.equal(s.status, 'cancelled');
    assert.match(s.reason ?? '', /cancelled by force/);
    assert.deepEqual(s.weights, { epoch: 0, steps: 0, note: 'initial weights' });
    assert.equal(weights(started.runDir).tensors.length, 6);
    assert.deepEqual(readdirSync(started.runDir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
  });

  it('a job that makes no progress fails after watchdogSeconds, and the next job runs', async () => {
    // 3 s, not 1: on a loaded 2-core machine starting the worker alone can take over a second,
    // and this test is about a stall while training, not while preparing.
    const stuck: any = await runner.connection.sendRequest('job/start', { network: tiny('stall'), settings: { ...quick, epochs: 1, runDir, watchdogSeconds: 3 } });
    const next: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings: { ...quick, epochs: 1, runDir } });
    const failed = await runner.waitFor('job/failed', (p) => p.jobId === stuck.jobId, 60000);
    assert.equal(failed.code, 'stalled');
    assert.match(failed.message, /no progress for 3 s while training, so the runner stopped it \(watchdogSeconds=3/);
    const done = await runner.waitFor('job/done', (p) => p.jobId === next.jobId, 60000);
    assert.equal(done.cancelled, false);
    await pollUntil('the status to be written', () => readRunStatus(failed.runDir)?.status !== 'running');
    const s = status(failed.runDir);
    assert.deepEqual([s.status, s.code], ['failed', 'stalled']);
    assert.ok(existsSync(join(failed.runDir, 'weights.safetensors')));
  });
});
