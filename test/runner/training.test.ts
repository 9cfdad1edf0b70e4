/**
 * Training end to end on the reference backend: a small network learns `shapes`, runs are
 * reproducible, the run folder's weights file is real safetensors, and the plan refuses bad networks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors } from '../../runner/src/safetensors';
import { ShapesDataset } from '../../runner/src/data/shapes';
import { buildPlan, PlanError } from '../../runner/src/plan';
import { train } from '../../runner/src/train';
import { makeNetwork, smallShapesNetwork } from './fixtures';
import { tempDir } from '../tempDir';

const runDir = tempDir('cnn-train-test-');

const small = smallShapesNetwork;

describe('training on shapes (reference backend)', () => {
  // How long it takes is measured by bench/responsiveness.bench.ts; a loaded machine must not fail this.
  it('a small network reaches a low error', async () => {
    const result = await train(small(), { backend: 'reference', epochs: 6, batch: 16, lr: 0.02, trainSamples: 640, valSamples: 200, runDir });
    const last = result.epochs.at(-1)!;
    // 4 classes: chance is 75% top-1 error.
    assert.ok(last.top1Error < 0.15, `top-1 error ${last.top1Error} after ${result.epochs.length} epochs`);
    assert.ok(last.trainLoss < result.epochs[0].trainLoss, 'training loss falls');
    assert.equal(last.top5Error, 0, 'with 4 classes the true class is always in the top 5');
  });

  it('the same seed gives the same run; weights land in a real safetensors file', async () => {
    const settings = { backend: 'reference' as const, epochs: 1, batch: 8, trainSamples: 64, valSamples: 16, runDir, seed: 9 };
    const a = await train(small(), settings);
    const b = await train(small(), settings);
    assert.notEqual(a.runDir, b.runDir);
    assert.deepEqual(a.epochs.map((e) => [e.trainLoss, e.valLoss]), b.epochs.map((e) => [e.trainLoss, e.valLoss]));
    const file = readFileSync(join(a.runDir, 'weights.safetensors'));
    // Format by hand: 8-byte little-endian header length, JSON header, data.
    const headerLength = Number(file.readBigUInt64LE(0));
    const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
    assert.deepEqual(header['c1.weight'], { dtype: 'F32', shape: [8, 3, 3, 1], data_offsets: header['c1.weight'].data_offsets });
    assert.deepEqual(header['c2.slope'].shape, [16]);
    const ends = Object.entries(header).filter(([k]) => k !== '__metadata__').map(([, v]: [string, any]) => v.data_offsets[1]);
    assert.equal(8 + headerLength + Math.max(...ends), file.length);
    const same = decodeSafetensors(readFileSync(join(b.runDir, 'weights.safetensors')));
    const mine = decodeSafetensors(file);
    assert.deepEqual(mine.tensors.map((t) => t.name), same.tensors.map((t) => t.name));
    assert.deepEqual(mine.tensors[0].data, same.tensors[0].data);
    // The slopes were trained (not stuck at 0.25) and the first bias moved from 0.
    assert.ok(mine.tensors.find((t) => t.name === 'c2.slope')!.data.some((v) => v !== 0.25));
    assert.ok(mine.tensors.find((t) => t.name === 'c1.bias')!.data.some((v) => v !== 0));
    const settingsFile = JSON.parse(readFileSync(join(a.runDir, 'settings.json'), 'utf8'));
    assert.equal(settingsFile.seed, 9);
  });

  it('shapes: deterministic by seed, every class present, values centred', () => {
    const data = new ShapesDataset([24, 24, 3], 1000, 5);
    assert.equal(data.classes, 10);
    const a = new Float32Array(24 * 24 * 3), b = new Float32Array(24 * 24 * 3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(data.sample('train', i, a, 0));
    assert.equal(seen.size, 10);
    const la = data.sample('val', 3, a, 0), lb = new ShapesDataset([24, 24, 3], 1000, 5).sample('val', 3, b, 0);
    assert.equal(la, lb);
    assert.deepEqual(a, b);
    new ShapesDataset([24, 24, 3], 1000, 6).sample('val', 3, b, 0);
    assert.notDeepEqual(a, b);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean) < 0.5);
  });

  it('the plan refuses what it cannot train, saying why', () => {
    const noSoftmax = makeNetwork([8, 8, 1], [{ kind: 'conv', count: 2, kernel: 3 }]);
    assert.throws(() => buildPlan(noSoftmax), (e: Error) => e instanceof PlanError && /softmax layer last/.test(e.message));
    const withError = small();
    withError.diagnostics.push({ line: 3, column: 1, endLine: 3, endColumn: 4, severity: 'error', code: 'x', message: 'kernel larger than input' });
    assert.throws(() => buildPlan(withError), /line 3: kernel larger than input/);
    const broken = small();
    broken.layers[2].input = [3, 3, 3];
    assert.throws(() => buildPlan(broken), /does not match the previous output/);
    assert.throws(() => buildPlan({} as never), /no network/);
  });
});
