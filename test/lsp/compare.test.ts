/** `cnn compare` end to end on a tiny network: every init × act trained, a table, a report file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { compareTable, parseCompareArgs, sparkline } from '../../server/src/compare';

test('arguments are checked and named in the message', () => {
  assert.deepEqual(parseCompareArgs(['--inits', 'he,xavier', '--acts', 'prelu', '--epochs', '2']).inits, ['he', 'xavier']);
  assert.throws(() => parseCompareArgs(['--inits', 'he,lecun']), /'lecun' is not one/);
  assert.throws(() => parseCompareArgs(['--epochs', '0']), /--epochs needs a whole number greater than 0/);
  assert.equal(parseCompareArgs(['--seed', '0']).job.seed, 0);
  assert.throws(() => parseCompareArgs(['--seed', '-1']), /--seed needs a whole number of at least 0/);
});

test('the table and the error curves', () => {
  assert.equal(sparkline([1, 0.5, 0]), '█▅▁');
  const table = compareTable([{ init: 'he', act: 'prelu', seconds: 3, epochs: [{ epoch: 1, steps: 4, trainLoss: 1, valLoss: 0.9, top1Error: 0.25, top5Error: 0, samplesPerSec: 10, seconds: 1 }] }]);
  assert.match(table, /\| he \| prelu \| 1\.0000 \| 0\.9000 \| 25\.0% \| 0\.0% \| 25\.0% \| 3 s \| ▃ \|/);
});

test('cnn compare trains each combination with the same seed and writes a report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-compare-'));
  try {
    const file = join(dir, 'tiny.cnn');
    writeFileSync(file, 'network tiny\ninput 12x12x1\nconv 4 f=3\nmaxpool f=2\nfc 16\nsoftmax 4\ntrain dataset=shapes batch=16 lr=0.05 seed=3\n');
    const result = spawnSync(process.execPath, ['bin/cnn.js', 'compare', file, '--inits', 'gaussian,he', '--acts', 'relu,prelu', '--epochs', '1', '--samples', '64', '--backend', 'reference', '--json'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const runs = lines.filter((l) => l.type === 'run');
    assert.deepEqual(runs.map((r) => `${r.init}/${r.act}`), ['gaussian/relu', 'he/relu', 'gaussian/prelu', 'he/prelu']);
    const summary = lines.at(-1);
    assert.equal(summary.type, 'summary');
    assert.ok(summary.runs.every((r: { final: { top1Error: number } }) => r.final.top1Error >= 0 && r.final.top1Error <= 1));
    assert.ok(existsSync(summary.report));
    assert.match(readFileSync(summary.report, 'utf8'), /\| he \| prelu \|/);
    for (const run of runs) {
      const network = JSON.parse(readFileSync(join(run.runDir, 'network.json'), 'utf8'));
      assert.ok(network.layers.filter((l: { act?: string }) => l.act).every((l: { act: string }) => l.act === run.act));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
