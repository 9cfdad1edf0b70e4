// "CNN: Export model…" without VS Code: the weights it offers (the network's runs with weights,
// newest first, then fresh ones) and dist/cli.js export as the extension runs it (its own process).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runExport, weightsChoices } from '../../client/src/exportRunner';
import { defaultExportPath, EXPORT_FORMAT_INFO } from '../../runner/src/export/formats';
import { EXPORT_FORMATS, exportsFormat } from '../../runner/src/export/exportCommand';
import { decodeModel } from '../../runner/src/onnx/onnxSchema';
import { train } from '../../runner/src/train';
import { makeNetwork } from '../runner/fixtures';
import { tempDir } from '../tempDir';

const cliPath = resolve('dist/cli.js');

describe('export through dist/cli.js', { skip: existsSync(cliPath) ? false : 'dist/cli.js is not built: run `npm run build` (npm test does)' }, () => {
  it('offers the network\'s runs with weights, then fresh weights, and writes the model it is asked for', async () => {
    const dir = tempDir('cnn-export-client-');
    const file = join(dir, 'tiny.cnn');
    writeFileSync(file, 'network tiny\ninput 8x8x1\nc1: conv 2 f=3\nout: softmax 3\n');
    assert.deepEqual(weightsChoices(file, 'tiny').map((c) => [c.label, c.runDir]), [['Fresh weights', undefined]]);
    const network = makeNetwork([8, 8, 1], [{ kind: 'conv', name: 'c1', count: 2, kernel: 3 }, { kind: 'softmax', name: 'out', count: 3 }], 'tiny');
    const run = await train(network, { epochs: 1, batch: 4, trainSamples: 8, valSamples: 4, backend: 'reference', runDir: dir });
    const choices = weightsChoices(file, 'tiny');
    assert.deepEqual(choices.map((c) => c.runDir), [run.runDir, undefined]);
    assert.match(choices[0].description, /^1 epoch · top-1 error/);

    const out = join(dir, 'picked.onnx');
    const answer = await runExport(cliPath, file, 'onnx', run.runDir, out);
    assert.deepEqual(answer, { format: 'onnx', output: out, files: [out], weights: { runDir: run.runDir } });
    const model = decodeModel(readFileSync(out)) as { graph: { input: { name: string }[]; output: { name: string }[] } };
    assert.deepEqual([model.graph.input[0].name, model.graph.output[0].name], ['input', 'out']);
    const fresh = await runExport(cliPath, file, 'onnx', undefined, join(dir, 'fresh.onnx'));
    assert.deepEqual(fresh.weights, { seed: 1 });
    // The folder format goes through the same command: PyTorch's model.py and train.py, with the run's weights.
    const torch = await runExport(cliPath, file, 'pytorch', run.runDir, join(dir, 'torch'));
    assert.deepEqual(torch, { format: 'pytorch', output: join(dir, 'torch'), files: [join(dir, 'torch')], weights: { runDir: run.runDir } });
    for (const name of ['model.py', 'train.py', 'weights.safetensors']) assert.ok(existsSync(join(dir, 'torch', name)), name);
    await assert.rejects(runExport(cliPath, file, 'onnx', join(dir, 'gone'), join(dir, 'x.onnx')), /^Error: no run folder .*gone: give a folder in \.cnn-runs\//);
  });
});

it('every format the quick pick offers has a writer, and the default output sits beside the file', () => {
  assert.deepEqual(EXPORT_FORMAT_INFO.map((f) => f.name), ['onnx', 'pytorch']);
  for (const f of EXPORT_FORMAT_INFO) assert.ok(exportsFormat(f.name), `${f.name} has no writer`);
  assert.ok(!exportsFormat('caffe'));
  assert.deepEqual(EXPORT_FORMATS.map((f) => f.name), ['onnx']);
  assert.equal(defaultExportPath(join('nets', 'lenet5.cnn'), EXPORT_FORMAT_INFO.find((f) => f.name === 'onnx')!), join('nets', 'lenet5.onnx'));
  assert.equal(defaultExportPath(join('nets', 'lenet5.cnn'), EXPORT_FORMAT_INFO.find((f) => f.name === 'pytorch')!), join('nets', 'lenet5-pytorch'));
});
