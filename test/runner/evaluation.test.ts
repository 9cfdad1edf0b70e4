/**
 * The evaluation files of a run folder: the confusion matrix agrees with an independent pass of the
 * saved weights over the regenerated validation split and with the epoch's top-1 error; the CSV is
 * the same matrix; the gallery holds the most confident mistakes, and `cnn predict`'s own path reads
 * each picture back as the class it lists; the filter image has one tile per filter, each stretched
 * to the full range on its own.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ShapesDataset } from '../../runner/src/data/shapes';
import { confusionCsv, filtersImage, inputImage, MAX_MISTAKES, type ConfusionFile, type MistakeFile } from '../../runner/src/evaluation';
import { buildPlan } from '../../runner/src/plan';
import { predictImages } from '../../runner/src/predict';
import { ReferenceModel } from '../../runner/src/reference/model';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { readMetrics } from '../../runner/src/runFolder';
import { decodeSafetensors } from '../../runner/src/safetensors';
import { train } from '../../runner/src/train';
import { makeNetwork } from './fixtures';
import { tempDir } from '../tempDir';

const network = () => makeNetwork([16, 16, 1], [
  { kind: 'conv', count: 8, kernel: 5, act: 'relu' },
  { kind: 'maxpool', kernel: 2 },
  { kind: 'fc', count: 24, act: 'relu' },
  { kind: 'softmax', count: 6 },
], 'eval-net');

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('the evaluation files of a run', () => {
  const runDir = tempDir('cnn-evaluation-');
  const settings = { backend: 'reference' as const, runDir, epochs: 2, batch: 16, trainSamples: 256, valSamples: 160, seed: 3, lr: 0.02 };
  let run: Awaited<ReturnType<typeof train>>;

  it('a confusion matrix that an independent pass over the validation images reproduces', async () => {
    run = await train(network(), settings);
    const dir = join(run.runDir, 'evaluation');
    const confusion = read<ConfusionFile>(join(dir, 'confusion.json'));
    assert.equal(confusion.epoch, 2);
    assert.deepEqual(confusion.classes, new ShapesDataset([16, 16, 1], 6, 3).classNames);

    // The saved weights, the validation split made again from its seed, argmax by hand.
    const plan = buildPlan(network());
    const { tensors } = decodeSafetensors(readFileSync(join(run.runDir, 'weights.safetensors')));
    const nParams = plan.steps.reduce((n, s) => n + s.params.length, 0);
    const model = new ReferenceModel(plan, tensors.slice(0, nParams), tensors.slice(nParams), { optimizer: DEFAULT_OPTIMIZER, seed: 0 });
    const data = new ShapesDataset(plan.input, plan.classes, settings.seed);
    const expected = Array.from({ length: 6 }, () => new Array(6).fill(0));
    const x = new Float32Array(plan.inputSize);
    for (let i = 0; i < settings.valSamples; i++) {
      const label = data.sample('val', i, x, 0);
      const probs = await model.predict(x, 1);
      expected[label][probs.indexOf(Math.max(...probs))]++;
    }
    assert.deepEqual(confusion.matrix, expected);

    const trace = expected.reduce((s, row, k) => s + row[k], 0);
    const last = readMetrics(run.runDir).at(-1)!;
    assert.ok(Math.abs(1 - trace / settings.valSamples - last.top1Error) < 1e-12, 'the matrix and the epoch\'s top-1 error agree');
    confusion.perClass.forEach((c, k) => {
      const images = expected[k].reduce((a: number, b: number) => a + b, 0);
      assert.deepEqual([c.name, c.images, c.wrong], [confusion.classes[k], images, images - expected[k][k]]);
      assert.equal(c.error, images ? (images - expected[k][k]) / images : null);
    });
    const csv = readFileSync(join(dir, 'confusion.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], ['true \\ predicted', ...confusion.classes].join(','));
    csv.slice(1).forEach((line, k) => assert.deepEqual(line.split(','), [confusion.classes[k], ...expected[k].map(String)]));
  });

  it('a gallery of the most confident mistakes that cnn predict reads back as listed', async () => {
    const dir = join(run.runDir, 'evaluation');
    const confusion = read<ConfusionFile>(join(dir, 'confusion.json'));
    const gallery = read<MistakeFile>(join(dir, 'misclassified.json'));
    const wrong = confusion.perClass.reduce((s, c) => s + c.wrong, 0);
    assert.ok(wrong > 0, 'two short epochs leave some mistakes');
    assert.equal(gallery.wrong, wrong);
    assert.equal(gallery.images.length, Math.min(MAX_MISTAKES, wrong));
    for (const [i, m] of gallery.images.entries()) {
      assert.notEqual(m.label, m.predicted);
      assert.ok(confusion.matrix[m.label][m.predicted] > 0);
      assert.equal(m.trueClass, confusion.classes[m.label]);
      if (i > 0) assert.ok(m.confidence <= gallery.images[i - 1].confidence, 'most confident first');
      const png = PNG.sync.read(readFileSync(join(dir, m.file)));
      assert.deepEqual([png.width, png.height], [16, 16]);
    }
    // Through cnn predict's path: decode the PNG, standardise, run the saved weights. The picture is the
    // input stretched to 8 bits, so a clear mistake is made again with nearly the same confidence.
    const clear = gallery.images.filter((m) => m.confidence > 0.6);
    assert.ok(clear.length > 0, 'some mistakes are clear ones');
    const predictions = await predictImages(network(), run.runDir, clear.map((m) => join(dir, m.file)));
    clear.forEach((m, i) => {
      assert.equal(predictions[i].top[0].name, m.predictedClass, `${m.file}`);
      assert.ok(Math.abs(predictions[i].top[0].probability - m.confidence) < 0.05, `${m.file}: ${predictions[i].top[0].probability} vs ${m.confidence}`);
    });
    assert.ok(existsSync(join(dir, 'filters.png')));
    assert.deepEqual(PNG.sync.read(readFileSync(join(dir, 'filters.png'))).width, 3 * (25 + 1) + 1, '8 filters of 5x5 in 3 columns, 5x zoom');
  });
});

describe('evaluation pictures', () => {
  it('filters: one tile per filter, each stretched to 0..255 on its own, RGB for three channels', () => {
    // Two 2x2 filters of 3 channels: the first spans -1..1 in its red, the second 10..20 in its blue.
    const data = new Float32Array(2 * 2 * 2 * 3);
    [-1, 0, 0.5, 1].forEach((v, p) => { data[p * 3] = v; });
    [10, 20, 15, 10].forEach((v, p) => { data[12 + p * 3 + 2] = v; data[12 + p * 3] = 10; data[12 + p * 3 + 1] = 10; });
    const png = PNG.sync.read(filtersImage({ name: 'conv1.weight', shape: [2, 2, 2, 3], data }));
    const zoom = 12; // tiles of at least 24 pixels
    assert.deepEqual([png.width, png.height], [2 * (2 * zoom + 1) + 1, 2 * zoom + 2]);
    const pixel = (x: number, y: number) => [...png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3)];
    // Filter 1, top-left weight: red -1, green and blue 0 → (0, 128, 128) on the filter's -1..1.
    assert.deepEqual(pixel(1, 1), [0, 128, 128]);
    assert.deepEqual(pixel(1 + zoom, 1 + zoom), [255, 128, 128], 'bottom-right: red 1');
    // Filter 2 starts after a 1-pixel gap; its top-right weight is blue 20: (0, 0, 255) on 10..20.
    assert.deepEqual(pixel(2 + 2 * zoom + zoom, 1), [0, 0, 255]);
    assert.deepEqual(pixel(0, 0), [128, 128, 128], 'the gap is grey');
  });

  it('an input image: stretched to its own range; one channel grey', () => {
    const x = new Float32Array([5, -1, -3, 1]);
    const png = PNG.sync.read(inputImage(x, 0, [2, 2, 1]));
    assert.deepEqual([...png.data].filter((_, i) => i % 4 === 0), [255, 64, 0, 128]);
    assert.deepEqual([...png.data.subarray(0, 4)], [255, 255, 255, 255]);
  });

  it('the CSV quotes class names with commas or quotes', () => {
    assert.equal(confusionCsv([[1, 2], [3, 4]], ['a,b', 'say "c"']), 'true \\ predicted,"a,b","say ""c"""\n"a,b",1,2\n"say ""c""",3,4\n');
  });
});
