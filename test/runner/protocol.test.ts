/**
 * The runner as the extension and the CLI see it: a child process speaking JSON-RPC over stdio.
 */
import { findTorchPython } from '../../runner/src/pytorchBackend';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeNetwork, tinyNetwork as tiny } from './fixtures';
import { startRunner, type RunnerProcess } from './runnerClient';
import { tempDir } from '../tempDir';
import { isCI } from '../../scripts/lib/ci.mjs';

describe('runner protocol (JSON-RPC over stdio)', () => {
  let runner: RunnerProcess;
  const runDir = tempDir('cnn-runner-test-');
  before(() => { runner = startRunner(); });
  after(async () => { await runner.close(); });

  it('runner/info names the protocol and the backend a job gets', async () => {
    const info: any = await runner.connection.sendRequest('runner/info');
    assert.equal(info.name, 'cnn-runner');
    assert.equal(info.protocol, 1);
    assert.ok(['webgpu', 'cpu', 'reference'].includes(info.backend.backend));
    // pytorch is offered, with the device torch finds, exactly when a Python with torch is found.
    const torch = await findTorchPython();
    assert.deepEqual(info.backends, ['webgpu', 'cpu', 'reference', ...('device' in torch ? ['pytorch'] : [])]);
    assert.deepEqual(info.devices, 'device' in torch ? { pytorch: torch.device } : {});
    // Why auto chose it: a GPU adapter, a software one (the cpu backend is faster), or none.
    assert.match(info.backend.reason, /^backend=auto: /);
    if (info.backend.backend === 'reference') assert.match(info.backend.fallback, /no WebGPU adapter/);
  });

  it('a job streams started, progress, epoch and done, and leaves a complete run folder', async () => {
    const { jobId, queued }: any = await runner.connection.sendRequest('job/start', {
      network: tiny(), settings: { backend: 'reference', epochs: 2, batch: 16, trainSamples: 128, valSamples: 32, lossEvery: 2, runDir },
    });
    assert.equal(queued, 0);
    const done = await runner.waitFor('job/done', (p) => p.jobId === jobId, 60000);
    const mine = runner.notifications.filter((n) => n.params.jobId === jobId).map((n) => n.method);
    // The backend's kernels are built (job/kernels: building, ready) before the run starts.
    assert.deepEqual(mine.slice(0, 3), ['job/kernels', 'job/kernels', 'job/started']);
    assert.equal(mine.filter((m) => m === 'job/epoch').length, 2);
    assert.equal(mine.filter((m) => m === 'job/progress').length, 2 * 4, '8 steps per epoch, loss read every 2');
    const progress = runner.notifications.find((n) => n.method === 'job/progress' && n.params.jobId === jobId)!.params;
    assert.ok(progress.loss > 0 && Number.isFinite(progress.samplesPerSec));
    assert.equal(done.cancelled, false);
    assert.equal(done.steps, 16);
    for (const f of ['network.json', 'settings.json', 'metrics.jsonl', 'metrics.csv', 'weights.safetensors']) {
      assert.ok(existsSync(join(done.runDir, f)), `${f} in the run folder`);
    }
    const rows = readFileSync(join(done.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.epoch), [1, 2]);
    assert.equal(readFileSync(join(done.runDir, 'metrics.csv'), 'utf8').trim().split('\n').length, 3);
  });

  it('malformed jobs get JSON-RPC errors and the runner keeps serving', async () => {
    await assert.rejects(runner.connection.sendRequest('job/start', {}), (e: any) => e.code === -32602 && /network is missing/.test(e.message));
    const noSoftmax = makeNetwork([8, 8, 1], [{ kind: 'conv', count: 2, kernel: 3 }]);
    await assert.rejects(runner.connection.sendRequest('job/start', { network: noSoftmax }), (e: any) => e.code === -32602 && /softmax layer last/.test(e.message));
    await assert.rejects(runner.connection.sendRequest('job/start', { network: tiny(), settings: { epochs: -1 } }), (e: any) => e.code === -32602 && /epochs/.test(e.message));
    await assert.rejects(runner.connection.sendRequest('job/start', { network: tiny(), settings: { backend: 'cuda' } }), (e: any) => /backend must be/.test(e.message));
    await assert.rejects(runner.connection.sendRequest('job/cancel', {}), (e: any) => e.code === -32602);
    const info: any = await runner.connection.sendRequest('runner/info');
    assert.equal(info.name, 'cnn-runner');
  });

  it('a diverging job fails with the step and a hint to lower the learning rate', async () => {
    const { jobId }: any = await runner.connection.sendRequest('job/start', {
      network: tiny(), settings: { backend: 'reference', epochs: 3, batch: 16, trainSamples: 256, lr: 1e6, momentum: 0.9, lossEvery: 1, runDir },
    });
    const failed = await runner.waitFor('job/failed', (p) => p.jobId === jobId, 60000);
    assert.equal(failed.code, 'non-finite-loss');
    assert.match(failed.message, /at step \d+/);
    assert.match(failed.message, /lower the learning rate/);
    assert.ok(Number.isInteger(failed.details.step) && failed.details.step >= 1);
  });

  // How fast a cancel lands is measured by bench/responsiveness.bench.ts; here only what it does.
  it('cancel stops a running job and keeps the metrics so far', async () => {
    const { jobId }: any = await runner.connection.sendRequest('job/start', {
      network: tiny(), settings: { backend: 'reference', epochs: 1000, batch: 16, trainSamples: 128, valSamples: 32, runDir },
    });
    await runner.waitFor('job/epoch', (p) => p.jobId === jobId && p.epoch === 2, 60000);
    const answer: any = await runner.connection.sendRequest('job/cancel', { jobId });
    assert.equal(answer.cancelled, true);
    const done = await runner.waitFor('job/done', (p) => p.jobId === jobId, 30000);
    assert.equal(done.cancelled, true);
    assert.ok(done.epochs.length >= 2);
    const rows = readFileSync(join(done.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.ok(rows.length >= 2);
    const again: any = await runner.connection.sendRequest('job/cancel', { jobId });
    assert.equal(again.cancelled, false);
  });

  it('a network too large for the adapter is refused before it starts, with the numbers', async () => {
    const info: any = await runner.connection.sendRequest('runner/info');
    const huge = makeNetwork([512, 512, 3], [
      { kind: 'conv', count: 256, kernel: 3, pad: 1 },
      { kind: 'globalavgpool' },
      { kind: 'softmax', count: 10 },
    ], 'huge');
    // 4096 x 512 x 512 x 256 floats = 1 TiB for the conv output alone: no adapter and no machine here has it.
    const job = { network: huge, settings: { batch: 4096, trainSamples: 4096, epochs: 1, runDir } };
    if (info.backend.backend === 'webgpu') {
      await assert.rejects(runner.connection.sendRequest('job/start', job), (e: any) => {
        assert.equal(e.code, -32001);
        assert.match(e.message, /too large for the adapter at batch 4096: conv1 conv output needs 1048576\.0 MiB in one buffer, the adapter allows \d+\.\d MiB/);
        assert.equal(e.data.needed, 4096 * 512 * 512 * 256 * 4);
        return true;
      });
    }
    const { jobId }: any = await runner.connection.sendRequest('job/start', { ...job, settings: { ...job.settings, backend: 'reference' } });
    const failed = await runner.waitFor('job/failed', (p) => p.jobId === jobId, 30000);
    assert.equal(failed.code, 'too-large');
    assert.match(failed.message, /needs about \d+\.\d MiB at batch 4096, more than the \d+\.\d MiB this machine can give it/);
  });

  it('a job runs on the WebGPU backend when an adapter exists', async (t) => {
    // Asked for by name: `auto` picks cpu on a software adapter, so runner/info no longer tells.
    const { jobId }: any = await runner.connection.sendRequest('job/start', {
      network: tiny(), settings: { backend: 'webgpu', epochs: 1, batch: 16, trainSamples: 64, valSamples: 16, runDir },
    });
    const first = await Promise.race([
      runner.waitFor('job/started', (p) => p.jobId === jobId, 60000).then((p) => ({ started: p })),
      runner.waitFor('job/failed', (p) => p.jobId === jobId, 60000).then((p) => ({ failed: p })),
    ]);
    if ('failed' in first) {
      assert.equal(first.failed.code, 'no-adapter', first.failed.message);
      if (isCI()) assert.fail(`CI needs a WebGPU adapter: ${first.failed.message}`);
      t.skip(`no WebGPU adapter: ${first.failed.message}`);
      return;
    }
    assert.equal(first.started.backend.backend, 'webgpu');
    const done = await runner.waitFor('job/done', (p) => p.jobId === jobId, 60000);
    assert.ok(Number.isFinite(done.epochs[0].trainLoss));
  });

  it('jobs queue and run one at a time; a queued job can be cancelled', async () => {
    const settings = { backend: 'reference', epochs: 1, batch: 16, trainSamples: 64, valSamples: 16, runDir };
    const a: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings });
    const b: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings });
    const c: any = await runner.connection.sendRequest('job/start', { network: tiny(), settings });
    assert.equal(b.queued, 1);
    assert.equal(c.queued, 2);
    assert.equal(((await runner.connection.sendRequest('job/cancel', { jobId: c.jobId })) as any).cancelled, true);
    await runner.waitFor('job/done', (p) => p.jobId === b.jobId, 60000);
    const order = runner.notifications.filter((n) => [a.jobId, b.jobId].includes(n.params.jobId) && ['job/started', 'job/done'].includes(n.method))
      .map((n) => `${n.method}:${n.params.jobId === a.jobId ? 'a' : 'b'}`);
    assert.deepEqual(order, ['job/started:a', 'job/done:a', 'job/started:b', 'job/done:b']);
    const cDone = runner.notifications.find((n) => n.method === 'job/done' && n.params.jobId === c.jobId)!.params;
    assert.equal(cDone.cancelled, true);
    assert.equal(runner.notifications.some((n) => n.method === 'job/started' && n.params.jobId === c.jobId), false);
  });
});
