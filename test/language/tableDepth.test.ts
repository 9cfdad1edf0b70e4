// `cnn table --depth N` (torchinfo's depth) on the ResNet basic-block demo, against numbers worked
// out by hand from the spec's arithmetic:
//   conv 64→64 f=3, no bias: 3·3·64·64 = 36,864; batchnorm over 64 channels: 2·64 = 128
//   basic 64 (one copy)  = 2·36,864 + 2·128 = 73,984; neurons 2 convs · 56·56·64 = 401,408
//   down 128             = 3·3·64·128 (73,728) + 3·3·128·128 (147,456) + 1·1·64·128 (8,192)
//                          + 3 batchnorms · 256 = 230,144; neurons 3 convs · 28·28·128 = 301,056
//   basic 128            = 2·147,456 + 2·256 = 295,424; neurons 2 · 100,352 = 200,704
//   pool: 1·1·128 = 128 neurons; fc: softmax 10 over 128 inputs + bias = 1,290 params, 10 neurons
//   totals: 2·73,984 + 230,144 + 295,424 + 1,290 = 674,826 params;
//           2·401,408 + 301,056 + 200,704 + 128 + 10 = 1,304,714 neurons
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { analyzeText } from '../../server/src/language/analyze';
import { layerTree, renderTable, tableRows } from '../../server/src/language/table';
import { main } from '../../server/src/cli';

const fixture = join(import.meta.dirname, 'fixtures', 'resnet-basic-demo.cnn');
const network = analyzeText(readFileSync(fixture, 'utf8')).network;
const cells = (depth?: number) => tableRows(network, String, { depth }).map((r) => r.cells);
const names = (depth?: number) => cells(depth).map((c) => c[0]);

test('without a depth every layer is a row, as before', () => {
  assert.equal(cells().length, network.layers.length + 1);
  assert.deepEqual(names().slice(0, 2), ['layer1.0.conv1', 'layer1.0.bn1']);
});

test('depth 1: top-level instances are one row each, with their totals', () => {
  assert.deepEqual(cells(1), [
    ['layer1', 'basic ×2', '56', '64', '', '', '', '56', '64', '802816', '', '147968'],
    ['layer2.0', 'down', '56', '64', '', '', '', '28', '128', '301056', '', '230144'],
    ['layer2.1', 'basic', '28', '128', '', '', '', '28', '128', '200704', '', '295424'],
    ['pool', 'globalavgpool', '28', '128', '', '', '', '1', '128', '128', '', '0'],
    ['fc', 'softmax', '128', '', '', '', '', '', '10', '10', '129', '1290'],
    ['Total', '', '', '', '', '', '', '', '', '1304714', '', '674826'],
  ]);
});

test('depth 2: the repeat group opens into its copies, the other instances into their layers', () => {
  const rows = cells(2);
  assert.deepEqual(names(2), [
    'layer1.0', 'layer1.1',
    'layer2.0.conv1', 'layer2.0.bn1', 'layer2.0.conv2', 'layer2.0.bn2', 'layer2.0.downsample.0', 'layer2.0.downsample.1', 'layer2.0.out',
    'layer2.1.conv1', 'layer2.1.bn1', 'layer2.1.conv2', 'layer2.1.bn2', 'layer2.1.out',
    'pool', 'fc', 'Total',
  ]);
  assert.deepEqual(rows[0], ['layer1.0', 'basic', '56', '64', '', '', '', '56', '64', '401408', '', '73984']);
  assert.deepEqual(rows[1], ['layer1.1', 'basic', '56', '64', '', '', '', '56', '64', '401408', '', '73984']);
  assert.deepEqual(rows[6], ['layer2.0.downsample.0', 'conv', '56', '64', '1', '0', '2', '28.5 → 28', '128', '100352', '64', '8192']);
});

test('depth 3 reaches every layer; depth 0 leaves only the totals; totals never change', () => {
  assert.deepEqual(cells(3), cells());
  assert.deepEqual(cells(0), [['Total', '', '', '', '', '', '', '', '', '1304714', '', '674826']]);
  for (const depth of [0, 1, 2, 3]) assert.deepEqual(cells(depth).at(-1), cells().at(-1));
});

test('the rows of one depth add up to the totals', () => {
  for (const depth of [1, 2]) {
    const body = cells(depth).slice(0, -1);
    assert.equal(body.reduce((a, r) => a + Number(r[11]), 0), 674826, `params at depth ${depth}`);
    // The in-place kinds (batchnorm, add) are not in the neuron total, and not in an instance's.
    const counted = body.filter((r) => !['batchnorm', 'add'].includes(r[1] as string));
    assert.equal(counted.reduce((a, r) => a + Number(r[9]), 0), 1304714, `neurons at depth ${depth}`);
  }
});

test('layerTree nests layers in their instances, following block', () => {
  const tree = layerTree(network);
  assert.deepEqual(tree.map((n) => (n.type === 'layer' ? n.layer.name : n.instance.name)), ['layer1', 'layer2.0', 'layer2.1', 'pool', 'fc']);
  const layer1 = tree[0];
  assert.ok(layer1?.type === 'instance');
  assert.equal(layer1.depth, 1);
  assert.deepEqual(layer1.children.map((n) => (n.type === 'instance' ? [n.instance.name, n.depth, n.children.length] : n.layer.name)), [['layer1.0', 2, 5], ['layer1.1', 2, 5]]);
  assert.deepEqual(layer1.summary, { kind: 'basic ×2', input: [56, 56, 64], output: [56, 56, 64], neurons: 802816, params: 147968, macs: 462422016, layers: 10 });
});

function run(args: string[]): { code: Promise<number>; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _e, done) { append(String(chunk)); done(); } });
  const code = main(args, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), readFile: (p) => readFileSync(p, 'utf8') });
  return { code, out: () => out, err: () => err };
}

test('cnn table --depth in text, markdown and csv; json stays the whole Network', async () => {
  const text = run(['table', fixture, '--depth', '1']);
  assert.equal(await text.code, 0);
  assert.match(text.out(), /^layer1 +basic ×2 +56 +64 +56 +64 +802,816 +147,968$/m);
  assert.match(text.out(), /^Total +1,304,714 +674,826$/m);
  assert.doesNotMatch(text.out(), /layer1\.0/);

  const markdown = run(['table', fixture, '--format', 'markdown', '--depth', '2']);
  assert.equal(await markdown.code, 0);
  assert.match(markdown.out(), /^\| layer1\.1 \| basic \| 56 \| 64 \|  \|  \|  \| 56 \| 64 \| 401,408 \|  \| 73,984 \|$/m);

  const csv = run(['table', fixture, '--depth', '1', '--format', 'csv']);
  assert.equal(await csv.code, 0);
  assert.equal(csv.out().split('\r\n')[2], 'layer2.0,down,56,64,,,,28,128,301056,,230144');

  const json = run(['table', fixture, '--format', 'json', '--depth', '1']);
  assert.equal(await json.code, 0);
  assert.equal(json.out(), renderTable(network, 'json'));
  assert.equal(JSON.parse(json.out()).layers.length, 24);
});

test('cnn table --depth wants a whole number', async () => {
  for (const bad of ['-1', 'two', '1.5']) {
    const r = run(['table', fixture, '--depth', bad]);
    assert.equal(await r.code, 2, bad);
    assert.match(r.err(), /--depth/);
  }
});
