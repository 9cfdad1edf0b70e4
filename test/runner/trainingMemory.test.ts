/**
 * The training-memory estimate (server/src/language/trainingMemory.ts) against the bytes the
 * runner really holds after a training step of the same network at the same batch: every typed
 * array the model keeps (outputs, saved tensors, gradients, columns, weights, optimiser state)
 * and the batch it was given, counted once each. Three example networks at two batch sizes on the
 * cpu backend (its native kernels when built), one on the reference backend, one with Adam.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';
import { trainingMemory, type MemoryBackend } from '../../server/src/language/trainingMemory';
import { DEFAULT_OPTIMIZER, type OptimizerSettings } from '../../runner/src/backend';
import { CpuModel } from '../../runner/src/cpu/model';
import { initialTensors } from '../../runner/src/init';
import { heldBytes, largestPlanBuffer, largestWebGpuBuffer } from '../../runner/src/memory';
import { EVERY_KIND, analyse, examples } from './onnxExportFixtures';
import { buildPlan } from '../../runner/src/plan';
import { ReferenceModel } from '../../runner/src/reference/model';

function held(file: string, batch: number, backend: MemoryBackend, optimizer: OptimizerSettings): { estimate: number; runner: number } {
  const network = analyzeText(readFileSync(`examples/${file}`, 'utf8')).network;
  const plan = buildPlan(network);
  const { params, state } = initialTensors(plan, 3);
  const options = { optimizer, seed: 3 };
  const model = backend === 'cpu' ? new CpuModel(plan, params, state, options) : new ReferenceModel(plan, params, state, options);
  const x = new Float32Array(batch * plan.inputSize).map((_, i) => Math.sin(i));
  const labels = new Int32Array(batch).map((_, i) => i % plan.classes);
  model.trainStep(x, labels, batch, 0.001);
  const estimate = trainingMemory(network, { batch, backend, optimizer: optimizer.kind }).totals.total;
  return { estimate, runner: heldBytes(model, x) };
}

function assertWithin(file: string, batch: number, backend: MemoryBackend, optimizer = DEFAULT_OPTIMIZER): void {
  const { estimate, runner } = held(file, batch, backend, optimizer);
  const off = estimate / runner - 1;
  assert.ok(Math.abs(off) <= 0.1, `${file} at batch ${batch} (${backend}, ${optimizer.kind}): estimate ${estimate} bytes, the runner holds ${runner} (${(off * 100).toFixed(1)}%)`);
}

describe('training memory: the estimate against what the runner holds', () => {
  for (const file of ['lenet5.cnn', 'resnet20.cnn', 'alexnet-coursework.cnn']) {
    for (const batch of [2, 8]) {
      it(`${file} at batch ${batch}, cpu backend, SGD with momentum`, () => assertWithin(file, batch, 'cpu'));
    }
  }
  it('resnet20.cnn at batch 4 on the reference backend', () => assertWithin('resnet20.cnn', 4, 'reference'));
  it('lenet5.cnn at batch 8 with Adam (two moments a weight)', () => assertWithin('lenet5.cnn', 8, 'cpu', { ...DEFAULT_OPTIMIZER, kind: 'adam' }));
});

describe('the largest WebGPU buffer, from the network as the editor works it out and from the plan as the runner does', () => {
  it('names the same buffer of the same size on every example and every layer kind, at batches 1, 8 and 256', () => {
    const networks = [...examples(), { name: 'every-kind', network: analyse(EVERY_KIND, 'every-kind') }];
    const kinds = new Set<string>();
    for (const { name, network } of networks) {
      const plan = buildPlan(network);
      for (const batch of [1, 8, 256]) {
        const planned = largestPlanBuffer(plan, batch);
        assert.deepEqual(largestWebGpuBuffer(network, batch), planned, `${name} at batch ${batch}`);
        kinds.add(planned.name.endsWith(' output') ? 'output' : planned.name === 'input batch' ? 'input' : 'tensor');
      }
    }
    // Both sides of the rule are exercised: a weight tensor (VGG16's fc6 at batch 1) and outputs.
    assert.ok(kinds.has('output') && kinds.has('tensor'), [...kinds].join(', '));
  });
});
