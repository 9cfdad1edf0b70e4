/**
 * The first seconds of a run: the runner says when the backend starts and ends building its kernels
 * (job/kernels, before job/started), the watchdog hears each WebGPU pipeline as it is built (a slow
 * build on a software adapter is not a stall; a build that hangs still is), and a run stopped before
 * its first step leaves no run folder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { train } from '../../runner/src/train';
import { openWebGpu } from '../../runner/src/webgpu/device';
import { isCI } from '../../scripts/lib/ci.mjs';
import { tinyNetwork as tiny } from './fixtures';
import { startRunner, type RunnerProcess } from './runnerClient';
import { tempDir } from '../tempDir';
import { pollUntil } from '../poll';

const quick = { batch: 16, trainSamples: 64, valSamples: 16, epochs: 1 };
const runsIn = (dir: string) => (existsSync(join(dir, '.cnn-runs')) ? readdirSync(join(dir, '.cnn-runs')) : []);

describe('a run stopped before its first step', () => {
  it('trains nothing and leaves no run folder', async () => {
    const runDir = tempDir('cnn-kernels-stop-');
    const kernels: string[] = [];
    const result = await train(tiny(), { ...quick, backend: 'reference', runDir }, { shouldStop: () => true, onKernels: (e) => kernels.push(e.state) });
    assert.deepEqual([result.cancelled, result.discarded, result.steps, result.epochs.length], [true, true, 0, 0]);
    assert.equal(existsSync(result.runDir), false, `${result.runDir} is removed`);
    assert.deepEqual(runsIn(runDir), []);
    assert.deepEqual(kernels, ['building', 'ready']);
  });

  it('one stopped after a step keeps its folder and the weights at that step', async () => {
    const runDir = tempDir('cnn-kernels-stop-');
    let polls = 0;
    const result = await train(tiny(), { ...quick, backend: 'reference', runDir }, { shouldStop: () => ++polls > 1 });
    assert.equal(result.discarded, undefined);
    assert.deepEqual([result.cancelled, result.steps], [true, 1]);
    assert.ok(existsSync(join(result.runDir, 'weights.safetensors')));
  });
});

describe('the runner: job/kernels and the watchdog while kernels build', () => {
  let runner: RunnerProcess;
  const runDir = tempDir('cnn-kernels-runner-');
  let adapter = '';
  // Each pipeline of "slowbuild" takes 500 ms more to build; those of "hangbuild" never finish (jobWorker.ts).
  before(async () => {
    const opened = await openWebGpu();
    opened.device?.destroy();
    adapter = opened.device ? '' : opened.reason;
    runner = startRunner({ CNN_RUNNER_TEST_SLOW_PIPELINES: 'slowbuild:500,hangbuild:-1' });
  });
  after(async () => { await runner.close(); });

  const needAdapter = (t: { skip(message: string): void }): boolean => {
    if (!adapter) return true;
    if (isCI()) assert.fail(`CI needs a WebGPU adapter for these tests: ${adapter}`);
    t.skip(`no WebGPU adapter (${adapter}): install a Vulkan driver, e.g. Mesa lavapipe`);
    return false;
  };

  it('announces building, then ready with its duration, before job/started (cpu backend: no pipelines)', async () => {
    const { jobId }: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings: { ...quick, backend: 'cpu', runDir } });
    await runner.waitFor('job/done', (p) => p.jobId === jobId, 120000);
    const mine = runner.notifications.filter((n) => n.params.jobId === jobId).map((n) => n.method === 'job/kernels' ? `kernels ${n.params.state}` : n.method);
    assert.deepEqual(mine.slice(0, 3), ['kernels building', 'kernels ready', 'job/started']);
    const ready = runner.notifications.find((n) => n.params.jobId === jobId && n.params.state === 'ready')!.params;
    assert.equal(ready.pipelines, 0);
    assert.ok(ready.seconds >= 0 && Number.isFinite(ready.seconds));
  });

  it('a WebGPU build slower than watchdogSeconds is not a stall: every pipeline is a heartbeat', async (t) => {
    if (!needAdapter(t)) return;
    const { jobId }: any = await runner.connection.sendRequest('job/start', { network: tiny('slowbuild'), settings: { ...quick, backend: 'webgpu', runDir, watchdogSeconds: 3 } });
    await pollUntil('the job to end', () => runner.notifications.some((n) => n.params.jobId === jobId && (n.method === 'job/done' || n.method === 'job/failed')), 300000);
    const end = runner.notifications.find((n) => n.params.jobId === jobId && (n.method === 'job/done' || n.method === 'job/failed'))!.params;
    assert.equal(end.cancelled, false, `the job ended: ${JSON.stringify(end)}`);
    const ready = runner.notifications.find((n) => n.method === 'job/kernels' && n.params.jobId === jobId && n.params.state === 'ready')!.params;
    // Longer than the watchdog's 3 s, one heartbeat per pipeline.
    assert.ok(ready.pipelines >= 10, `${ready.pipelines} pipelines`);
    assert.ok(ready.seconds >= ready.pipelines * 0.5 && ready.seconds > 3, `${ready.seconds} s for ${ready.pipelines} pipelines`);
  });

  it('a pipeline build that never ends is a stall, named as such, and the next job runs', async (t) => {
    if (!needAdapter(t)) return;
    const stuck: any = await runner.connection.sendRequest('job/start', { network: tiny('hangbuild'), settings: { ...quick, backend: 'webgpu', runDir, watchdogSeconds: 3 } });
    const next: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings: { ...quick, backend: 'reference', runDir } });
    const failed = await runner.waitFor('job/failed', (p) => p.jobId === stuck.jobId, 120000);
    assert.equal(failed.code, 'stalled');
    assert.match(failed.message, /no progress for 3 s while building the WebGPU kernels/);
    const done = await runner.waitFor('job/done', (p) => p.jobId === next.jobId, 120000);
    assert.equal(done.cancelled, false);
  });

  it('a cancel while the kernels build: job/done without a run folder', async (t) => {
    if (!needAdapter(t)) return;
    const before = runsIn(runDir).length;
    const { jobId }: any = await runner.connection.sendRequest('job/start', { network: tiny('slowbuild'), settings: { ...quick, backend: 'webgpu', runDir } });
    await runner.waitFor('job/kernels', (p) => p.jobId === jobId && p.state === 'building', 120000);
    await runner.connection.sendRequest('job/cancel', { jobId });
    const done = await runner.waitFor('job/done', (p) => p.jobId === jobId, 120000);
    assert.deepEqual([done.cancelled, done.runDir, done.steps], [true, null, 0]);
    assert.equal(runsIn(runDir).length, before);
  });
});
