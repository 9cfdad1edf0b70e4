// The extension's runner plumbing (RunnerProcess + TrainingJobs) against the REAL runner process,
// dist/runner.js as the extension spawns it: a tiny network trained for one epoch on the reference
// backend, a refused job, a cancel, and the runner killed mid-job and spawned again on next use.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { RunnerProcess } from '../../client/src/training/runnerProcess';
import { TrainingJobs, type RunUpdate } from '../../client/src/training/trainingJobs';
import type { RunView } from '../../media/src/trainProtocol';
import { pollUntil } from '../poll';

const root = join(import.meta.dirname, '..', '..');
const runnerPath = join(root, 'dist', 'runner.js');
const TINY = 'network tiny\ninput 8x8x1\nconv 4 f=3\nfc 10\nsoftmax 4\ntrain dataset=shapes epochs=1 batch=16\n';
const network = analyzeText(TINY).network;
const quick = { backend: 'reference' as const, epochs: 1, batch: 16, trainSamples: 64 };

interface Recorder {
  updates: { fileKey: string; update: RunUpdate }[];
  ended: { fileKey: string; run: RunView }[];
  waitEnded(fileKey: string, timeoutMs?: number): Promise<RunView>;
}

function recorder(): Recorder & { update(f: string, u: RunUpdate): void; endedEvent(f: string, r: RunView): void } {
  const waiters: { fileKey: string; resolve: (r: RunView) => void }[] = [];
  const rec = {
    updates: [] as Recorder['updates'],
    ended: [] as Recorder['ended'],
    // Snapshots, as the webview gets them: the run object itself keeps changing.
    update(fileKey: string, update: RunUpdate) { rec.updates.push({ fileKey, update: structuredClone(update) }); },
    endedEvent(fileKey: string, run: RunView) {
      rec.ended.push({ fileKey, run: structuredClone(run) });
      for (const w of waiters.filter((w) => w.fileKey === fileKey)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(run); }
    },
    waitEnded(fileKey: string, timeoutMs = 15000) {
      const seen = rec.ended.find((e) => e.fileKey === fileKey);
      if (seen) return Promise.resolve(seen.run);
      return new Promise<RunView>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${fileKey} did not end in ${timeoutMs} ms; updates: ${rec.updates.map((u) => u.update.type).join(',')}`)), timeoutMs);
        waiters.push({ fileKey, resolve: (r) => { clearTimeout(timer); resolve(r); } });
      });
    },
  };
  return rec;
}

describe('training through the real runner process', { skip: existsSync(runnerPath) ? false : 'dist/runner.js is not built: run `npm run build` (npm test does)' }, () => {
  const runDir = mkdtempSync(join(tmpdir(), 'cnn-train-client-'));
  const logs: string[] = [];
  let runner: RunnerProcess;
  let jobs: TrainingJobs;
  let rec: ReturnType<typeof recorder>;

  before(() => {
    runner = new RunnerProcess({ runnerPath, cwd: runDir, log: (l) => logs.push(l) });
    rec = recorder();
    jobs = new TrainingJobs(runner, { update: rec.update, ended: rec.endedEvent });
  });
  after(async () => {
    jobs.dispose();
    await runner.stop();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('the tiny network analyses without errors (the fixture is valid)', () => {
    assert.deepEqual(network.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(network.layers.at(-1)?.kind, 'softmax');
  });

  it('spawns one runner on first use and reuses it', async () => {
    assert.equal(runner.running, false, 'nothing is spawned before it is needed');
    const info = await runner.info();
    assert.equal(info.name, 'cnn-runner');
    const pid = runner.pid;
    await runner.info();
    assert.equal(runner.spawnCount, 1);
    assert.equal(runner.pid, pid);
  });

  it('a one-epoch job streams to the file\'s run and ends with its metrics and run folder', async () => {
    const run = await jobs.start('file:///tiny.cnn', network, quick, runDir);
    assert.ok(run.jobId, 'the runner gave the job an id');
    const ended = await rec.waitEnded('file:///tiny.cnn');
    assert.equal(ended.status, 'done', ended.error);
    assert.equal(ended.epochs.length, 1);
    const [epoch] = ended.epochs;
    assert.ok(epoch.top1Error >= 0 && epoch.top1Error <= 1 && epoch.top5Error <= epoch.top1Error, JSON.stringify(epoch));
    assert.ok(epoch.trainLoss > 0 && Number.isFinite(epoch.valLoss));
    assert.equal(ended.backend?.backend, 'reference');
    assert.equal(ended.settings?.trainSamples, 64);
    assert.ok(ended.runDir?.startsWith(join(runDir, '.cnn-runs')), `run folder ${ended.runDir} is under the .cnn file's folder`);
    const rows = readFileSync(join(ended.runDir!, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows[0], epoch, 'the panel plots what the run folder records');
    const types = rec.updates.filter((u) => u.fileKey === 'file:///tiny.cnn').map((u) => u.update.type === 'run' ? `run:${u.update.run.status}` : u.update.type);
    assert.equal(types[0], 'run:starting');
    assert.ok(types.includes('run:running') && types.includes('progress') && types.includes('epoch'), types.join(' '));
    assert.equal(types.at(-1), 'run:done');
    assert.equal(types.filter((t) => t === 'progress').length, 4, 'a short epoch (64 samples / 16 = 4 steps) reports every step');
    assert.equal(ended.stepLosses.length, 4);
    assert.ok(types.indexOf('run:running') < types.indexOf('progress') && types.indexOf('progress') < types.indexOf('epoch'));
    assert.equal(rec.ended.filter((e) => e.fileKey === 'file:///tiny.cnn').length, 1, 'ended is reported once');
    assert.equal(runner.spawnCount, 1, 'the same runner ran the job');
  });

  it('a job the runner refuses rejects with the runner\'s reason and the run shows it', async () => {
    await assert.rejects(jobs.start('file:///refused.cnn', network, { ...quick, schedule: { kind: 'step', every: 0, factor: 0.1 } }, runDir), /schedule: step\(EPOCHS,FACTOR\): EPOCHS must be a whole number/);
    const run = jobs.get('file:///refused.cnn');
    assert.equal(run?.status, 'failed');
    assert.match(run?.error ?? '', /found 0/);
  });

  // How fast a cancel lands is measured by bench/responsiveness.bench.ts; here only what it does.
  it('cancel stops a running job', async () => {
    await jobs.start('file:///long.cnn', network, { ...quick, epochs: 10000 }, runDir);
    await pollUntil('the long job to run', () => jobs.get('file:///long.cnn')?.status === 'running');
    assert.equal(await jobs.start('file:///long.cnn', network, quick, runDir).catch((e: Error) => e.message), 'this file is already training; cancel that run first');
    assert.equal(await jobs.cancel('file:///long.cnn'), true);
    const ended = await rec.waitEnded('file:///long.cnn', 30000);
    assert.equal(ended.status, 'cancelled');
    assert.equal(await jobs.cancel('file:///long.cnn'), false, 'nothing left to cancel');
  });

  it('a runner that dies fails the running job with a message, and the next use spawns a new one', async () => {
    await jobs.start('file:///killed.cnn', network, { ...quick, epochs: 10000 }, runDir);
    const oldPid = runner.pid!;
    const exits: boolean[] = [];
    const off = runner.onExit((e) => exits.push(e.expected));
    process.kill(oldPid, 'SIGKILL');
    const ended = await rec.waitEnded('file:///killed.cnn', 5000);
    off();
    assert.equal(ended.status, 'failed');
    assert.match(ended.error ?? '', /runner process exited unexpectedly \(SIGKILL\)/);
    assert.deepEqual(exits, [false]);
    assert.equal(runner.running, false);
    const info = await runner.info();
    assert.equal(info.name, 'cnn-runner');
    assert.equal(runner.spawnCount, 2);
    assert.notEqual(runner.pid, oldPid);
  });
});

describe('a runner that cannot start', () => {
  it('rejects with the reason, for a missing runner file and for a missing Node', async () => {
    const missingFile = new RunnerProcess({ runnerPath: join(root, 'dist', 'no-such-runner.js') });
    await assert.rejects(missingFile.info(), /runner process exited while answering runner\/info: .*Cannot find module/);
    assert.equal(missingFile.running, false);
    const missingNode = new RunnerProcess({ runnerPath, execPath: join(root, 'no-such-node') });
    await assert.rejects(missingNode.info(), /runner process exited while answering runner\/info: .*ENOENT/);
    assert.equal(missingNode.running, false);
  });
});
