/**
 * Training throughput (samples/s and achieved GFLOP/s) of this runner against PyTorch on the CPU and
 * TensorFlow.js 4.22, measured on this machine:
 * LeNet-5 (32x32x1) and the coursework network (227x227x3), batch 32, SGD with momentum 0.9 and
 * weight decay 0.0005; `npm run bench:train`. Not part of `npm test`.
 *
 * Contenders: this runner's `cpu` backend (OpenBLAS), `webgpu` backend (and `reference`, plain TypeScript);
 * PyTorch on the CPU (bench/torch_bench.py under Debian's python3 with `python3-torch`, when installed,
 * with as many threads as the runner's OpenBLAS: one per core); tfjs-backend-webgpu
 * on the same Dawn adapter (npm `webgpu`, Vulkan), and tfjs-backend-wasm (SIMD, one thread, with a
 * Conv2DBackpropFilter kernel patched in: stock 4.22 has none). The tfjs networks are built from the
 * same plan in bench/tfjsModels.ts and run bundled (esbuild) in a child process each, with a time limit.
 *
 * Each measurement: one warm-up step, then 3 timings of N steps, each ending with the loss read back;
 * the median is reported. Kept short for a shared 2-core machine: about 7 minutes when it is quiet,
 * 10 under a load average of 8, most of it tfjs-webgpu on the coursework network (a warm-up step of
 * minutes, shader compilation included, then 1-3 minutes a step), which the time limit cuts short
 * when the machine is busy. Settings:
 *   BENCH_STEPS_SMALL (LeNet-5 steps per timing, 20), BENCH_STEPS_LARGE (coursework, 1), BENCH_RUNS (3),
 *   BENCH_BACKENDS (cpu,webgpu,reference,pytorch,tfjs-wasm,tfjs-webgpu), BENCH_NETS (lenet5,alexnet-coursework),
 *   BENCH_DOCS=0 (do not write the table into docs/benchmarks.md), BENCH_PYTHON (python3 with torch),
 *   BENCH_TORCH_BLAS_THREADS (OPENBLAS_NUM_THREADS for PyTorch, 1: it threads itself),
 *   BENCH_REFERENCE_LARGE=1 (also time the reference backend on the coursework network: a minute a step),
 *   BENCH_TIMEOUT_S (limit per tfjs measurement, 300; the timings finished by then are kept and counted).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DEFAULT_OPTIMIZER, type TrainingModel } from '../runner/src/backend';
import { initialTensors } from '../runner/src/init';
import { cores, cpuKernels } from '../runner/src/cpu/kernels';
import { CpuModel } from '../runner/src/cpu/model';
import { buildPlan, type Plan } from '../runner/src/plan';
import { ReferenceModel } from '../runner/src/reference/model';
import { Rng } from '../runner/src/rng';
import { openWebGpu } from '../runner/src/webgpu/device';
import { WebGpuModel } from '../runner/src/webgpu/model';
import { courseworkNetwork, lenet5 } from '../test/runner/fixtures';
import { median } from './tfjsModels';

const BATCH = 32;
const LR = 0.001;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Result {
  network: string;
  contender: string;
  /** Median samples/s, or undefined with the reason. */
  rate?: number;
  rates?: number[];
  steps?: number;
  detail: string;
}

const load = () => loadavg().map((v) => v.toFixed(2)).join(', ');

/** Multiply-adds of one sample's forward pass (conv and fc; the rest is small beside them). */
function forwardMacs(plan: Plan): number {
  let macs = 0;
  for (const s of plan.steps) {
    if (s.kind === 'conv') macs += s.outSize * s.kernel[0] * s.kernel[1] * ((s.inShape[2] ?? 1) / s.groups);
    else if (s.kind === 'fc') macs += s.inSize * s.units;
  }
  return macs;
}

/** GFLOP/s of training at a rate: forward, input gradient and weight gradient, 2 FLOP a multiply-add. */
const gflops = (plan: Plan, rate: number | undefined) => (rate === undefined ? undefined : (rate * 3 * forwardMacs(plan) * 2) / 1e9);

/** A python3 that imports torch (Debian's python3-torch), or why there is none. */
function torchPython(): { python?: string; why: string } {
  for (const python of [process.env.BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[]) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, why: '' };
  }
  return { why: 'no python3 with torch (Debian: apt-get install python3-torch)' };
}

/** PyTorch on the CPU with `threads` threads, the same protocol (bench/torch_bench.py), in a child process with a time limit. */
function runTorch(python: string, network: string, steps: number, threads: number, timeoutS: number): Promise<Omit<Result, 'network' | 'contender'>> {
  const which = network === 'lenet5' ? 'lenet5' : 'coursework';
  return new Promise((resolve) => {
    // Debian's torch calls the system BLAS; with OpenBLAS installed (the cpu backend needs it) that BLAS
    // would start its own threads inside torch's OpenMP ones: 204 instead of 3,122 samples/s on LeNet-5 here.
    // torch threads itself, so its BLAS gets one (BENCH_TORCH_BLAS_THREADS to change).
    const env = { ...process.env, OPENBLAS_NUM_THREADS: process.env.BENCH_TORCH_BLAS_THREADS ?? '1' };
    const child = spawn(python, ['bench/torch_bench.py', which, String(threads), String(steps), String(steps), String(RUNS)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) { resolve({ detail: `not measured: exited with ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}` }); return; }
      const r = JSON.parse(line) as { contender: string; threads: number; samples_per_s: number; timings: number[] };
      resolve({ rate: r.samples_per_s, rates: r.timings, steps, detail: `${r.contender}, ${r.threads} threads` });
    });
  });
}

/** Warm-up step, then RUNS timings of `steps` steps; every timing reads the losses back. */
async function measureRunner(model: TrainingModel, inputSize: number, classes: number, steps: number, runs: number): Promise<number[]> {
  const rng = new Rng(1);
  const x = Float32Array.from({ length: BATCH * inputSize }, () => rng.normal());
  const labels = Int32Array.from({ length: BATCH }, () => rng.int(classes));
  model.trainStep(x, labels, BATCH, LR);
  await model.takeLosses();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let s = 0; s < steps; s++) model.trainStep(x, labels, BATCH, LR);
    const losses = await model.takeLosses();
    rates.push((steps * BATCH) / ((performance.now() - start) / 1000));
    if (!losses.every(Number.isFinite)) throw new Error('non-finite loss in the benchmark');
  }
  return rates;
}

/** Bundles bench/tfjsRun.ts (tfjs-core's Node entry registers no gradients; its ESM build needs bundling). */
async function bundleTfjs(): Promise<string> {
  const dir = join('node_modules', '.cache', 'cnn-bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'tfjsRun.cjs');
  await build({
    entryPoints: ['bench/tfjsRun.ts'], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    mainFields: ['module', 'main'], external: ['webgpu'], outfile, logLevel: 'error',
  });
  return outfile;
}

interface ChildLine { label?: string; rate?: number; rates?: number[]; median?: number; steps?: number; check?: number; error?: string }

/** Runs one tfjs measurement in a child process with a time limit; keeps the timings it finished. */
function runTfjs(bundle: string, backend: string, network: string, steps: number, timeoutS: number): Promise<Omit<Result, 'network' | 'contender'>> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, backend, network, String(steps), String(RUNS)], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODEVICE_SELECT: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines: ChildLine[] = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as ChildLine);
      const final = lines.find((l) => l.median !== undefined);
      const failed = lines.find((l) => l.error !== undefined);
      const label = lines.find((l) => l.label)?.label ?? backend;
      if (final) {
        const check = final.check !== undefined ? `; patched kernel agrees with tfjs-backend-cpu to ${final.check.toExponential(1)}` : '';
        resolve({ rate: final.median, rates: final.rates, steps: final.steps, detail: `${label}${check}` });
        return;
      }
      const partial = lines.filter((l) => l.rate !== undefined).map((l) => l.rate!);
      const why = failed?.error
        ?? (timedOut ? `stopped after the ${timeoutS} s limit (BENCH_TIMEOUT_S)` : `exited with ${signal ?? code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
      if (partial.length) {
        resolve({ rate: median(partial), rates: partial, steps, detail: `${label}; only ${partial.length} of ${RUNS} timings: ${why}` });
      } else {
        resolve({ detail: `not measured: ${why}` });
      }
    });
  });
}

function fmt(rate: number | undefined): string {
  if (rate === undefined) return '-';
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

async function main(): Promise<void> {
  const backends = (process.env.BENCH_BACKENDS ?? 'cpu,webgpu,reference,pytorch,tfjs-wasm,tfjs-webgpu').split(',');
  const wantNets = (process.env.BENCH_NETS ?? 'lenet5,alexnet-coursework').split(',');
  const timeoutS = Number(process.env.BENCH_TIMEOUT_S ?? 300);
  const nets = [
    { network: lenet5(), steps: Number(process.env.BENCH_STEPS_SMALL ?? 20) },
    { network: courseworkNetwork(), steps: Number(process.env.BENCH_STEPS_LARGE ?? 1) },
  ].filter((n) => wantNets.includes(n.network.network ?? ''));
  const started = new Date();
  const startLoad = load();
  console.log(`bench:train ${started.toISOString()}, Node ${process.version}, ${cpus().length} CPUs, load average ${load()}`);
  console.log(`batch ${BATCH}, SGD lr ${LR} momentum ${DEFAULT_OPTIMIZER.momentum} weight decay ${DEFAULT_OPTIMIZER.weightDecay}; `
    + `1 warm-up step, then median of ${RUNS} timings\n`);
  const bundle = backends.some((b) => b.startsWith('tfjs-')) ? await bundleTfjs() : '';
  const results: Result[] = [];
  const report = (r: Result) => {
    results.push(r);
    const how = r.rates ? `median of ${r.rates.map(fmt).join(', ')} (${r.steps} step${r.steps === 1 ? '' : 's'} of ${BATCH} each)` : '';
    console.log(`${r.network}\t${r.contender}\t${r.rate === undefined ? '-' : `${fmt(r.rate)} samples/s`}\t${how}\t${r.detail}`);
  };

  for (const { network, steps } of nets) {
    const plan = buildPlan(network);
    const { params, state } = initialTensors(plan, 1);
    const options = { optimizer: DEFAULT_OPTIMIZER, seed: 1 };
    for (const backend of backends) {
      const base = { network: plan.name, contender: backend === 'webgpu' || backend === 'reference' || backend === 'cpu' ? `runner ${backend}` : backend };
      try {
        if (backend === 'cpu') {
          const { kernels, native, reason } = cpuKernels();
          const model = new CpuModel(plan, params, state, options, kernels);
          const rates = await measureRunner(model, plan.inputSize, plan.classes, steps, RUNS);
          model.dispose();
          report({ ...base, rate: median(rates), rates, steps, detail: native ? kernels.description : `TypeScript kernels: ${reason}` });
        } else if (backend === 'pytorch') {
          const { python, why } = torchPython();
          if (!python) { report({ ...base, detail: `not measured: ${why}` }); continue; }
          report({ ...base, ...(await runTorch(python, plan.name, steps, cores(), timeoutS)) });
        } else if (backend === 'webgpu') {
          const opened = await openWebGpu();
          if (!opened.device) { report({ ...base, detail: `not measured: ${opened.reason}` }); continue; }
          const model = await WebGpuModel.create(opened.device, plan, params, state, options, BATCH);
          const rates = await measureRunner(model, plan.inputSize, plan.classes, steps, RUNS);
          model.dispose();
          report({ ...base, rate: median(rates), rates, steps, detail: opened.info.adapter });
        } else if (backend === 'reference') {
          if (plan.inputSize > 100000 && process.env.BENCH_REFERENCE_LARGE !== '1') {
            report({ ...base, detail: 'not measured: about a minute a step here (BENCH_REFERENCE_LARGE=1 times one step)' });
            continue;
          }
          const model = new ReferenceModel(plan, params, state, options);
          const big = plan.inputSize > 100000;
          const rates = await measureRunner(model, plan.inputSize, plan.classes, big ? 1 : steps, big ? 1 : RUNS);
          model.dispose();
          report({ ...base, rate: median(rates), rates, steps: big ? 1 : steps, detail: 'TypeScript, one thread' });
        } else if (backend === 'tfjs-webgpu' || backend === 'tfjs-wasm') {
          report({ ...base, ...(await runTfjs(bundle, backend.slice(5), plan.name, steps, timeoutS)) });
        } else {
          report({ ...base, detail: `not measured: unknown backend (cpu, webgpu, reference, pytorch, tfjs-webgpu, tfjs-wasm)` });
        }
      } catch (error) {
        report({ ...base, detail: `not measured: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  }

  const minutes = ((Date.now() - started.getTime()) / 60000).toFixed(1);
  const endLoad = load();
  const lines: string[] = [];
  lines.push(`Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim()}), `
    + `batch ${BATCH}, ${minutes} min; load average (1, 5, 15 min) ${startLoad} at the start, ${endLoad} at the end. `
    + `samples/s: median of ${RUNS} timings unless said; GFLOP/s: samples/s x 3 x forward multiply-adds x 2.`, '');
  lines.push('| network | contender | samples/s | GFLOP/s | the timings | best runner backend / this |');
  lines.push('|---|---|---:|---:|---|---:|');
  for (const r of results) {
    const plan = buildPlan(r.network === 'lenet5' ? lenet5() : courseworkNetwork());
    const best = Math.max(...results.filter((o) => o.network === r.network && o.contender.startsWith('runner ') && o.rate !== undefined).map((o) => o.rate!));
    const ratio = Number.isFinite(best) && r.rate !== undefined && !r.contender.startsWith('runner ') ? `${(best / r.rate).toFixed(2)}x` : '';
    const partial = r.rates && r.rates.length < RUNS ? ` (${r.rates.length} of ${RUNS} timings)` : '';
    const g = gflops(plan, r.rate);
    lines.push(`| ${r.network} | ${r.contender} | ${r.rate === undefined ? r.detail : fmt(r.rate) + partial} | ${g === undefined ? '' : g.toFixed(g >= 10 ? 1 : 2)} | ${r.rates ? r.rates.map(fmt).join(', ') : ''} | ${ratio} |`);
  }
  lines.push('', 'Contenders in detail:', '');
  for (const r of results) if (r.rate !== undefined) lines.push(`- ${r.network}, ${r.contender}: ${r.detail}`);
  const table = lines.join('\n');
  console.log(`\n${table}\n`);
  if (process.env.BENCH_DOCS !== '0') {
    const doc = 'docs/benchmarks.md';
    const text = readFileSync(doc, 'utf8');
    const begin = '<!-- bench:train latest -->', end = '<!-- /bench:train latest -->';
    const block = `${begin}\n${table}\n${end}`;
    const at = text.indexOf(begin), until = text.indexOf(end);
    writeFileSync(doc, at >= 0 && until > at ? text.slice(0, at) + block + text.slice(until + end.length) : `${text.trimEnd()}\n\n## Latest run (written by npm run bench:train)\n\n${block}\n`);
    console.log(`table written to ${doc}`);
  }
  process.exit(0);
}

void main();
