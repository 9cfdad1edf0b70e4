/**
 * `cnn import` of Caffe network descriptions: BVLC's AlexNet deploy.prototxt (fixtures/, as in
 * Caffe's models/bvlc_alexnet) must give Caffe's 60,965,224 parameters and the same layers as the
 * hand-written examples/alexnet-caffe.cnn; the old `layers { type: ENUM }` syntax (Caffe's LeNet);
 * BatchNorm + Scale pairs, Eltwise and Concat; and refusals, each with its layer's name and why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli as cli } from '../cli';
import { tempDir } from '../tempDir';
import { analyzeText } from '../../server/src/language/analyze';
import { importModel, ImportError } from '../../server/src/import/importModel';
import { parseProtoText, ProtoTextError } from '../../server/src/import/protoText';

const fixture = (name: string) => readFileSync(`test/import/fixtures/${name}`);
const text = (s: string) => new TextEncoder().encode(s);

function imported(bytes: Uint8Array, name: string) {
  const result = importModel(bytes, name);
  assert.deepEqual(result.refused, [], 'nothing refused');
  const analysis = analyzeText(result.text!);
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
  return { result, text: result.text!, network: analysis.network };
}

test('BVLC AlexNet deploy.prototxt: 60,965,224 parameters, layer for layer examples/alexnet-caffe.cnn', () => {
  const { network, text: written, result } = imported(fixture('bvlc_alexnet_deploy.prototxt'), 'deploy.prototxt');
  assert.equal(network.totals.params, 60_965_224);
  assert.equal(result.params, 60_965_224);
  const example = analyzeText(readFileSync('examples/alexnet-caffe.cnn', 'utf8')).network;
  const row = (l: { name: string; kind: string; output: unknown; params: number; groups?: number }) => ({ name: l.name, kind: l.kind, output: l.output, params: l.params, groups: l.groups });
  assert.deepEqual(network.layers.map(row), example.layers.map(row));
  // Caffe's group is groups, its pooling rounds up, the Softmax makes fc8 the classifier.
  assert.match(written, /^conv2: conv 256 f=5 +p=2 groups=2 act=relu$/m);
  assert.match(written, /^pool1: maxpool +f=3 +s=2 round=ceil$/m);
  assert.match(written, /^fc8: +softmax 1000$/m);
  assert.match(written, /^network AlexNet$/m);
  // The LRN's constants differ from the language's: said, not dropped.
  assert.deepEqual(result.notes.map((n) => n.name), ['norm1, norm2']);
  assert.match(written, /^# norm1, norm2 \(LRN\): Caffe's k=1/m);
});

test('the old `layers { type: CONVOLUTION }` syntax (Caffe\'s LeNet)', () => {
  const { network, text: written } = imported(fixture('lenet_old_layers.prototxt'), 'lenet.prototxt');
  // conv1 20 x (25 + 1) = 520; conv2 50 x 500 (no bias) = 25,000; ip1 500 x (800 + 1) = 400,500;
  // ip2 10 x (500 + 1) = 5,010.
  assert.equal(network.totals.params, 431_030);
  assert.deepEqual(network.layers.map((l) => [l.name, l.kind, l.output]), [
    ['conv1', 'conv', [24, 24, 20]],
    ['pool1', 'maxpool', [12, 12, 20]],
    ['conv2', 'conv', [8, 8, 50]],
    ['pool2', 'maxpool', [4, 4, 50]],
    ['ip1', 'fc', [500]],
    ['ip2', 'softmax', [10]],
  ]);
  assert.match(written, /the old `layers` syntax/);
  assert.match(written, /^conv2: conv 50 f=5 act=relu bias=false$/m);
});

const RESIDUAL = `name: "tiny-res"
input: "data"
input_shape { dim: 1 dim: 3 dim: 32 dim: 32 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 16 kernel_size: 3 pad: 1 bias_term: false } }
layer { name: "bn_conv1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale_conv1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "conv1_relu" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "res_a" type: "Convolution" bottom: "conv1" top: "res_a"
  convolution_param { num_output: 16 kernel_size: 3 pad: 1 bias_term: false } }
layer { name: "bn_res_a" type: "BatchNorm" bottom: "res_a" top: "res_a" }
layer { name: "scale_res_a" type: "Scale" bottom: "res_a" top: "res_a" scale_param { bias_term: true } }
layer { name: "res" type: "Eltwise" bottom: "conv1" bottom: "res_a" top: "res" }
layer { name: "res_relu" type: "ReLU" bottom: "res" top: "res" }
layer { name: "branch" type: "Convolution" bottom: "res" top: "branch"
  convolution_param { num_output: 8 kernel_h: 1 kernel_w: 1 } }
layer { name: "cat" type: "Concat" bottom: "res" bottom: "branch" top: "cat" }
layer { name: "pool" type: "Pooling" bottom: "cat" top: "pool" pooling_param { pool: AVE global_pooling: true } }
layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc" inner_product_param { num_output: 10 } }
`;

test('BatchNorm + Scale is one batchnorm; Eltwise is add, Concat concat, global pooling globalavgpool', () => {
  const { network, text: written } = imported(text(RESIDUAL), 'tiny.prototxt');
  // conv1 16·27 = 432; bn 32; res_a 16·144 = 2,304; bn 32; branch 8·(16 + 1) = 136; fc 10·(24 + 1) = 250.
  assert.equal(network.totals.params, 432 + 32 + 2304 + 32 + 136 + 250);
  assert.deepEqual(network.layers.map((l) => [l.name, l.kind, l.act ?? 'none', l.inputs]), [
    ['conv1', 'conv', 'none', ['input']],
    ['bn_conv1', 'batchnorm', 'relu', ['conv1']],
    ['res_a', 'conv', 'none', ['bn_conv1']],
    ['bn_res_a', 'batchnorm', 'none', ['res_a']],
    ['res', 'add', 'relu', ['bn_conv1', 'bn_res_a']],
    ['branch', 'conv', 'none', ['res']],
    ['cat', 'concat', 'none', ['res', 'branch']],
    ['pool', 'globalavgpool', 'none', ['cat']],
    ['fc', 'softmax', 'none', ['pool']],
  ]);
  assert.match(written, /^res: +add +from=bn_conv1,bn_res_a act=relu$/m);
  // Half the weighted layers have a bias: the language's default stays, the others say bias=false.
  assert.match(written, /^defaults act=none$/m);
  assert.match(written, /^conv1: +conv 16 +f=3 p=1 bias=false$/m);
});

test('layers the language cannot express are refused, each with its name and why', () => {
  const source = RESIDUAL.replace('type: "Eltwise"', 'type: "Eltwise" eltwise_param { operation: PROD }')
    .replace(/layer \{ name: "scale_res_a".*\n/, '')
    .concat('layer { name: "up" type: "Deconvolution" bottom: "fc" top: "up" }\n');
  const result = importModel(text(source), 'bad.prototxt');
  assert.equal(result.text, undefined);
  const byName = new Map(result.refused.map((p) => [p.name, p]));
  assert.match(byName.get('res')?.reason ?? '', /element-wise PROD; the language adds \(SUM\) only/);
  assert.match(byName.get('up')?.reason ?? '', /no \.cnn layer kind .* Deconvolution/);
  assert.match(byName.get('bn_res_a')?.reason ?? '', /no Scale with bias_term follows it/);
  assert.equal(result.refused.length, 3);
});

test('a training prototxt, a file without an input shape and broken text are clear messages', () => {
  const train = 'name: "x"\nlayer { name: "data" type: "Data" top: "data" top: "label" }\n';
  assert.throws(() => importModel(text(train), 'train_val.prototxt'), (e: unknown) => e instanceof ImportError && /import the deploy\.prototxt/.test(e.message));
  assert.throws(() => importModel(text('name: "x"\n'), 'x.prototxt'), (e: unknown) => e instanceof ImportError && /no `layer \{ \}`/.test(e.message));
  const broken = 'name: "x"\nlayer {\n  name: "conv1"\n  type: "Convolution"\n';
  assert.throws(() => importModel(text(broken), 'x.prototxt'), (e: unknown) => e instanceof ImportError && /line 2: a message opened here is not closed/.test(e.message));
  assert.throws(() => parseProtoText('a: "open\n'), (e: unknown) => e instanceof ProtoTextError && e.line === 1);
  assert.throws(() => importModel(new Uint8Array([0xff, 0xfe, 0x41]), 'x.prototxt'), ImportError);
  assert.throws(() => importModel(new Uint8Array([8, 1]), 'bvlc_alexnet.caffemodel'), (e: unknown) => e instanceof ImportError && /import the deploy\.prototxt/.test(e.message));
});

test('the text-format reader: nested messages, lists, repeated fields, comments, enums', () => {
  const m = parseProtoText('# c\na: 1 b: "x" "y"\nc { d: [1, 2.5e1] e: TRUE_ENUM f: true }\nc: { d: -3 }\n');
  assert.deepEqual(m.fields.get('a'), [1]);
  assert.deepEqual(m.fields.get('b'), ['xy']);
  const cs = m.fields.get('c') as { fields: Map<string, unknown> }[];
  assert.equal(cs.length, 2);
  assert.deepEqual(cs[0].fields.get('d'), [1, 25]);
  assert.deepEqual(cs[0].fields.get('e'), ['TRUE_ENUM']);
  assert.deepEqual(cs[0].fields.get('f'), [true]);
  assert.deepEqual(cs[1].fields.get('d'), [-3]);
});

test('cnn import: --help, usage errors, a missing file, and -o', async () => {
  const help = await cli(['import', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: cnn import MODEL\.onnx\|deploy\.prototxt/);
  assert.equal((await cli(['help', 'import'])).stdout, help.stdout);
  const two = await cli(['import', 'a.onnx', 'b.onnx']);
  assert.equal(two.code, 2);
  assert.match(two.stderr, /cnn import takes one MODEL file/);
  assert.match((await cli(['import', '-o'])).stderr, /-o needs a file/);
  const none = await cli(['import', 'no-such-model.onnx']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^cnn: cannot read no-such-model\.onnx: no such file/);

  const target = join(tempDir('cnn-import-caffe-'), 'alexnet.cnn');
  const wrote = await cli(['import', 'test/import/fixtures/bvlc_alexnet_deploy.prototxt', '-o', target]);
  assert.equal(wrote.code, 0, wrote.stderr);
  assert.match(wrote.stdout, /60,965,224 parameters/);
  assert.match(wrote.stderr, /^note: norm1, norm2 \(LRN\)/m);
  const table = await cli(['table', target, '--format', 'json']);
  assert.equal(table.code, 0);
  assert.equal(JSON.parse(table.stdout).totals.params, 60_965_224);
});

