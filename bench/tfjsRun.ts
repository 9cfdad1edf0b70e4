/**
 * Child process of `npm run bench:train`: times one TensorFlow.js backend on one of the benchmark
 * networks and prints JSON lines: {label, rate} per timing, then {label, check, rates, median, steps}, or {error}. A process per
 * measurement, so that a backend that crashes, hangs or leaks cannot take the others with it.
 * Runs bundled (bench/train.bench.ts writes node_modules/.cache/cnn-bench/tfjsRun.cjs): under tsx,
 * tfjs-core loads its CommonJS build, which registers no gradients.
 * Usage: node node_modules/.cache/cnn-bench/tfjsRun.cjs webgpu|wasm lenet5|alexnet-coursework STEPS RUNS
 */
import { DEFAULT_OPTIMIZER } from '../runner/src/backend';
import { buildPlan } from '../runner/src/plan';
import { courseworkNetwork, lenet5 } from '../test/runner/fixtures';
import { buildTfjsModel, checkPatchedKernel, setupTfjs, timeTfjs, type TfjsBackend } from './tfjsModels';

const BATCH = 32;
const LR = 0.001;

async function main(): Promise<void> {
  const [backend, net, steps, runs] = process.argv.slice(2);
  if (backend !== 'webgpu' && backend !== 'wasm') throw new Error(`unknown tfjs backend ${backend}`);
  const network = net === 'lenet5' ? lenet5() : net === 'alexnet-coursework' ? courseworkNetwork() : undefined;
  if (!network) throw new Error(`unknown network ${net}`);
  const { tf, label } = await setupTfjs(backend as TfjsBackend);
  let check: number | undefined;
  if (backend === 'wasm') {
    // The patched kernel must agree with tfjs-backend-cpu's before its timings mean anything.
    check = await checkPatchedKernel(tf);
    if (!(check < 1e-5)) throw new Error(`the patched Conv2DBackpropFilter differs from tfjs-backend-cpu's by ${check}`);
  }
  const model = buildTfjsModel(tf, buildPlan(network), BATCH, LR, DEFAULT_OPTIMIZER);
  // One line per timing as it completes, so that a parent that stops this process keeps what it got.
  const timing = await timeTfjs(model, BATCH, Number(steps), Number(runs), (rate) => console.log(JSON.stringify({ label, rate })));
  model.dispose();
  console.log(JSON.stringify({ label, check, ...timing }));
}

main().then(() => process.exit(0), (error: unknown) => {
  const message = error instanceof Error ? error.message : typeof error === 'object' ? JSON.stringify(error) : String(error);
  console.log(JSON.stringify({ error: message.split('\n')[0] }));
  process.exit(1);
});
