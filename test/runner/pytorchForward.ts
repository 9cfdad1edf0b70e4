/**
 * The check every PyTorch forward-pass test shares: an export's model.py against the runner's cpu
 * forward pass (test/runner/pytorchExamples.test.ts, pytorchLargeExamples.test.ts).
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { DEFAULT_OPTIMIZER } from '../../runner/src/backend';
import { createModel } from '../../runner/src/backends';
import { exportPytorch } from '../../runner/src/export/pytorch';
import { initialTensors } from '../../runner/src/init';
import { Rng } from '../../runner/src/rng';
import { decodeSafetensors, encodeSafetensors } from '../../runner/src/safetensors';
import { isCI } from '../../scripts/lib/ci.mjs';
import { findPython } from '../python';
import { tempDir } from '../tempDir';

const found = findPython(['torch'], 'Debian: python3-torch');

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${err.slice(-4000)}`))));
  });
}

/**
 * model.py with the runner's initial weights (or, with `randomise`, every tensor drawn at random:
 * slopes, batchnorm scales and running statistics too) against the runner's cpu forward pass.
 */
export async function checkForward(t: TestContext, network: Network, randomise = false): Promise<void> {
  if ('missing' in found) {
    if (isCI()) assert.fail(`CI is set and the PyTorch check cannot run: missing ${found.missing}`);
    return t.skip(`missing ${found.missing}`);
  }
  const dir = tempDir('cnn-pytorch-fwd-');
  const { plan, settings } = exportPytorch(network, { outDir: dir, dataDir: 'examples', noData: true });
  const batch = randomise ? 3 : 1;
  const rng = new Rng(7, 1);
  const x = new Float32Array(batch * plan.inputSize).map(() => rng.normal());
  writeFileSync(join(dir, 'input.safetensors'), encodeSafetensors([{ name: 'x', shape: [batch, plan.inputSize], data: x }]));
  const { params, state } = initialTensors(plan, settings.seed);
  if (randomise) {
    for (const p of params) p.data = p.data.map(() => rng.normal() * 0.5);
    for (const s of state) s.data = s.data.map(() => (s.name.endsWith('running_var') ? 0.5 + Math.abs(rng.normal()) : rng.normal()));
    writeFileSync(join(dir, 'weights.safetensors'), encodeSafetensors([...params, ...state]));
  }
  const { model } = await createModel('cpu', plan, params, state, { optimizer: DEFAULT_OPTIMIZER, seed: 0 }, batch);
  let ours: Float32Array;
  try {
    ours = (await model.predict(x, batch)).slice(0, batch * plan.classes);
  } finally {
    model.dispose();
  }
  await run(found.python, ['test/python/pytorch_export_check.py', 'forward', dir, join(dir, 'input.safetensors'), join(dir, 'probs.safetensors')]);
  const theirs = decodeSafetensors(readFileSync(join(dir, 'probs.safetensors'))).tensors[0].data;
  assert.equal(theirs.length, ours.length);
  const scale = Math.max(...ours.map(Math.abs));
  const worst = ours.reduce((w, v, i) => Math.max(w, Math.abs(v - theirs[i])), 0);
  assert.ok(worst <= 1e-4 * scale, `largest difference ${worst} in probabilities up to ${scale}`);
}


/** The examples, each analysed, with their parameter counts. */
export function examples(): { name: string; network: Network }[] {
  return readdirSync('examples').filter((f) => f.endsWith('.cnn')).sort()
    .map((name) => ({ name, network: analyzeText(readFileSync(join('examples', name), 'utf8')).network }));
}

/** Above this many parameters an example's check gets a file (and a 10-minute budget) of its own. */
export const LARGE_EXAMPLE_PARAMS = 100_000_000;
