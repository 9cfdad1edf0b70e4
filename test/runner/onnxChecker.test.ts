/**
 * The onnx package (Debian's python3-onnx, ONNX 1.12) judges every exported example and the
 * network with every layer kind: onnx.checker.check_model(full_check=True) passes, and
 * onnx.shape_inference, inferring on its own from the input, gives every tensor the shape the
 * exporter wrote in value_info (test/python/onnx_check.py). Without python3-onnx it skips with the
 * reason, except under CI, where it fails.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCI } from '../../scripts/lib/ci.mjs';
import { exportOnnx } from '../../runner/src/export/onnx';
import { initialTensors } from '../../runner/src/init';
import { buildPlan } from '../../runner/src/plan';
import { findPython } from '../python';
import { tempDir } from '../tempDir';
import { analyse, EVERY_KIND, examples } from './onnxExportFixtures';

const SCRIPT = join(__dirname, '..', 'python', 'onnx_check.py');

interface Verdict {
  file: string;
  checked: boolean;
  tensors: number;
  problems: string[];
}

test('every exported example passes onnx\'s full check, and its shape inference agrees with the value_info', { timeout: 900_000 }, (t: TestContext) => {
  const found = findPython(['onnx'], 'Debian: python3-onnx');
  if ('missing' in found) {
    if (isCI()) assert.fail(`CI is set and the onnx check cannot run: missing ${found.missing}`);
    return t.skip(`missing ${found.missing}`);
  }
  const dir = tempDir('cnn-onnx-check-');
  const networks = [{ name: 'every-kind', network: analyse(EVERY_KIND, 'every-kind') }, ...examples()];
  for (const { name, network } of networks) {
    const plan = buildPlan(network);
    const file = join(dir, `${name.replace(/\.cnn$/, '')}.onnx`);
    writeFileSync(file, exportOnnx(plan, initialTensors(plan, 1)));
    // One file at a time: VGG16's is 553 MB.
    const verdict = JSON.parse(execFileSync(found.python, [SCRIPT, file], { encoding: 'utf8', maxBuffer: 16 << 20 })) as Verdict;
    rmSync(file);
    assert.deepEqual(verdict.problems, [], name);
    assert.ok(verdict.checked, name);
    assert.ok(verdict.tensors >= plan.steps.length, `${name}: ${verdict.tensors} tensors compared for ${plan.steps.length} steps`);
    t.diagnostic(`${name}: checked; ${verdict.tensors} tensor shapes agree`);
  }
});
