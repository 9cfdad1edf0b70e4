// "CNN: Compare initialisations and activations" without VS Code: the variants made from the text,
// and InitComparison queueing them on the REAL runner process (dist/runner.js, as the extension
// spawns it). What the runner trained is read back from each run folder's network.json, so the test
// sees the Networks the runner received, not what we meant to send.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { compareReportPath } from '../../server/src/compareReport';
import { parseTrainWebviewMessage } from '../../media/src/trainProtocol';
import { RunnerProcess } from '../../client/src/training/runnerProcess';
import { COMBINATIONS, InitComparison, QUICK_LOOK_SAMPLES, combinationName, quickLookSettings, variantNetworks, type Combination } from '../../client/src/training/initComparison';
import { pollUntil } from '../poll';

const root = join(import.meta.dirname, '..', '..');
const runnerPath = join(root, 'dist', 'runner.js');
const TINY = 'network tiny\ninput 8x8x1\nconv 4 f=3 init=xavier\nfc 10 act=tanh\nsoftmax 4\ntrain dataset=shapes epochs=1 batch=16 seed=7\n';
/** [n, n̂] per layer: k·k·c in and k·k·d out for conv, inputs and units for fc and softmax. */
const FANS = { conv: [3 * 3 * 1, 3 * 3 * 4], fc: [6 * 6 * 4, 10], softmax: [10, 4] } as const;

/** docs/initialisation.md's table: AlexNet's 0.01, Glorot's √(2/(n+n̂)), He's √(2/((1+a²)n)) with a = 0.25 under PReLU. */
function expectedStd(init: string, kind: keyof typeof FANS, prelu: boolean): number {
  const [n, nHat] = FANS[kind];
  return { gaussian: 0.01, xavier: Math.sqrt(2 / (n + nHat)), he: Math.sqrt(2 / ((1 + (prelu ? 0.0625 : 0)) * n)) }[init]!;
}

/** The promise, or a failure saying what did not happen in time; the timer never outlives it. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} in ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function variants(combinations: readonly Combination[]) {
  const made = variantNetworks(TINY, 'tiny.cnn', combinations);
  if ('refusal' in made) throw new Error(made.refusal);
  return made.variants;
}

/** What each weighted layer of a Network trains with. */
function weighted(network: Network) {
  return network.layers.filter((l) => l.kind !== 'softmax').map((l) => ({ kind: l.kind, act: l.act, init: l.init?.kind, std: l.initStd, slopes: l.activationParams }));
}

describe('the variants of a file', () => {
  it('are the six of He et al. by default, each with its act and init on every layer and the std that init means', () => {
    assert.deepEqual(COMBINATIONS.map(combinationName), [
      'init=gaussian act=relu', 'init=xavier act=relu', 'init=he act=relu',
      'init=gaussian act=prelu', 'init=xavier act=prelu', 'init=he act=prelu',
    ]);
    for (const { combination, network } of variants(COMBINATIONS)) {
      for (const layer of network.layers) {
        // The file's own init=xavier on conv and act=tanh on fc are replaced, not kept.
        if (layer.kind !== 'softmax') assert.equal(layer.act, combination.act, `${combinationName(combination)} ${layer.kind}`);
        assert.equal(layer.init?.kind, combination.init, `${combinationName(combination)} ${layer.kind}`);
        const std = expectedStd(combination.init, layer.kind as keyof typeof FANS, layer.act === 'prelu');
        assert.ok(Math.abs(layer.initStd! - std) < 1e-9, `${combinationName(combination)} ${layer.kind}: std ${layer.initStd}, expected ${std}`);
      }
      // PReLU learns one slope per channel: 4 for conv, 10 for fc.
      assert.equal(network.totals.params - analyzeText(TINY.replace('act=tanh', '')).network.totals.params, combination.act === 'prelu' ? 14 : 0);
    }
  });

  it('a file whose variant has an error is refused naming the combination', () => {
    const made = variantNetworks('network bad\ninput 8x8x1\nconv 4 f=zz\nsoftmax 4\n', 'bad.cnn', [{ init: 'he', act: 'relu' }]);
    assert.ok('refusal' in made);
    assert.equal(made.refusal, "bad.cnn with init=he act=relu does not analyse: Invalid kernel: expected N or HxW with whole numbers of at least 1, found 'zz'");
  });

  it('a second report within the same second gets its own name instead of overwriting the first', () => {
    const when = new Date('2026-11-28T18:38:18.123Z');
    const taken = new Set(['/w/.cnn-runs/compare-tiny-2026-11-28T18-38-18.md', '/w/.cnn-runs/compare-tiny-2026-11-28T18-38-18-2.md']);
    assert.equal(compareReportPath('/w', '/w/tiny.cnn', when, () => false), '/w/.cnn-runs/compare-tiny-2026-11-28T18-38-18.md');
    assert.equal(compareReportPath('/w', '/w/tiny.cnn', when, (p) => taken.has(p)), '/w/.cnn-runs/compare-tiny-2026-11-28T18-38-18-3.md');
  });

  it('a quick look: the train statement\'s seed, 512 samples an epoch, the runner\'s 256 for a large input, 1,024 validation images', () => {
    // 1,024 validation images of the shapes data, not the runner's trainSamples/8 (64): steps of 0.1 points, not 1.6.
    assert.deepEqual(quickLookSettings(analyzeText(TINY).network), { trainSamples: QUICK_LOOK_SAMPLES, valSamples: 1024, seed: 7 });
    assert.equal(quickLookSettings(analyzeText('input 2x2x1\nsoftmax 2\n').network).seed, 1);
    const large = quickLookSettings(analyzeText('input 227x227x3\nsoftmax 2\n').network);
    assert.equal(large.trainSamples, 256);
    assert.equal(large.valSamples, Math.floor(256 * 2 ** 20 / (4 * 227 * 227 * 3)), 'no more validation images than 256 MB hold');
    assert.equal(quickLookSettings(analyzeText('input 8x8x1\nsoftmax 2\ntrain dataset=folder(data)\n').network).valSamples, undefined, 'a folder has its own');
  });
});

describe('the view\'s Cancel comparison', () => {
  it('is a message of its own, with nothing else in it', () => {
    assert.deepEqual(parseTrainWebviewMessage({ type: 'cancelComparison' }), { type: 'cancelComparison' });
    assert.equal(parseTrainWebviewMessage({ type: 'cancelComparison', jobId: 'x' }), undefined);
  });
});

describe('a comparison on the real runner', { skip: existsSync(runnerPath) ? false : 'dist/runner.js is not built: run `npm run build` (npm test does)' }, () => {
  const runParent = mkdtempSync(join(tmpdir(), 'cnn-compare-client-'));
  let runner: RunnerProcess;

  before(() => {
    runner = new RunnerProcess({ runnerPath, cwd: runParent });
  });
  after(async () => {
    await runner.stop();
    rmSync(runParent, { recursive: true, force: true });
  });

  function comparison(combinations: Combination[], settings: object, seeds?: number[]) {
    let resolveEnded!: () => void;
    const ended = new Promise<void>((r) => (resolveEnded = r));
    const views: ReturnType<InitComparison['view']>[] = [];
    const c = new InitComparison({
      runner,
      fileKey: 'file:///tiny.cnn',
      file: join(runParent, 'tiny.cnn'),
      runParent,
      variants: variants(combinations),
      seeds,
      settings: { ...quickLookSettings(analyzeText(TINY).network), backend: 'reference', ...settings },
      changed: (x) => views.push(structuredClone(x.view())),
      ended: () => resolveEnded(),
    });
    return { c, ended, views };
  }

  it('trains each variant Network, one job after another, and writes cnn compare\'s table', async () => {
    const combos: Combination[] = [{ init: 'gaussian', act: 'relu' }, { init: 'he', act: 'prelu' }];
    const { c, ended, views } = comparison(combos, { trainSamples: 32 });
    await c.start();
    await within(ended, 30000, 'the comparison did not end');
    assert.equal(c.active, false);
    for (const combo of combos) {
      const run = c.run(combo)!;
      assert.equal(run.status, 'done', run.error);
      assert.equal(run.epochs.length, 1);
      // The Network the runner trained, as it recorded it.
      const trained = JSON.parse(readFileSync(join(run.runDir!, 'network.json'), 'utf8')) as Network;
      const sent = variants([combo])[0].network;
      assert.deepEqual(weighted(trained), weighted(sent));
      assert.ok(weighted(trained).every((l) => l.act === combo.act && l.init === combo.init), JSON.stringify(weighted(trained)));
      const settings = JSON.parse(readFileSync(join(run.runDir!, 'settings.json'), 'utf8'));
      assert.equal(settings.seed, 7, 'the same seed, from the train statement');
      assert.equal(settings.trainSamples, 32);
      assert.equal(settings.act, undefined, 'the act comes from the Network, not a job override');
    }
    assert.equal(weighted(JSON.parse(readFileSync(join(c.run(combos[0])!.runDir!, 'network.json'), 'utf8')))[0].std, 0.01);
    assert.ok(Math.abs(weighted(JSON.parse(readFileSync(join(c.run(combos[1])!.runDir!, 'network.json'), 'utf8')))[0].std! - expectedStd('he', 'conv', true)) < 1e-9);
    // Queued one after the other: the second started after the first ended.
    assert.ok(c.run(combos[1])!.startedAt! >= c.run(combos[0])!.endedAt!);

    const view = c.view();
    assert.deepEqual(view.rows.map((r) => [r.status, r.cells[0], r.cells[1], r.cells[2]]), [['done', 'gaussian', 'relu', '1'], ['done', 'he', 'prelu', '1']]);
    assert.equal(view.header[3], 'top-1 error');
    assert.equal(view.rows[0].cells[3], `${(100 * c.run(combos[0])!.epochs[0].top1Error).toFixed(1)}%`);
    assert.ok(!view.header.some((h) => /top-5/.test(h)), 'no top-5 columns with 4 classes');
    assert.equal(view.active, false);
    // The view was told as the runs went: queued or starting first, done at the end.
    assert.ok(views.some((v) => v.active && v.rows.some((r) => /^(queued|starting|epoch)/.test(r.status))), views.map((v) => v.rows.map((r) => r.status).join('/')).join(' '));
    assert.deepEqual(c.curves().map((r) => [r.name, r.epochs.length]), [['init=gaussian act=relu', 1], ['init=he act=prelu', 1]]);

    assert.ok(c.report && existsSync(c.report), `report ${c.report}`);
    assert.match(c.report!, /\.cnn-runs\/compare-tiny-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.md$/);
    const report = readFileSync(c.report!, 'utf8');
    assert.match(report, /^# tiny\.cnn: initialisations and activations compared\n\n1 seed per combination \(7\), 1 epoch, 32 training images per epoch, 1,024 validation images\./);
    assert.match(report, /\n\| init \| activation \| seeds \| top-1 error \| ± std \| min–max \|/);
    assert.match(report, /\n\| gaussian \| relu \| 1 \| [\d.]+% \| — \| [\d.]+–[\d.]+% \|/);
    assert.ok(report.includes(`| ${c.run(combos[1])!.runDir} |`), 'the run folder in the table of every run');
  });

  it('with seeds, trains every combination once per seed, shows mean and spread, a band per combination and what holds', async () => {
    const combos: Combination[] = [{ init: 'xavier', act: 'relu' }, { init: 'he', act: 'relu' }];
    const { c, ended, views } = comparison(combos, { trainSamples: 32 }, [7, 8]);
    await c.start();
    await within(ended, 60000, 'the comparison did not end');
    // Seed-major, one job after another: both combinations with seed 7, then both with seed 8.
    const order = [7, 8].flatMap((seed) => combos.map((combo) => c.run(combo, seed)!));
    for (let i = 1; i < order.length; i++) assert.ok(order[i].startedAt! >= order[i - 1].endedAt!, `run ${i} started after run ${i - 1} ended`);
    for (const seed of [7, 8]) {
      for (const combo of combos) {
        const run = c.run(combo, seed)!;
        assert.equal(run.status, 'done', run.error);
        const settings = JSON.parse(readFileSync(join(run.runDir!, 'settings.json'), 'utf8'));
        assert.deepEqual([settings.seed, settings.valSamples, settings.trainSamples], [seed, 1024, 32]);
      }
    }
    const view = c.view();
    assert.deepEqual(view.seeds, [7, 8]);
    assert.deepEqual(view.runs, { total: 4, ended: 4 });
    assert.deepEqual(view.rows.map((r) => [r.status, ...r.cells.slice(0, 3)]), [['done', 'xavier', 'relu', '2'], ['done', 'he', 'relu', '2']]);
    const finals = [7, 8].map((seed) => c.run(combos[1], seed)!.epochs[0].top1Error);
    assert.equal(view.rows[1].cells[3], `${(50 * (finals[0] + finals[1])).toFixed(1)}%`, 'the mean over the seeds');
    assert.match(view.rows[1].cells[4], /^± \d+\.\d$/);
    assert.equal(view.rows[1].cells[5], `${(100 * Math.min(...finals)).toFixed(1)}–${(100 * Math.max(...finals)).toFixed(1)}%`);
    assert.equal(view.conclusions.length, 1);
    assert.match(view.conclusions[0], /^(He beats Xavier|Xavier beats He) with ReLU in 2 of 2 seeds by|^(He vs Xavier|Xavier vs He) with ReLU: not resolved: /);
    assert.match(view.resolution, /^1,024 validation images: top-1 error moves in steps of 0\.098 points/);
    // While training, a row said which seed it was on.
    assert.ok(views.some((v) => v.rows.some((r) => /, seed 2 of 2$/.test(r.status))), views.map((v) => v.rows.map((r) => r.status).join('/')).join(' '));
    // Each run's curve, grouped by combination for the bands.
    assert.deepEqual(c.curves().map((r) => [r.name, r.group, r.epochs.length]), [
      ['init=xavier act=relu seed=7', 'init=xavier act=relu', 1], ['init=he act=relu seed=7', 'init=he act=relu', 1],
      ['init=xavier act=relu seed=8', 'init=xavier act=relu', 1], ['init=he act=relu seed=8', 'init=he act=relu', 1],
    ]);
    const report = readFileSync(c.report!, 'utf8');
    assert.match(report, /^2 seeds per combination \(7, 8\)/m);
    assert.match(report, /## What holds\n/);
    for (const seed of [7, 8]) for (const combo of combos) assert.ok(report.includes(`| ${combo.init} | relu | ${seed} |`) && report.includes(c.run(combo, seed)!.runDir!), `${combo.init} seed ${seed} in the report`);
  });

  it('Cancel stops the running job and removes the queued ones', async () => {
    const combos: Combination[] = [{ init: 'gaussian', act: 'relu' }, { init: 'xavier', act: 'relu' }, { init: 'he', act: 'relu' }];
    const { c, ended } = comparison(combos, { epochs: 10000, trainSamples: 64 });
    const before = readdirSync(join(runParent, '.cnn-runs')).length;
    await c.start();
    await pollUntil('the first combination to run', () => c.run(combos[0])?.status === 'running');
    assert.deepEqual(combos.slice(1).map((x) => c.run(x)?.status), ['queued', 'queued']);
    assert.equal(await c.cancel(), true);
    // How fast is bench/responsiveness.bench.ts's to measure; a loaded machine must not fail this.
    await within(ended, 30000, 'the cancelled comparison did not end');
    assert.deepEqual(combos.map((x) => c.run(x)?.status), ['cancelled', 'cancelled', 'cancelled']);
    assert.deepEqual(combos.map((x) => c.run(x)?.startedAt === undefined), [false, true, true], 'the queued jobs never started');
    // One new run folder (the running job's) and the report; nothing of the queued ones.
    const added = readdirSync(join(runParent, '.cnn-runs')).length - before;
    assert.equal(added, 2);
    assert.deepEqual(c.view().rows.map((r) => r.cells.at(-1)), ['stopped: cancelled', 'stopped: cancelled', 'stopped: cancelled']);
    assert.equal(await c.cancel(), false, 'nothing left to cancel');
    // The runner is idle: a job sent now starts at once instead of waiting behind a queued one.
    const info = await runner.info();
    assert.equal(info.name, 'cnn-runner');
  });
});
