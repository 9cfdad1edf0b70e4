/**
 * The timings the unit tests used to assert, where a loaded machine broke them: how long a small
 * network takes to learn `shapes` on the reference backend (the unit test asserted < 20 s), and how
 * long after job/cancel the runner answers job/done (the unit tests asserted < 1 s). Reports the
 * numbers and their targets; `npm run bench:responsiveness`. Not part of `npm test`.
 *   BENCH_RUNS (cancels to time, 5).
 */
import { loadavg } from 'node:os';
import { train } from '../runner/src/train';
import { makeNetwork, smallShapesNetwork } from '../test/runner/fixtures';
import { startRunner } from '../test/runner/runnerClient';
import { tempDir } from '../test/tempDir';
import { median } from './tfjsModels';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const runDir = tempDir('cnn-bench-responsiveness-');

const small = smallShapesNetwork;

const tiny = () => makeNetwork([12, 12, 1], [
  { kind: 'conv', count: 4, kernel: 3 }, { kind: 'maxpool', kernel: 2 }, { kind: 'fc', count: 16 }, { kind: 'softmax', count: 4 },
], 'tiny');

async function main(): Promise<void> {
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const started = performance.now();
  const result = await train(small(), { backend: 'reference', epochs: 6, batch: 16, lr: 0.02, trainSamples: 640, valSamples: 200, runDir });
  const seconds = (performance.now() - started) / 1000;
  console.log(`small network, 6 epochs of 640 samples (reference): ${seconds.toFixed(1)} s (target < 20 s), top-1 error ${(100 * result.epochs.at(-1)!.top1Error).toFixed(1)}%`);

  const runner = startRunner();
  try {
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { jobId }: any = await runner.connection.sendRequest('job/start', {
        network: tiny(), settings: { backend: 'reference', epochs: 1000, batch: 16, trainSamples: 128, valSamples: 32, runDir },
      });
      await runner.waitFor('job/epoch', (p) => p.jobId === jobId && p.epoch === 2, 60000);
      const asked = performance.now();
      await runner.connection.sendRequest('job/cancel', { jobId });
      await runner.waitFor('job/done', (p) => p.jobId === jobId, 30000);
      latencies.push(performance.now() - asked);
    }
    console.log(`job/cancel to job/done: median ${median(latencies).toFixed(0)} ms, worst ${Math.max(...latencies).toFixed(0)} ms over ${RUNS} (target < 1000 ms)`);
  } finally {
    await runner.close();
  }
}

void main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
