// The training view's logic without a browser: the form filled from the train statement and read
// back into settings, the progress line and ETA, the chart columns, the refusal of files with
// errors, the code lens's line, and run folders read back for "Compare runs".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { defaultTrainSamples } from '../../runner/src/settings';
import { fieldsFromNetwork, placeholders, settingsFromFields } from '../../media/src/trainForm';
import { addStepLoss, MAX_STEP_LOSSES, type RunView } from '../../media/src/trainProtocol';
import { bandData, compareData, duration, errorData, etaSeconds, lossData, progressLine, resultLine } from '../../media/src/trainViewModel';
import { describeRun, listRunFolders, runsOfNetwork } from '../../client/src/training/runFolders';
import { trainingRefusal } from '../../client/src/training/trainingRefusal';
import { trainLensLine } from '../../client/src/training/trainLensLine';
import { lossEveryFor } from '../../client/src/training/trainingJobs';
import { ProgressRelay } from '../../client/src/training/progressRelay';
import type { TrainHostMessage } from '../../media/src/trainProtocol';

const LENET = `network lenet5
input 32x32x1
defaults act=tanh init=xavier
c1: conv 6 f=5
s2: avgpool f=2
c3: conv 16 f=5
s4: avgpool f=2
c5: conv 120 f=5
f6: fc 84
out: softmax 10
train dataset=shapes epochs=3 batch=32 lr=0.05 momentum=0.9 seed=1
`;
const epoch = (n: number, top1: number) => ({ epoch: n, steps: 8 * n, trainLoss: 2 - n / 10, valLoss: 2.1 - n / 10, top1Error: top1, top5Error: top1 / 4, samplesPerSec: 1000, seconds: 1 });

describe('the settings form', () => {
  const network = analyzeText(LENET).network;

  it('is filled from the train statement, and the rest is left to the runner', () => {
    const fields = fieldsFromNetwork(network);
    assert.deepEqual(fields, { dataset: 'shapes', epochs: '3', batch: '32', lr: '0.05', momentum: '0.9', weightDecay: '', optimizer: '', seed: '1', backend: '', act: '', init: '', trainSamples: '' });
    assert.deepEqual(settingsFromFields(fields), { settings: { dataset: { kind: 'shapes' }, epochs: 3, batch: 32, lr: 0.05, momentum: 0.9, seed: 1 } });
  });

  it('shows the runner\'s defaults where a field is empty, the learning rate following the optimiser', () => {
    const ph = placeholders(network, 'sgd');
    assert.equal(ph.lr, '0.01');
    assert.equal(placeholders(network, 'adam').lr, '0.001');
    assert.equal(ph.trainSamples, String(defaultTrainSamples(32 * 32)), 'the runner\'s own default for a 32x32x1 input');
  });

  it('reads overrides and names the first bad field', () => {
    const fields = { ...fieldsFromNetwork(network), optimizer: 'adam', backend: 'reference', act: 'prelu', init: 'he', trainSamples: '64' };
    assert.deepEqual(settingsFromFields(fields), {
      settings: { dataset: { kind: 'shapes' }, epochs: 3, batch: 32, lr: 0.05, momentum: 0.9, optimizer: 'adam', seed: 1, backend: 'reference', act: 'prelu', init: { kind: 'he' }, trainSamples: 64 },
    });
    assert.deepEqual(settingsFromFields({ epochs: 'ten' }), { error: 'Epochs: "ten" is not a number', field: 'epochs' });
    assert.deepEqual(settingsFromFields({ epochs: '2.5' }), { error: 'Epochs: "2.5" must be a whole number from 1 to 100000', field: 'epochs' });
    assert.deepEqual(settingsFromFields({ momentum: '1.5' }), { error: 'Momentum: "1.5" must be a number from 0 up to (not including) 1', field: 'momentum' });
    assert.deepEqual(settingsFromFields({ backend: 'cuda' }), { error: 'Backend: "cuda" is not one of the choices', field: 'backend' });
    assert.deepEqual(settingsFromFields({ dataset: 'folder:/data/cats' }), { settings: { dataset: { kind: 'folder', path: '/data/cats' } } });
  });
});

describe('the run as the view shows it', () => {
  const settings = { epochs: 4, batch: 16 } as RunView['settings'];
  const running: RunView = {
    jobId: 'j', status: 'running', requestedAt: 0, startedAt: 0, settings, backend: { backend: 'reference', adapter: 'TypeScript on the CPU' },
    progress: { epoch: 2, step: 4, stepsPerEpoch: 8, loss: 1.23456, samplesPerSec: 64 }, stepLosses: [[0.5, 2], [1, 1.8], [1.5, 1.5]], epochs: [epoch(1, 0.5)],
  };

  it('progress: the fraction of all steps, the step, loss, speed and time left from the runner\'s throughput', () => {
    // 12 of 32 steps done; 20 steps x 16 samples at 64 samples/s = 5 s.
    assert.equal(etaSeconds(running), 5);
    assert.deepEqual(progressLine(running), { fraction: 12 / 32, text: 'Epoch 2/4 · step 4/8 · loss 1.2346 · 64 samples/s · about 5 s left' });
    assert.equal(progressLine(null).text, 'Not started');
    assert.equal(progressLine({ ...running, status: 'starting' }).fraction, undefined, 'indeterminate until the runner reports');
    assert.deepEqual(progressLine({ ...running, status: 'done', epochs: [epoch(1, 0.5), epoch(2, 0.25)], startedAt: 0, endedAt: 75000 }), { fraction: 1, text: 'Done: 2 epochs in 1:15' });
    assert.equal(progressLine({ ...running, status: 'failed', error: 'loss is NaN at step 3' }).text, 'Failed: loss is NaN at step 3');
    assert.equal(duration(3725), '1:02:05');
  });

  it('the result names the last epoch\'s top-1 and top-5 error', () => {
    assert.equal(resultLine({ ...running, status: 'done', epochs: [epoch(1, 0.5), epoch(2, 0.125)] }), 'Final (epoch 2): top-1 error 12.5 %, top-5 error 3.1 %, validation loss 1.9000');
    assert.equal(resultLine(running), 'After epoch 1: top-1 error 50.0 %, top-5 error 12.5 %, validation loss 2.0000');
    assert.equal(resultLine({ ...running, epochs: [] }), '');
    assert.equal(resultLine({ ...running, classes: 3 }), 'After epoch 1: top-1 error 50.0 %, validation loss 2.0000', 'top-5 says nothing with 5 classes or fewer');
    assert.equal(resultLine({ ...running, classes: 10 }), resultLine(running));
  });

  it('chart columns share one x axis, with gaps where a series has no point', () => {
    const [xs, batch, train, val] = lossData(running);
    assert.deepEqual(xs, [0.5, 1, 1.5]);
    assert.deepEqual(batch, [2, 1.8, 1.5]);
    assert.deepEqual(train, [null, 1.9, null]);
    assert.deepEqual(val, [null, 2.0, null]);
    assert.deepEqual(errorData([epoch(1, 0.5), epoch(2, 0.25)]), [[1, 2], [50, 25], [12.5, 6.25]]);
    assert.deepEqual(errorData([epoch(1, 0.5), epoch(2, 0.25)], false), [[1, 2], [50, 25], [null, null]]);
    const compared = compareData([{ name: 'a', epochs: [epoch(1, 0.5), epoch(2, 0.25)] }, { name: 'b', epochs: [epoch(1, 0.4)] }], (e) => e.top1Error);
    assert.deepEqual(compared, [[1, 2], [0.5, 0.25], [0.4, null]]);
  });

  it('runs of one combination across seeds are a band (max, min) around their mean; runs without a group a line each', () => {
    const runs = [
      { name: 'he seed=1', group: 'he', epochs: [epoch(1, 0.6), epoch(2, 0.2)] },
      { name: 'xavier seed=1', group: 'xavier', epochs: [epoch(1, 0.75)] },
      { name: 'he seed=2', group: 'he', epochs: [epoch(1, 0.4)] },
      { name: 'picked', epochs: [epoch(2, 0.5)] },
    ];
    const { data, series, bands } = bandData(runs, (e) => e.top1Error);
    assert.deepEqual(series, [
      { label: 'he', colour: 0 }, { label: 'he max', colour: 0, edge: true }, { label: 'he min', colour: 0, edge: true },
      { label: 'xavier', colour: 1 }, { label: 'xavier max', colour: 1, edge: true }, { label: 'xavier min', colour: 1, edge: true },
      { label: 'picked', colour: 2 },
    ]);
    assert.deepEqual(bands, [[1, 2], [4, 5]]);
    // Epoch 2: only seed 1 of he reached it; xavier has no point there.
    assert.deepEqual(data.map((c) => c.map((v) => (v === null ? null : +v.toFixed(3)))), [[1, 2], [0.5, 0.2], [0.6, 0.2], [0.4, 0.2], [0.75, null], [0.75, null], [0.75, null], [null, 0.5]]);
  });

  it('a long run\'s batch losses are thinned, keeping the first and the latest', () => {
    const losses: [number, number][] = [];
    for (let i = 0; i <= 3 * MAX_STEP_LOSSES; i++) addStepLoss(losses, [i, i]);
    assert.ok(losses.length <= MAX_STEP_LOSSES);
    assert.deepEqual(losses[0], [0, 0]);
    assert.deepEqual(losses.at(-1), [3 * MAX_STEP_LOSSES, 3 * MAX_STEP_LOSSES]);
    assert.ok(losses.every((p, i) => i === 0 || p[0] > losses[i - 1][0]), 'still in order');
  });
});

describe('how often the runner reports the loss', () => {
  it('every step in short epochs, at most every 5th in long ones', () => {
    const network = analyzeText(LENET).network;
    assert.equal(lossEveryFor(network, { trainSamples: 256 }), 1, '8 steps of the train statement\'s batch 32');
    assert.equal(lossEveryFor(network, { trainSamples: 3200, batch: 16 }), 4, '200 steps');
    assert.equal(lossEveryFor(network, { trainSamples: 1e6, batch: 8 }), 5);
  });
});

describe('refusing a file with errors', () => {
  it('lists the errors in line order with the first to jump to; warnings do not stop training', () => {
    const broken = analyzeText('network bad\ninput 32x32x3\nconv 8 f=5 s=x\nfc\nsoftmax 10\n').network;
    const refusal = trainingRefusal(broken, 'bad.cnn');
    assert.ok(refusal, 'a file with errors is refused');
    assert.equal(refusal.first.line, refusal.errors[0].line);
    assert.ok(refusal.errors.every((e, i) => e.severity === 'error' && (i === 0 || e.line >= refusal.errors[i - 1].line)));
    assert.match(refusal.message, new RegExp(`^bad\\.cnn has (an error|${refusal.errors.length} errors), so it cannot be trained: line ${refusal.first.line}: `));
    assert.equal(trainingRefusal(analyzeText(LENET).network, 'lenet5.cnn'), undefined);
    const warned = analyzeText('input 7x7x1\nconv 2 f=2 s=2\nfc 4\nsoftmax 4\n').network;
    assert.ok(warned.diagnostics.some((d) => d.severity === 'warning'), 'the fixture has a warning (non-integer output)');
    assert.equal(trainingRefusal(warned, 'w.cnn'), undefined);
  });

  it('says how many errors it left out of a long list', () => {
    const text = ['input 8x8x1', ...Array.from({ length: 8 }, () => 'conv 2 f=zz'), 'fc 4', 'softmax 4'].join('\n');
    const refusal = trainingRefusal(analyzeText(text).network, 'many.cnn')!;
    assert.ok(refusal.errors.length > 5, `${refusal.errors.length} errors`);
    assert.match(refusal.message, new RegExp(`and ${refusal.errors.length - 5} more\\.$`));
  });
});

describe('the code lens line', () => {
  it('is the network line, else the input line, never a comment', () => {
    assert.equal(trainLensLine(LENET.split('\n')), 0);
    assert.equal(trainLensLine(['# network in a comment', '', '  input 8x8x1', 'fc 4']), 2);
    assert.equal(trainLensLine(['# nothing here']), undefined);
    assert.equal(trainLensLine(['networking 3']), undefined);
  });
});

describe('run folders read back', () => {
  it('lists runs newest first with their metrics, and a damaged one with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-runs-'));
    try {
      const make = (name: string, lines: string, age: number) => {
        const path = join(dir, '.cnn-runs', name);
        mkdirSync(path, { recursive: true });
        if (lines !== '') writeFileSync(join(path, 'metrics.jsonl'), lines);
        const t = Date.now() / 1000 - age;
        utimesSync(path, t, t);
      };
      make('tiny-old', [epoch(1, 0.5), epoch(2, 0.25)].map((e) => JSON.stringify(e) + '\n').join(''), 100);
      make('tiny-new', JSON.stringify(epoch(1, 0.75)) + '\n', 10);
      make('tiny-broken', JSON.stringify(epoch(1, 0.5)) + '\n{"epoch": 2, "trainLoss": \n', 50);
      make('tiny-empty', '', 60);
      writeFileSync(join(dir, '.cnn-runs', 'stray.txt'), 'not a run');
      const runs = listRunFolders(dir);
      assert.deepEqual(runs.map((r) => r.name), ['tiny-new', 'tiny-broken', 'tiny-empty', 'tiny-old']);
      assert.equal(runs[3].epochs.length, 2);
      assert.equal(describeRun(runs[3]), '2 epochs · top-1 error 25.0 % · top-5 error 6.3 %');
      assert.equal(runs[1].epochs.length, 1, 'the good lines before the damage are kept');
      assert.equal(runs[1].problem, 'metrics.jsonl line 2 is not JSON');
      assert.equal(describeRun(runs[2]), 'no metrics.jsonl');
      assert.deepEqual(listRunFolders(join(dir, 'nowhere')), []);
      // Several networks share a folder's .cnn-runs: each file is offered its own runs.
      make('lenet5-2026-11-28T18-00-00Z', '', 5);
      make('lenet5-small-2026-11-28T18-00-00Z', '', 6);
      const all = listRunFolders(dir);
      assert.deepEqual(runsOfNetwork(all, 'lenet5').map((r) => r.name), ['lenet5-2026-11-28T18-00-00Z']);
      assert.deepEqual(runsOfNetwork(all, 'lenet5-small').map((r) => r.name), ['lenet5-small-2026-11-28T18-00-00Z']);
      assert.equal(runsOfNetwork(all, 'renamed').length, all.length, 'none match: all are offered');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('step reports on their way to the webview', () => {
  const progress = (step: number, loss: number) => ({ epoch: 1, step, stepsPerEpoch: 4, loss, samplesPerSec: 100 });

  it('are coalesced into one message per interval carrying every loss, in order with the other updates', async () => {
    const posted: TrainHostMessage[] = [];
    const relay = new ProgressRelay((m) => posted.push(structuredClone(m)), 20);
    relay.push({ type: 'progress', jobId: 'j', progress: progress(1, 2.0) });
    relay.push({ type: 'progress', jobId: 'j', progress: progress(2, 1.9) });
    relay.push({ type: 'progress', jobId: 'j', progress: progress(3, 1.8) });
    assert.equal(posted.length, 0, 'nothing until the interval ends');
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(posted.splice(0), [{ type: 'progress', jobId: 'j', progress: progress(3, 1.8), losses: [[0.25, 2.0], [0.5, 1.9], [0.75, 1.8]], speeds: [[0.25, 100], [0.5, 100], [0.75, 100]] }]);

    relay.push({ type: 'progress', jobId: 'j', progress: progress(4, 1.7) });
    const metrics = { epoch: 1, steps: 4, trainLoss: 1.85, valLoss: 1.9, top1Error: 0.5, top5Error: 0, samplesPerSec: 100, seconds: 1 };
    relay.push({ type: 'epoch', jobId: 'j', metrics });
    assert.deepEqual(posted.map((m) => m.type), ['progress', 'epoch'], 'the epoch does not overtake the step before it');
    assert.deepEqual((posted[0] as { losses: unknown }).losses, [[1, 1.7]]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(posted.length, 2, 'nothing left over to post');
    relay.dispose();
  });
});
