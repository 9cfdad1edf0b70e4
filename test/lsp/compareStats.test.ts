/** Repeated runs of `cnn compare`: mean, spread and min–max across seeds, and the sentences they support, on hand-made numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandCurve, compareCells, judge, resolutionText, seedList, spread, verdicts, type SeedRun } from '../../server/src/compareStats';
import { compareRows, compareTable, conclusions, runsTable } from '../../server/src/compareReport';

/** A run whose top-1 error is `errors[i]` at epoch i + 1 (as fractions). */
function run(fields: Partial<SeedRun>, errors: number[], failure?: string): SeedRun {
  return {
    ...fields,
    seconds: 10,
    failure,
    epochs: errors.map((top1Error, i) => ({ epoch: i + 1, steps: 32, trainLoss: 1 + top1Error, valLoss: 1 + top1Error / 2, top1Error, top5Error: 0, samplesPerSec: 100, seconds: 5 })),
  };
}

const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

test('seeds follow the base seed, the first one being it', () => {
  assert.deepEqual(seedList(7, 3), [7, 8, 9]);
  assert.deepEqual(seedList(0xffffffff, 2), [0xffffffff, 0]);
  assert.deepEqual(seedList(1, 1), [1]);
});

test('mean, sample standard deviation and range', () => {
  const s = spread([0.2, 0.4, 0.6])!;
  near(s.mean, 0.4, 'mean');
  near(s.std, 0.2, 'std (n − 1)');
  assert.deepEqual([s.n, s.min, s.max], [3, 0.2, 0.6]);
  assert.deepEqual(spread([0.5]), { n: 1, mean: 0.5, std: 0, min: 0.5, max: 0.5 });
  assert.equal(spread([]), undefined);
});

test('runs are grouped by cell across seeds; a run that stopped early is left out of the numbers', () => {
  const runs = [
    run({ init: 'he', act: 'relu', seed: 7 }, [0.6, 0.2]),
    run({ init: 'xavier', act: 'relu', seed: 7 }, [0.75, 0.75]),
    run({ init: 'he', act: 'relu', seed: 8 }, [0.5, 0.3]),
    run({ init: 'xavier', act: 'relu', seed: 8 }, [0.74, 0.76]),
    run({ init: 'he', act: 'relu', seed: 9 }, [0.7], 'the loss became NaN'),
  ];
  const [he, xavier] = compareCells(runs);
  assert.equal(he.key, 'init=he act=relu');
  assert.deepEqual(he.runs.map((r) => r.seed), [7, 8, 9]);
  assert.deepEqual(he.counted.map((r) => r.seed), [7, 8]);
  near(he.top1!.mean, 0.25, 'he mean final top-1');
  near(he.top1!.std, Math.sqrt(0.005), 'he std');
  assert.deepEqual([he.top1!.min, he.top1!.max], [0.2, 0.3]);
  near(xavier.best!.mean, 0.745, 'xavier mean best top-1');
  // The band: per epoch, over the runs that reached it.
  assert.deepEqual(he.curve.map((p) => [p.epoch, +p.min.toFixed(3), +p.mean.toFixed(3), +p.max.toFixed(3)]), [[1, 0.5, 0.55, 0.6], [2, 0.2, 0.25, 0.3]]);
  assert.deepEqual(bandCurve([{ epochs: runs[0].epochs }, { epochs: runs[4].epochs }]).map((p) => p.epoch), [1, 2]);

  const rows = compareRows(runs, { seeds: 3 });
  assert.deepEqual(rows[0], ['he', 'relu', '2 of 3', '25.0%', '± 7.1', '20.0–30.0%', '25.0%', '1.1250', '1.2500', '10 s', '▅▃ (1 of 3 stopped: the loss became NaN)']);
  assert.deepEqual(rows[1].slice(0, 6), ['xavier', 'relu', '2 of 3', '75.5%', '± 0.7', '75.0–76.0%']);
});

test('the table: mean, ± std and min–max; top-5 only with more than 5 classes', () => {
  const runs = [run({ init: 'he', act: 'prelu', seed: 1 }, [0.3]), run({ init: 'he', act: 'prelu', seed: 2 }, [0.4])];
  const table = compareTable(runs, { classes: 4 });
  const [header, , row] = table.trim().split('\n');
  assert.equal(header, '| init | activation | seeds | top-1 error | ± std | min–max | best top-1 | val loss | train loss | time/run | top-1 error by epoch |');
  assert.equal(row, '| he | prelu | 2 | 35.0% | ± 7.1 | 30.0–40.0% | 35.0% | 1.1750 | 1.3500 | 10 s | ▃ |');
  assert.doesNotMatch(table, /top-5/);
  assert.match(compareTable(runs, { classes: 10 }).split('\n')[0], /\| train loss \| top-5 error \| top-5 ± std \| time\/run \|/);
  // One seed: no spread to show.
  assert.match(compareTable([runs[0]]), /\| he \| prelu \| 1 \| 30\.0% \| — \| 30\.0–30\.0% \|/);
  // Every run on its own row, with its seed, epochs and folder.
  const every = runsTable([{ ...runs[0], runDir: '/r/a' }, { ...runs[1], runDir: '/r/b' }]);
  assert.match(every, /\| he \| prelu \| 1 \| 30\.0% \| 30\.0% \| 1\.1500 \| 1\.3000 \| 10 s \| 30\.0 \| \/r\/a \|/);
  assert.match(every, /\| he \| prelu \| 2 \| 40\.0% .* \| \/r\/b \|/);
});

/** A cell of final top-1 errors, one per seed (7, 8, 9…). */
function cell(fields: Partial<SeedRun>, finals: number[]) {
  return compareCells(finals.map((f, i) => run({ ...fields, seed: 7 + i }, [0.75, f])))[0];
}

test('He beats Xavier in every seed with ranges apart: resolved, with the per-seed gap', () => {
  const he = cell({ init: 'he', act: 'relu' }, [0.16, 0.18, 0.15]);
  const xavier = cell({ init: 'xavier', act: 'relu' }, [0.74, 0.742, 0.73]);
  const v = judge(xavier, he, 1 / 1024, ['Xavier', 'He'], ' with ReLU');
  assert.equal(v.resolved, true);
  assert.equal(v.a, 'init=he act=relu', 'the lower error goes first');
  assert.equal(v.sentence, 'He beats Xavier with ReLU in 3 of 3 seeds by 56.2–58.0 points of top-1 error (He 15.0–18.0%, Xavier 73.0–74.2%).');
});

test('PReLU vs ReLU with overlapping ranges is not resolved, even when one wins every seed', () => {
  const prelu = cell({ init: 'he', act: 'prelu' }, [0.22, 0.40, 0.30]);
  const relu = cell({ init: 'he', act: 'relu' }, [0.30, 0.45, 0.79]);
  const v = judge(prelu, relu, 1 / 1024, ['PReLU', 'ReLU'], ' with He');
  assert.equal(v.resolved, false);
  assert.deepEqual([v.aLower, v.bLower, v.ties], [3, 0, 0]);
  assert.equal(v.sentence, 'PReLU vs ReLU with He: not resolved: ranges overlap (PReLU 22.0–40.0%, ReLU 30.0–79.0%); PReLU lower in 3 of 3 seeds.');

  const mixed = judge(cell({ act: 'relu', init: 'he' }, [0.3, 0.5]), cell({ act: 'prelu', init: 'he' }, [0.4, 0.2]), 1 / 1024, ['ReLU', 'PReLU']);
  assert.equal(mixed.sentence, 'PReLU vs ReLU: not resolved: ranges overlap (PReLU 20.0–40.0%, ReLU 30.0–50.0%); PReLU lower in 1 of 2 seeds, ReLU in 1.');

  const stalled = judge(cell({ init: 'gaussian', act: 'relu' }, [0.742, 0.742]), cell({ init: 'xavier', act: 'relu' }, [0.742, 0.742]), 1 / 1024, ['gaussian(0.01)', 'Xavier']);
  assert.match(stalled.sentence, /^gaussian\(0\.01\) vs Xavier: not resolved: ranges overlap \(.*\); the same error in every seed\.$/);
});

test('a gap within one validation image, or a single seed, is not resolved', () => {
  // Apart, one wins every seed, but only 1/128 apart: one image of 128.
  const close = judge(cell({ variant: 'a' }, [0.5, 0.5]), cell({ variant: 'b' }, [0.5 + 1 / 128, 0.5 + 1 / 128]), 1 / 128, ['a', 'b']);
  assert.equal(close.resolved, false);
  assert.match(close.sentence, /^a vs b: not resolved: the ranges \(a 50\.0–50\.0%, b 50\.8–50\.8%\) are only 0\.78 points apart, not more than one validation image \(0\.78 points\); a lower in 2 of 2 seeds\.$/);
  // The same numbers with 1,024 validation images: 8 images apart, resolved.
  assert.equal(judge(cell({ variant: 'a' }, [0.5, 0.5]), cell({ variant: 'b' }, [0.5 + 1 / 128, 0.5 + 1 / 128]), 1 / 1024, ['a', 'b']).resolved, true);
  const one = judge(cell({ variant: 'a' }, [0.2]), cell({ variant: 'b' }, [0.7]), 1 / 1024, ['a', 'b']);
  assert.equal(one.resolved, false);
  assert.equal(one.sentence, 'a vs b: not resolved: only 1 seed has a result for both, and one run cannot carry a conclusion.');
});

test('every pair is judged: inits under each activation, activations under each init; files pairwise', () => {
  const runs = [
    ...[0.74, 0.74].map((f, i) => run({ init: 'xavier', act: 'relu', seed: i }, [f])),
    ...[0.2, 0.25].map((f, i) => run({ init: 'he', act: 'relu', seed: i }, [f])),
    ...[0.74, 0.74].map((f, i) => run({ init: 'xavier', act: 'prelu', seed: i }, [f])),
    ...[0.1, 0.3].map((f, i) => run({ init: 'he', act: 'prelu', seed: i }, [f])),
  ];
  const said = conclusions(runs, 1024);
  assert.equal(said.length, 4);
  assert.match(said[0], /^He beats Xavier with ReLU in 2 of 2 seeds by 49\.0–54\.0 points/);
  assert.match(said[1], /^He beats Xavier with PReLU in 2 of 2 seeds/);
  assert.match(said[2], /^ReLU vs PReLU with Xavier: not resolved/);
  assert.match(said[3], /^PReLU vs ReLU with He: not resolved: ranges overlap \(PReLU 10\.0–30\.0%, ReLU 20\.0–25\.0%\); PReLU lower in 1 of 2 seeds, ReLU in 1\.$/);
  const files = compareCells([run({ variant: 'plain20', seed: 1 }, [0.5]), run({ variant: 'resnet20', seed: 1 }, [0.3]), run({ variant: 'plain56', seed: 1 }, [0.6])]);
  assert.deepEqual(verdicts(files, 0).map((v) => `${v.a}/${v.b}`), ['resnet20/plain20', 'plain20/plain56', 'resnet20/plain56']);
});

test('the resolution: one validation image as a step, and the widest spread across seeds', () => {
  const cells = [cell({ variant: 'a' }, [0.2, 0.3]), cell({ variant: 'b' }, [0.5, 0.52])];
  assert.equal(resolutionText(cells, 1024), '1,024 validation images: top-1 error moves in steps of 0.098 points (one image); across seeds, one cell\'s final top-1 error spreads by up to 10.0 points (a: 20.0–30.0%), so a smaller difference between cells is not a conclusion.');
  assert.match(resolutionText([cell({ variant: 'a' }, [0.2])], 128), /^128 validation images: .* steps of 0\.78 points .*; with one seed per cell there is no spread/);
});
