/** `cnn predict`: a run's weights on PNG files, top-5 with the run's class names; images prepared as the run's dataset prepared its own; --help for every command. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../server/src/cli';
import { digitSplit, loadDigits, readDigitImages } from '../../runner/src/data/mnist';
import { prepareImage } from '../../runner/src/predict';
import { predictCommand } from '../../runner/src/predictCommand';
import { train } from '../../runner/src/train';
import { SHAPE_CLASSES } from '../../runner/src/data/shapes';
import { makeNetwork } from './fixtures';
import { capture } from '../capture';
import { tempDir } from '../tempDir';

function writePng(file: string, width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set([...pixel(x, y), 255], (y * width + x) * 4);
  writeFileSync(file, PNG.sync.write(png));
}

describe('cnn predict', () => {
  it('prints the top-5 classes of each image with the run\'s class names; --json; the newest run by default', async () => {
    const dir = tempDir('cnn-predict-');
    const network = makeNetwork([12, 12, 3], [{ kind: 'conv', count: 4, kernel: 3 }, { kind: 'maxpool', kernel: 2 }, { kind: 'softmax', count: 8 }], 'pred');
    const result = await train(network, { epochs: 1, batch: 8, trainSamples: 32, backend: 'reference', runDir: dir });
    const image = join(dir, 'a.png');
    writePng(image, 30, 20, (x, y) => (x > 10 && y > 5 ? [255, 0, 0] : [10, 10, 10]));
    const c = capture();
    assert.equal(await predictCommand(network, join(dir, 'pred.cnn'), [image, '--json'], c.io), 0, c.err());
    const { runDir, predictions } = JSON.parse(c.out());
    assert.equal(runDir, result.runDir, 'the newest run beside the file');
    assert.equal(predictions.length, 1);
    const top = predictions[0].top as { index: number; name: string; probability: number }[];
    assert.equal(top.length, 5);
    for (const t of top) assert.equal(t.name, SHAPE_CLASSES[t.index]);
    assert.ok(top.every((t, i) => i === 0 || t.probability <= top[i - 1].probability));
    assert.ok(top.reduce((a, t) => a + t.probability, 0) <= 1 + 1e-6);
    const text = capture();
    assert.equal(await predictCommand(network, join(dir, 'pred.cnn'), ['--weights', result.runDir, image], text.io), 0);
    assert.match(text.out(), new RegExp(`^weights: .*\\n.*a\\.png\\n(  \\S+ +\\d+\\.\\d\\d%\\n){5}$`));
  });

  it('refuses weights that do not fit the network (exit 1), missing runs and images (exit 2)', async () => {
    const dir = tempDir('cnn-predict-');
    const network = makeNetwork([8, 8, 1], [{ kind: 'conv', count: 2, kernel: 3 }, { kind: 'softmax', count: 3 }], 'fit');
    const result = await train(network, { epochs: 1, batch: 4, trainSamples: 8, backend: 'reference', runDir: dir });
    const image = join(dir, 'a.png');
    writePng(image, 8, 8, (x) => [x * 30, x * 30, x * 30]);
    const changed = makeNetwork([8, 8, 1], [{ kind: 'conv', count: 3, kernel: 3 }, { kind: 'softmax', count: 3 }], 'fit');
    const c = capture();
    assert.equal(await predictCommand(changed, join(dir, 'fit.cnn'), ['--weights', result.runDir, image], c.io), 1);
    assert.match(c.err(), /the network has changed since that run/);
    const none = capture();
    assert.equal(await predictCommand(network, join(tempDir('cnn-empty-'), 'fit.cnn'), [image], none.io), 2);
    assert.match(none.err(), /no run of fit with weights .* train it first/);
    const missing = capture();
    assert.equal(await predictCommand(network, join(dir, 'fit.cnn'), [join(dir, 'nope.png')], missing.io), 2);
    assert.match(missing.err(), /cannot read .*nope\.png: ENOENT/);
    const noImage = capture();
    assert.equal(await predictCommand(network, join(dir, 'fit.cnn'), [], noImage.io), 2);
    assert.match(noImage.err(), /give at least one IMAGE\nusage: cnn predict/);
  });

  it('a 28x28 PNG of an MNIST digit becomes the same input the mnist dataset gives the network', () => {
    const images = readDigitImages('mnist', process.cwd());
    const index = digitSplit().val[7];
    const data = loadDigits('mnist', [32, 32, 3], 10, process.cwd());
    const dir = tempDir('cnn-digit-');
    const file = join(dir, 'digit.png');
    writePng(file, 28, 28, (x, y) => { const v = images.pixels[index * 784 + y * 28 + x]; return [v, v, v]; });
    const png = PNG.sync.read(readFileSync(file));
    const prepared = prepareImage({ width: 28, height: 28, data: new Uint8Array(png.data) }, [32, 32, 3], { kind: 'mnist' });
    const expected = data.val.x.subarray(7 * 32 * 32 * 3, 8 * 32 * 32 * 3);
    assert.ok(prepared.every((v, i) => Math.abs(v - expected[i]) < 1e-4));
  });
});

describe('--help', () => {
  for (const command of ['table', 'check', 'train', 'compare', 'predict']) {
    it(`cnn ${command} --help prints ${command}'s own usage and exits 0`, async () => {
      const c = capture();
      assert.equal(await main([command, '--help'], c.io), 0);
      assert.match(c.out(), new RegExp(`^usage: cnn ${command} `));
      assert.equal(c.err(), '');
      const h = capture();
      assert.equal(await main(['help', command], h.io), 0);
      assert.equal(h.out(), c.out());
    });
  }
  it('cnn train --help lists the options, the datasets and the schedules', async () => {
    const c = capture();
    await main(['train', '--help'], c.io);
    for (const word of ['--epochs', '--schedule', '--warmup', '--backend', 'mnist', 'fashion-mnist', 'folder(PATH)', 'cosine']) assert.ok(c.out().includes(word), word);
  });
});
