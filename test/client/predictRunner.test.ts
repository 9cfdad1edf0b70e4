// "CNN: Predict image…" without VS Code: dist/cli.js predict as the extension runs it (its own
// process), and the quick pick rows made of its answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { predictionRows, runPredict } from '../../client/src/training/predictRunner';
import { train } from '../../runner/src/train';
import { makeNetwork } from '../runner/fixtures';
import { tempDir } from '../tempDir';

const cliPath = resolve('dist/cli.js');

describe('predict through dist/cli.js', { skip: existsSync(cliPath) ? false : 'dist/cli.js is not built: run `npm run build` (npm test does)' }, () => {
  it('answers the top-5 of each image, and says why when it cannot', async () => {
    const dir = tempDir('cnn-predict-client-');
    const file = join(dir, 'tiny.cnn');
    writeFileSync(file, 'network tiny\ninput 8x8x1\nc1: conv 2 f=3\nout: softmax 6\n');
    const network = makeNetwork([8, 8, 1], [{ kind: 'conv', name: 'c1', count: 2, kernel: 3 }, { kind: 'softmax', name: 'out', count: 6 }], 'tiny');
    const run = await train(network, { epochs: 1, batch: 4, trainSamples: 8, backend: 'reference', runDir: dir });
    const image = join(dir, 'a.png');
    const png = new PNG({ width: 8, height: 8 });
    png.data.fill(200);
    writeFileSync(image, PNG.sync.write(png));
    const answer = await runPredict(cliPath, file, run.runDir, [image, image]);
    assert.equal(answer.runDir, run.runDir);
    assert.equal(answer.predictions.length, 2);
    const rows = predictionRows(answer.predictions);
    assert.deepEqual(rows.map((r) => r.kind), ['image', 'class', 'class', 'class', 'class', 'class', 'image', 'class', 'class', 'class', 'class', 'class']);
    assert.match(rows[1].label, /^\$\(star-full\) /);
    assert.match(rows[1].description!, /^\d+\.\d\d %$/);
    await assert.rejects(runPredict(cliPath, file, run.runDir, [join(dir, 'missing.png')]), /cannot read .*missing\.png: ENOENT/);
  });
});
