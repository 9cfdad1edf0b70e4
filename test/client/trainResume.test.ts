// The training view's Resume and evaluation plumbing against the REAL runner process (dist/runner.js):
// a run cancelled after its first epoch is resumed by TrainingJobs.resume from its folder alone, shows
// its earlier epoch from the start, ends with the epochs an uninterrupted run has, and its evaluation
// files read back as the view shows them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { readEvaluation } from '../../client/src/training/evaluationFiles';
import { RunnerProcess } from '../../client/src/training/runnerProcess';
import { TrainingJobs, type RunUpdate } from '../../client/src/training/trainingJobs';
import type { RunView } from '../../media/src/trainProtocol';
import { mistakeCaption, rowShares } from '../../media/src/trainEvaluation';
import { pollUntil } from '../poll';

const root = join(import.meta.dirname, '..', '..');
const runnerPath = join(root, 'dist', 'runner.js');
const TINY = 'network tiny\ninput 8x8x1\nconv 4 f=3\nfc 10\nsoftmax 4\ntrain dataset=shapes epochs=2 batch=16\n';
const network = analyzeText(TINY).network;
/** The same layers under the name the runner's epoch-pause hook holds. */
const pausing = analyzeText(TINY.replace('network tiny', 'network pausing')).network;
const quick = { backend: 'reference' as const, epochs: 2, batch: 16, trainSamples: 512, seed: 5 };

describe('Resume and evaluation through the real runner process', { skip: existsSync(runnerPath) ? false : 'dist/runner.js is not built: run `npm run build` (npm test does)' }, () => {
  const runDir = mkdtempSync(join(tmpdir(), 'cnn-train-resume-'));
  let runner: RunnerProcess;
  let jobs: TrainingJobs;
  const ended = new Map<string, RunView>();
  const epochsSeen: number[] = [];

  before(() => {
    // The 'stopped' run's network waits after its first epoch until the cancel sent on that epoch's report lands.
    runner = new RunnerProcess({ runnerPath, cwd: runDir, log: () => {}, env: { ...process.env, CNN_RUNNER_TEST_EPOCH_PAUSE: 'pausing:30000' } });
    jobs = new TrainingJobs(runner, {
      update: (file: string, update: RunUpdate) => {
        // Cancel the run of 'stopped' as soon as its first epoch is in (the runner holds it there until the cancel lands).
        if (file === 'stopped' && update.type === 'epoch') {
          epochsSeen.push(update.metrics.epoch);
          if (epochsSeen.length === 1) void jobs.cancel('stopped');
        }
      },
      ended: (file, run) => ended.set(file, structuredClone(run)),
    });
  });
  after(async () => {
    jobs.dispose();
    await runner.stop();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('a run cancelled after epoch 1 resumes to the metrics of an uninterrupted run', async () => {
    await jobs.start('straight', network, quick, runDir);
    await pollUntil('the uninterrupted run ends', () => ended.has('straight'), 60000);
    await jobs.start('stopped', pausing, quick, runDir);
    await pollUntil('the stopped run ends', () => ended.has('stopped'), 60000);
    const stopped = ended.get('stopped')!;
    assert.equal(stopped.status, 'cancelled');
    assert.equal(stopped.epochs.length, 1);
    ended.delete('stopped');

    const pending = await jobs.resume('stopped', stopped.runDir!);
    assert.equal(pending.epochs.length, 0);
    await pollUntil('the resumed run ends', () => ended.has('stopped'), 60000);
    const resumed = ended.get('stopped')!;
    assert.equal(resumed.status, 'done');
    assert.equal(resumed.runDir, stopped.runDir);
    const straight = ended.get('straight')!;
    assert.deepEqual(resumed.epochs.map((e) => e.epoch), [1, 2]);
    resumed.epochs.forEach((e, i) => {
      assert.ok(Math.abs(e.trainLoss - straight.epochs[i].trainLoss) < 1e-5, `epoch ${e.epoch} train loss`);
      assert.ok(Math.abs(e.valLoss - straight.epochs[i].valLoss) < 1e-5, `epoch ${e.epoch} val loss`);
    });
  });

  it('a folder that cannot be resumed is refused before anything is sent', async () => {
    await assert.rejects(jobs.resume('elsewhere', runDir), /cannot resume .*status\.json/);
    assert.equal(jobs.get('elsewhere'), undefined);
  });

  it('the evaluation files read back as the view shows them', () => {
    const run = ended.get('straight')!;
    const view = readEvaluation(run.runDir!, (path, version) => `uri:${path}?${version}`);
    assert.ok(view);
    assert.equal(view.epoch, 2);
    assert.equal(view.classes.length, 4);
    const total = view.matrix.flat().reduce((a, b) => a + b, 0);
    const wrong = view.matrix.reduce((s, row, k) => s + row.reduce((a, b) => a + b, 0) - row[k], 0);
    assert.ok(Math.abs(wrong / total - run.epochs[1].top1Error) < 1e-12, 'the matrix gives the epoch\'s top-1 error');
    assert.equal(view.wrong, wrong);
    assert.equal(view.mistakes.length, Math.min(32, wrong));
    for (const m of view.mistakes) assert.match(m.src, /^uri:.*evaluation\/misclassified\/\d\d\.png\?2$/);
    assert.match(view.filters ?? '', /evaluation\/filters\.png\?2$/);
    rowShares(view.matrix).forEach((row, k) => {
      const images = view.matrix[k].reduce((a, b) => a + b, 0);
      if (images) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    });
    assert.equal(mistakeCaption({ src: '', trueClass: 'circle', predictedClass: 'square', confidence: 0.934 }), 'true circle → square · 93 %');
  });
});
