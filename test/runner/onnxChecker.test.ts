/**
 * The onnx package (Debian's python3-onnx, ONNX 1.12) judges every exported example and the
 * network with every layer kind: onnx.checker.check_model(full_check=True) passes, and
 * onnx.shape_inference, inferring on its own from the input, gives every tensor the shape the
 * exporter wrote in value_info (test/python/onnx_check.py). Without python3-onnx it skips with the
 * reason, except under CI, where it fails.
 */
import { describe, it } from 'node:test';
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

const found = findPython(['onnx'], 'Debian: python3-onnx');
const missing = 'missing' in found ? `missing ${found.missing}` : undefined;

describe('the onnx package checks every export: check_model(full_check=True), and its shape inference agrees with the value_info', { skip: !isCI() && missing }, () => {
  if (missing) it('python3 with onnx is there under CI', () => assert.fail(`CI is set and the onnx check cannot run: ${missing}`));
  const dir = tempDir('cnn-onnx-check-');
  for (const { name, network } of [{ name: 'every-kind', network: analyse(EVERY_KIND, 'every-kind') }, ...examples()]) {
    it(name, (t) => {
      if (!('python' in found)) return t.skip(missing);
      const plan = buildPlan(network);
      const file = join(dir, `${name.replace(/\.cnn$/, '')}.onnx`);
      writeFileSync(file, exportOnnx(plan, initialTensors(plan, 1)));
      try {
        const verdict = JSON.parse(execFileSync(found.python, [SCRIPT, file], { encoding: 'utf8', maxBuffer: 16 << 20 })) as Verdict;
        assert.deepEqual(verdict.problems, []);
        assert.ok(verdict.checked);
        assert.ok(verdict.tensors >= plan.steps.length, `${verdict.tensors} tensors compared for ${plan.steps.length} steps`);
        t.diagnostic(`checked; ${verdict.tensors} tensor shapes agree`);
      } finally {
        // One file at a time on disk: VGG16's is 553 MB.
        rmSync(file);
      }
    });
  }
});
