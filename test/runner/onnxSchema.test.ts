import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { decodeModel, encodeModel, ONNX_IR_VERSION } from '../../runner/src/onnx/onnxSchema';

test('the bundled ONNX descriptor is generated from the onnx.proto beside it', () => {
  execFileSync(process.execPath, ['scripts/onnx-schema.mjs', '--check'], { stdio: 'pipe' });
});

test('a model round-trips through the schema', () => {
  const model = { irVersion: ONNX_IR_VERSION, producerName: 'cnn-spec', opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } };
  const back = decodeModel(encodeModel(model));
  assert.equal(back.irVersion, 8);
  assert.equal((back.graph as { node: { opType: string }[] }).node[0]!.opType, 'Relu');
});
