/**
 * Training throughput (samples/s) of this runner on LeNet-5 (32x32x1) and the coursework network
 * (227x227x3), batch 32, on each available backend; `npm run bench:train`.
 * Kept short for a shared 2-core machine: a warm-up step, then a few timed steps (the loss is read
 * back at the end, so the time includes all device work). BENCH_STEPS_SMALL / BENCH_STEPS_LARGE change the counts;
 * BENCH_BACKENDS=webgpu,reference picks backends.
 * TensorFlow.js is not a dependency; its figures below are the ones quoted in issue 4 (same kind of
 * machine, median of 3), shown as ratios for orientation, not measured by this script.
 */
import { DEFAULT_OPTIMIZER, type TrainingModel } from '../runner/src/backend';
import { initialTensors } from '../runner/src/init';
import { buildPlan } from '../runner/src/plan';
import { ReferenceModel } from '../runner/src/reference/model';
import { Rng } from '../runner/src/rng';
import { openWebGpu } from '../runner/src/webgpu/device';
import { WebGpuModel } from '../runner/src/webgpu/model';
import { courseworkNetwork, lenet5 } from '../test/runner/fixtures';

const QUOTED: Record<string, Record<string, number>> = {
  'lenet5': { 'tfjs-webgpu (lavapipe)': 86, 'tfjs-wasm (patched, 1 thread)': 700 },
  'alexnet-coursework': { 'tfjs-webgpu (lavapipe)': 0.45, 'tfjs-wasm (patched, 1 thread)': 1.8 },
};

async function measure(model: TrainingModel, inputSize: number, classes: number, batch: number, steps: number): Promise<number> {
  const rng = new Rng(1);
  const x = Float32Array.from({ length: batch * inputSize }, () => rng.normal());
  const labels = Int32Array.from({ length: batch }, () => rng.int(classes));
  model.trainStep(x, labels, batch, 0.001);
  await model.takeLosses();
  const start = performance.now();
  for (let s = 0; s < steps; s++) model.trainStep(x, labels, batch, 0.001);
  const losses = await model.takeLosses();
  const seconds = (performance.now() - start) / 1000;
  if (!losses.every(Number.isFinite)) throw new Error('non-finite loss in the benchmark');
  return (steps * batch) / seconds;
}

async function main(): Promise<void> {
  const backends = (process.env.BENCH_BACKENDS ?? 'webgpu,reference').split(',');
  const batch = 32;
  const nets = [
    { network: lenet5(), steps: Number(process.env.BENCH_STEPS_SMALL ?? 20) },
    { network: courseworkNetwork(), steps: Number(process.env.BENCH_STEPS_LARGE ?? 2) },
  ];
  const rows: string[] = [];
  for (const { network, steps } of nets) {
    const plan = buildPlan(network);
    const { params, state } = initialTensors(plan, 1);
    const options = { optimizer: DEFAULT_OPTIMIZER, seed: 1 };
    for (const backend of backends) {
      let model: TrainingModel;
      let adapter = 'TypeScript, one thread';
      if (backend === 'webgpu') {
        const opened = await openWebGpu();
        if (!opened.device) { rows.push(`${plan.name}\twebgpu\tskipped: ${opened.reason}`); continue; }
        adapter = opened.info.adapter;
        model = await WebGpuModel.create(opened.device, plan, params, state, options, batch);
      } else {
        model = new ReferenceModel(plan, params, state, options);
      }
      // The reference backend needs about a minute per coursework step: one timed step there.
      const n = backend === 'reference' && plan.inputSize > 100000 ? 1 : steps;
      const rate = await measure(model, plan.inputSize, plan.classes, batch, n);
      model.dispose();
      const ratios = Object.entries(QUOTED[plan.name] ?? {}).map(([name, v]) => `${(rate / v).toFixed(2)}x ${name} (${v}, quoted)`).join('; ');
      const row = `${plan.name}\t${backend}\t${rate.toFixed(2)} samples/s\t(${n} steps of ${batch}; ${adapter})\t${ratios}`;
      console.log(row);
      rows.push(row);
    }
  }
  console.log(`\n${rows.join('\n')}`);
  process.exit(0);
}

void main();
