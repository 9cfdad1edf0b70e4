/** The folder(PATH) dataset: PNG and JPEG decoding, resizing, class folders, validation split, errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeImage, resizeInto } from '../../runner/src/data/images';
import { loadFolder, scanFolder } from '../../runner/src/data/folder';
import { MAX_IMAGE_FILE_BYTES } from '../../runner/src/data/images';
import { trainingMemory } from '../../server/src/language/trainingMemory';
import { train } from '../../runner/src/train';
import { Rng } from '../../runner/src/rng';
import { makeNetwork } from './fixtures';
import { tempDir } from '../tempDir';

function rgba(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const [r, g, b] = pixel(x, y);
    data.set([r, g, b, 255], (y * width + x) * 4);
  }
  return data;
}

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const image = new PNG({ width, height });
  rgba(width, height, pixel).copy(image.data);
  return PNG.sync.write(image);
}

function jpg(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  return jpeg.encode({ width, height, data: rgba(width, height, pixel) }, 95).data;
}

/** Stripes of random phase and width: class 0 horizontal, class 1 vertical. */
function writeStripes(root: string, perClass: number, seed: number): void {
  const rng = new Rng(seed);
  ['horizontal', 'vertical'].forEach((name, label) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const period = 4 + rng.int(5), phase = rng.int(period), ink = 120 + rng.int(136);
      const pixel = (x: number, y: number): [number, number, number] => (((label ? x : y) + phase) % period < period / 2 ? [ink, ink, ink] : [20, 20, 20]);
      const size = 20 + rng.int(20);
      // jpeg-js encodes slowly (a quarter second an image): one file in eight is a JPEG.
      if (i % 8) writeFileSync(join(root, name, `${i}.png`), png(size, size, pixel));
      else writeFileSync(join(root, name, `${i}.JPG`), jpg(size, size, pixel));
    }
  });
}

describe('folder(PATH) dataset', () => {
  it('decodes PNG exactly and resizes bilinearly: 4x4 to 2x2 averages each 2x2 block', () => {
    const pixel = (x: number, y: number): [number, number, number] => [x * 60, y * 60, (x + y) * 20];
    const image = decodeImage('a.png', png(4, 4, pixel));
    assert.equal(image.width, 4);
    const out = new Float32Array(2 * 2 * 3);
    resizeInto(image, 2, 2, 3, out, 0);
    // Block (0,0) holds x, y in {0, 1}: mean red 30, green 30, blue 20.
    assert.deepEqual(Array.from(out.slice(0, 3)).map((v) => Math.round(v * 255 * 100) / 100), [30, 30, 20]);
    // Block (row 1, column 0): x in {0, 1}, y in {2, 3}: red 30, green 150, blue 60.
    assert.deepEqual(Array.from(out.slice(6, 9)).map((v) => Math.round(v * 255 * 100) / 100), [30, 150, 60]);
    const grey = new Float32Array(4);
    resizeInto(image, 2, 2, 1, grey, 0);
    assert.ok(Math.abs(grey[0] * 255 - (0.299 * 30 + 0.587 * 30 + 0.114 * 20)) < 1e-3);
  });

  it('decodes JPEG (lossy: within a few levels of a flat colour)', () => {
    const image = decodeImage('a.jpeg', jpg(16, 16, () => [200, 100, 50]));
    const out = new Float32Array(3);
    resizeInto(image, 1, 1, 3, out, 0);
    const expected = [200, 100, 50];
    out.forEach((v, c) => assert.ok(Math.abs(v * 255 - expected[c]) < 4, `channel ${c}: ${v * 255} vs ${expected[c]}`));
  });

  it('classes are the sorted sub-folders; one image in eight per class is held out', () => {
    const root = tempDir('cnn-folder-');
    writeStripes(root, 16, 1);
    const data = loadFolder(root, [12, 12, 1], 10, 1);
    assert.deepEqual(data.classNames, ['horizontal', 'vertical']);
    assert.equal(data.val.count, 4);
    assert.equal(data.train.count, 28);
    assert.deepEqual([...new Set(data.val.labels)].sort(), [0, 1]);
    const again = loadFolder(root, [12, 12, 1], 10, 1);
    assert.deepEqual(again.val.x, data.val.x, 'same seed, same split');
  });

  it('a small network learns stripes from a folder of PNG and JPEG files', async () => {
    const dir = tempDir('cnn-folder-train-');
    writeStripes(join(dir, 'stripes'), 48, 2);
    const net = makeNetwork([16, 16, 1], [
      { kind: 'conv', count: 6, kernel: 3, pad: 1 }, { kind: 'maxpool', kernel: 2 }, { kind: 'fc', count: 16 }, { kind: 'softmax', count: 2 },
    ], 'stripes');
    const result = await train(net, { dataset: { kind: 'folder', path: 'stripes' }, dataDir: dir, runDir: dir, backend: 'reference', epochs: 8, batch: 8, lr: 0.02 });
    assert.ok(result.epochs.at(-1)!.top1Error <= 0.1, `top-1 error ${result.epochs.at(-1)!.top1Error}`);
  });

  it('a missing folder or a single class is refused with the reason', async () => {
    const dir = tempDir('cnn-folder-bad-');
    const net = makeNetwork([8, 8, 3], [{ kind: 'conv', count: 2, kernel: 3 }, { kind: 'softmax', count: 2 }]);
    await assert.rejects(train(net, { dataset: { kind: 'folder', path: 'nope' }, dataDir: dir, runDir: dir, backend: 'reference' }),
      (e: any) => e.code === 'invalid-job' && /cannot read the dataset folder .*nope: ENOENT/.test(e.message));
    mkdirSync(join(dir, 'one', 'cats'), { recursive: true });
    await assert.rejects(train(net, { dataset: { kind: 'folder', path: 'one' }, dataDir: dir, runDir: dir, backend: 'reference' }),
      (e: any) => e.code === 'invalid-job' && /at least two class sub-folders, found 1/.test(e.message));
  });

  it('refuses an image whose header claims more than 50 megapixels (a PNG bomb), naming the file, before decoding it', async () => {
    const dir = tempDir('cnn-folder-bomb-');
    writeStripes(join(dir, 'data'), 2, 3);
    // A PNG signature and an IHDR claiming 10000x10000 RGBA, then nothing: decoding it would allocate 400 MB.
    const header = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'latin1');
    header.writeUInt32BE(10000, 16);
    header.writeUInt32BE(10000, 20);
    header.set([8, 6, 0, 0, 0], 24);
    const bomb = join(dir, 'data', 'vertical', 'bomb.png');
    writeFileSync(bomb, header);
    assert.throws(() => scanFolder(join(dir, 'data'), [8, 8, 1], 2, 1), new RegExp(`${bomb.replace(/[.\\/]/g, '\\$&')} is 10000x10000 pixels \\(100\\.0 megapixels\\), more than the 50 megapixels`));
    const net = makeNetwork([8, 8, 1], [{ kind: 'conv', count: 2, kernel: 3 }, { kind: 'softmax', count: 2 }]);
    await assert.rejects(train(net, { dataset: { kind: 'folder', path: 'data' }, dataDir: dir, runDir: dir, backend: 'reference' }),
      (e: any) => e.code === 'invalid-job' && e.message.includes('bomb.png is 10000x10000 pixels'));
    // A JPEG's size comes from its frame header.
    const big = Buffer.from(jpg(8, 8, () => [1, 2, 3]));
    const sof = big.indexOf(Buffer.from([0xff, 0xc0]));
    big.writeUInt16BE(9000, sof + 5);
    big.writeUInt16BE(9000, sof + 7);
    writeFileSync(bomb, Buffer.alloc(0));
    writeFileSync(join(dir, 'data', 'vertical', 'bomb.png'), png(4, 4, () => [0, 0, 0]));
    writeFileSync(join(dir, 'data', 'vertical', 'big.jpg'), big);
    assert.throws(() => scanFolder(join(dir, 'data'), [8, 8, 1], 2, 1), /big\.jpg is 9000x9000 pixels \(81\.0 megapixels\)/);
  });

  it('refuses an image file over the size limit, and anything that is not a regular file', () => {
    const dir = tempDir('cnn-folder-large-');
    writeStripes(dir, 2, 4);
    const large = join(dir, 'horizontal', 'large.png');
    writeFileSync(large, png(4, 4, () => [0, 0, 0]));
    truncateSync(large, MAX_IMAGE_FILE_BYTES + 1);
    assert.throws(() => scanFolder(dir, [8, 8, 1], 2, 1), /large\.png is 64\.0 MiB, more than the 64 MiB an image of the folder dataset may be/);
    truncateSync(large, 0);
    assert.throws(() => scanFolder(dir, [8, 8, 1], 2, 1), /cannot read .*large\.png: not a PNG file/);
    writeFileSync(large, png(4, 4, () => [0, 0, 0]));
    mkdirSync(join(dir, 'vertical', 'odd.png'));
    assert.throws(() => scanFolder(dir, [8, 8, 1], 2, 1), /odd\.png is not a regular file/);
  });

  it('counts the decoded dataset in the memory check: a folder too large for the memory a job may use is refused before decoding', async () => {
    const dir = tempDir('cnn-folder-memory-');
    writeStripes(join(dir, 'data'), 8, 5);
    const net = makeNetwork([64, 64, 3], [{ kind: 'globalavgpool' }, { kind: 'softmax', count: 2 }], 'memory');
    const listing = scanFolder(join(dir, 'data'), [64, 64, 3], 2, 1);
    // 16 images as floats at 64x64x3, plus the largest (20 to 39 pixels square) decoded as RGBA at 16 bits a channel.
    const floats = 16 * 64 * 64 * 3 * 4;
    assert.ok(listing.bytes >= floats + 20 * 20 * 8 && listing.bytes <= floats + 39 * 39 * 8, `${listing.bytes} bytes`);
    const network = trainingMemory(net, { batch: 2 }).totals.total;
    // A limit above what the network needs, below what it needs with its dataset.
    const limitMb = (network + listing.bytes / 2) / 1048576;
    const before = process.env.CNN_MEMORY_LIMIT_MB;
    process.env.CNN_MEMORY_LIMIT_MB = String(limitMb);
    try {
      await assert.rejects(train(net, { dataset: { kind: 'folder', path: 'data' }, dataDir: dir, runDir: dir, backend: 'reference', batch: 2 }),
        (e: any) => e.code === 'too-large' && /the dataset in memory is 0\.\d MiB of it/.test(e.message));
    } finally {
      if (before === undefined) delete process.env.CNN_MEMORY_LIMIT_MB;
      else process.env.CNN_MEMORY_LIMIT_MB = before;
    }
  });
});
