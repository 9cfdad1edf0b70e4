// The training view's first minutes, without a browser: the device named in plain words, the
// kernels being prepared and how long they took, no time left until the run has a few steps
// behind it, charts on an axis that fits a one-epoch run, the folded form's summary line, and a
// run that saved nothing leaving the last run on show.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../server/src/language/analyze';
import { fieldsFromNetwork, placeholders, settingsSummary } from '../../media/src/trainForm';
import type { RunView } from '../../media/src/trainProtocol';
import { deviceLabel, deviceLine, epochAxis, epochTicks, kernelsLine, progressLine, runSpeedData, timeLeft } from '../../media/src/trainViewModel';
import { parseRunnerNotification, type RunnerNotification } from '../../client/src/training/runnerMessages';
import { TrainingJobs, type RunUpdate } from '../../client/src/training/trainingJobs';
import type { RunnerProcess } from '../../client/src/training/runnerProcess';

// Adapter strings as the runner reports them (runner/src/webgpu/device.ts describe(), runner/src/backends.ts cpuInfo()).
const LAVAPIPE = 'mesa llvmpipe (LLVM 19.1.7, 256 bits) Mesa 25.0.7-2~bpo12+1 (LLVM 19.1.7)';
const OPENBLAS = 'AMD EPYC 7B13 64-Core Processor: OpenBLAS 0.3.21 sgemm, 2 threads, Haswell kernels';

const running = (over: Partial<RunView> = {}): RunView => ({
  jobId: 'j', status: 'running', requestedAt: 0, startedAt: 0, settings: { epochs: 1, batch: 32 } as RunView['settings'],
  backend: { backend: 'webgpu', adapter: LAVAPIPE, reason: 'backend=webgpu was asked for' }, stepLosses: [], epochs: [], ...over,
});

describe('the device, in plain words', () => {
  it('names the software adapter as the CPU, the cpu backend by its library and processor', () => {
    assert.equal(deviceLabel({ backend: 'webgpu', adapter: LAVAPIPE }), 'WebGPU on the CPU (Mesa lavapipe)');
    assert.equal(deviceLabel({ backend: 'webgpu', adapter: 'Google SwiftShader Device (Subzero)' }), 'WebGPU on the CPU (SwiftShader)');
    assert.equal(deviceLabel({ backend: 'webgpu', adapter: 'nvidia ampere NVIDIA GeForce RTX 3060 nvidia' }), 'WebGPU on the GPU (nvidia ampere GeForce RTX 3060)');
    assert.equal(deviceLabel({ backend: 'cpu', adapter: OPENBLAS }), 'CPU — OpenBLAS on AMD EPYC 7B13, 2 threads');
    assert.equal(deviceLabel({ backend: 'cpu', adapter: 'Intel(R) Xeon(R) CPU @ 2.20GHz: TypeScript kernels, one thread (the native OpenBLAS kernels are not built)' }), 'CPU — TypeScript kernels on Intel Xeon');
    assert.equal(deviceLabel({ backend: 'reference', adapter: 'TypeScript on the CPU (AMD EPYC, one thread)' }), 'reference — TypeScript on the CPU, one thread');
  });

  it('the header says it once, with why; the full adapter string only in the tooltip, and not in the progress line', () => {
    const run = running({ status: 'running' });
    const line = deviceLine(run, undefined);
    assert.equal(line.text, 'Training on WebGPU on the CPU (Mesa lavapipe) · why: backend=webgpu was asked for');
    assert.equal(line.title, `webgpu: ${LAVAPIPE}`);
    assert.equal(deviceLine(null, { backend: 'cpu', adapter: OPENBLAS, reason: 'backend=auto: llvmpipe is a software adapter, running on the CPU; the cpu backend (OpenBLAS on every core) is faster' }).text,
      'Runner ready: CPU — OpenBLAS on AMD EPYC 7B13, 2 threads · why: llvmpipe is a software adapter, running on the CPU; the cpu backend (OpenBLAS on every core) is faster');
    assert.equal(deviceLine(null, undefined).text, 'Runner: starts when needed');
    assert.doesNotMatch(progressLine(run).text, /llvmpipe|Mesa/);
  });
});

describe('the first seconds of a run', () => {
  it('preparing kernels: how long so far, then how long it took', () => {
    const starting = running({ status: 'starting', backend: undefined, kernels: { state: 'building' } });
    assert.deepEqual(progressLine(starting, 12.4), { fraction: undefined, text: 'Preparing kernels (0:12)… built once per run before the first step' });
    assert.equal(progressLine(running({ status: 'starting' })).text, 'Starting…', 'before the runner says anything');
    const ready = running({ kernels: { state: 'ready', seconds: 18.25, pipelines: 42 } });
    assert.equal(progressLine(ready).text, 'Kernels ready in 18.3 s (42 WebGPU pipelines) · first steps…');
    assert.equal(kernelsLine(running({ kernels: { state: 'ready', seconds: 0.004, pipelines: 0 } })), 'Kernels ready in 0.0 s');
    assert.equal(kernelsLine(running()), undefined);
  });

  it('no time left until 5 steps and 3 s of training are behind it; then in words, never like a clock', () => {
    // 4 steps of 32 at 32 samples/s: 4 s trained, but only 4 steps.
    const fourSteps = running({ progress: { epoch: 1, step: 4, stepsPerEpoch: 100, loss: 2.3, samplesPerSec: 32 } });
    assert.match(progressLine(fourSteps).text, /estimating time left…$/);
    // 10 steps at 3200 samples/s: 0.1 s trained.
    const fast = running({ progress: { epoch: 1, step: 10, stepsPerEpoch: 100, loss: 2.3, samplesPerSec: 3200 } });
    assert.match(progressLine(fast).text, /estimating time left…$/);
    // 10 steps at 64 samples/s: 5 s trained; 90 steps x 32 / 64 = 45 s left.
    const settled = running({ progress: { epoch: 1, step: 10, stepsPerEpoch: 100, loss: 2.3, samplesPerSec: 64 } });
    assert.equal(progressLine(settled).text, 'Epoch 1/1 · step 10/100 · loss 2.3000 · 64 samples/s · about 45 s left');
    assert.equal(timeLeft(1171), 'about 20 min left');
    assert.equal(timeLeft(3900), 'about 1 h 5 min left');
    assert.equal(timeLeft(0.4), 'about 5 s left');
  });
});

describe('charts that read well with one epoch', () => {
  it('the epoch axis runs from 0 to the planned epochs, past the points when a run goes on', () => {
    assert.deepEqual(epochAxis(running({ stepLosses: [[0.1, 2.3], [0.2, 2.2]] })), [0, 1]);
    assert.deepEqual(epochAxis(running({ settings: { epochs: 3, batch: 32 } as RunView['settings'], stepLosses: [[0.5, 2]] })), [0, 3]);
    assert.equal(epochAxis(null), undefined);
  });

  it('the epoch axis is labelled at whole epochs only, at most 8 of them', () => {
    assert.deepEqual(epochTicks(1, 4), [1, 2, 3, 4], 'the compare charts: no 1.5, 2.5');
    assert.deepEqual(epochTicks(0, 1), [0, 1]);
    assert.deepEqual(epochTicks(0.2, 0.9), [], 'no whole epoch inside');
    assert.deepEqual(epochTicks(0, 10), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(epochTicks(1, 90), [20, 40, 60, 80]);
    assert.deepEqual(epochTicks(0, 300), [0, 50, 100, 150, 200, 250, 300]);
  });

  it('speed is drawn at every progress report, not once an epoch', () => {
    const run = running({ stepSpeeds: [[0.25, 900], [0.5, 1100], [0.75, 1000]], epochs: [] });
    assert.deepEqual(runSpeedData(run), [[0.25, 0.5, 0.75], [900, 1100, 1000]]);
    const old = running({ epochs: [{ epoch: 1, steps: 8, trainLoss: 1, valLoss: 1, top1Error: 0.5, top5Error: 0, samplesPerSec: 640, seconds: 1 }] });
    assert.deepEqual(runSpeedData(old), [[1], [640]], 'a run saved before speeds were kept: per epoch');
  });
});

describe('the folded form', () => {
  it('sums up what Start trains with: the file\'s values, the runner\'s defaults where empty', () => {
    const network = analyzeText('network n\ninput 8x8x1\nconv 4 f=3\nfc 10\nsoftmax 10\ntrain epochs=1 lr=0.05\n').network;
    const fields = fieldsFromNetwork(network);
    assert.equal(settingsSummary(fields, fields, placeholders(network, 'sgd')), 'shapes · 1 epoch · batch 32 · lr 0.05 · SGD · backend auto');
    assert.equal(settingsSummary({ ...fields, epochs: '2', optimizer: 'adam', backend: 'cpu', act: 'prelu' }, fields, placeholders(network, 'adam')), 'shapes · 2 epochs · batch 32 · lr 0.05 · Adam · backend cpu · act prelu');
    // An emptied field is the train statement's value again (the runner merges default < file < form).
    const mnist = fieldsFromNetwork(analyzeText('network n\ninput 28x28x1\nconv 4 f=3\nfc 10\nsoftmax 10\ntrain dataset=mnist\n').network);
    assert.equal(settingsSummary({ ...mnist, dataset: '', lr: '' }, mnist, placeholders(network, 'sgd')), 'mnist · 5 epochs · batch 32 · lr 0.01 · SGD · backend auto');
  });
});

/** The runner process as TrainingJobs sees it: notifications in, jobs out. */
function fakeRunner() {
  const listeners: ((n: RunnerNotification) => void)[] = [];
  let next = 0;
  const runner = {
    onNotification: (l: (n: RunnerNotification) => void) => { listeners.push(l); return () => {}; },
    onExit: () => () => {},
    startJob: async () => ({ jobId: `job${++next}`, queued: 0 }),
    cancelJob: async () => true,
  } as unknown as RunnerProcess;
  const send = (method: string, params: unknown) => {
    const parsed = parseRunnerNotification(method, params);
    assert.ok('ok' in parsed, JSON.stringify(parsed));
    for (const l of listeners) l(parsed.ok);
  };
  return { runner, send };
}

describe('a run that saved nothing', () => {
  const network = analyzeText('network n\ninput 8x8x1\nconv 4 f=3\nfc 10\nsoftmax 10\n').network;
  const started = (jobId: string, runDir: string) => ({
    jobId, runDir, backend: { backend: 'cpu', adapter: OPENBLAS }, settings: { epochs: 1 }, classes: ['a'], stepsPerEpoch: 4, params: 100,
  });
  const metrics = { epoch: 1, steps: 4, trainLoss: 1, valLoss: 1.1, top1Error: 0.25, top5Error: 0, samplesPerSec: 500, seconds: 1 };

  it('job/kernels is checked and shown; a cancel before the first step (runDir null) brings the last run back', async () => {
    const { runner, send } = fakeRunner();
    const updates: RunUpdate[] = [];
    const jobs = new TrainingJobs(runner, { update: (_f, u) => updates.push(structuredClone(u)), ended: () => {} });
    await jobs.start('f', network, {}, '/tmp');
    send('job/kernels', { jobId: 'job1', state: 'building' });
    assert.deepEqual(jobs.get('f')!.kernels, { state: 'building' });
    send('job/kernels', { jobId: 'job1', state: 'ready', seconds: 0.5, pipelines: 0 });
    send('job/started', started('job1', '/tmp/.cnn-runs/n-1'));
    send('job/progress', { jobId: 'job1', epoch: 1, step: 4, stepsPerEpoch: 4, loss: 1, samplesPerSec: 480 });
    send('job/epoch', { jobId: 'job1', ...metrics });
    send('job/done', { jobId: 'job1', runDir: '/tmp/.cnn-runs/n-1', cancelled: false, epochs: [metrics], steps: 4 });
    const first = jobs.get('f')!;
    assert.deepEqual([first.status, first.kernels, first.stepSpeeds], ['done', { state: 'ready', seconds: 0.5, pipelines: 0 }, [[1, 480]]]);

    await jobs.start('f', network, {}, '/tmp');
    send('job/kernels', { jobId: 'job2', state: 'building' });
    send('job/started', started('job2', '/tmp/.cnn-runs/n-2'));
    send('job/done', { jobId: 'job2', runDir: null, cancelled: true, epochs: [], steps: 0 });
    assert.equal(jobs.get('f'), first, 'the view shows the last run that left a folder');
    assert.deepEqual(updates.at(-1), { type: 'run', run: structuredClone(first) });

    await jobs.start('f', network, {}, '/tmp');
    send('job/started', started('job3', '/tmp/.cnn-runs/n-3'));
    send('job/progress', { jobId: 'job3', epoch: 1, step: 1, stepsPerEpoch: 4, loss: 1, samplesPerSec: 480 });
    send('job/done', { jobId: 'job3', runDir: '/tmp/.cnn-runs/n-3', cancelled: true, epochs: [], steps: 1 });
    assert.equal(jobs.get('f')!.jobId, 'job3', 'a run cancelled after a step saved its weights: it is the one shown');
    jobs.dispose();
  });

  it('a malformed job/kernels is refused with the reason', () => {
    assert.deepEqual(parseRunnerNotification('job/kernels', { jobId: 'j', state: 'done' }), { error: 'job/kernels: state must be building or ready, got "done"' });
    assert.deepEqual(parseRunnerNotification('job/kernels', { jobId: 'j', state: 'ready', seconds: -1, pipelines: 3 }), { error: 'job/kernels: seconds must be a number from 0' });
  });
});
