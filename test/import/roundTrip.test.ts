/**
 * Export then import: every example written to ONNX by `cnn export` (runner/src/export/onnx.ts)
 * and imported back gives the same table, layer for layer: full names, kinds, shapes, parameters
 * and activations; and so does the export tests' network with every layer kind and activation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { importModel } from '../../server/src/import/importModel';
import { initialTensors } from '../../runner/src/init';
import { buildPlan } from '../../runner/src/plan';
import { exportOnnx } from '../../runner/src/export/onnx';
import { EVERY_KIND } from '../runner/onnxExportFixtures';

const ROOT = join(__dirname, '..', '..');

const row = (l: Network['layers'][number]) => ({ name: l.name, kind: l.kind, output: l.output, params: l.params, act: l.act, inputs: l.inputs });

test('every example exported to ONNX and imported back has the same table', () => {
  const sources: [string, string][] = readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.cnn'))
    .map((f) => [f, readFileSync(join(ROOT, 'examples', f), 'utf8')]);
  sources.push(['every-kind.cnn', EVERY_KIND]);
  for (const [name, text] of sources) {
    const network = analyzeText(text).network;
    const plan = buildPlan(network);
    const result = importModel(exportOnnx(plan, initialTensors(plan, 1)), name.replace(/\.cnn$/, '.onnx'));
    assert.deepEqual(result.refused, [], name);
    const back = analyzeText(result.text!).network;
    assert.deepEqual(back.diagnostics.filter((d) => d.severity === 'error'), [], name);
    assert.deepEqual(back.layers.map(row), network.layers.map(row), name);
    assert.equal(back.totals.params, network.totals.params, name);
  }
});
