// The webview's table is built from the analysed Network alone; these are the seed's cells as the
// coursework network gives them, so the panel and `cnn table` cannot drift apart.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { COLUMNS, exportedTable, tableModel, type TableModel } from '../../media/src/layerTableModel';
import { runCli } from '../cli';

const root = join(import.meta.dirname, '..', '..');
const coursework = readFileSync(join(root, 'examples', 'alexnet-coursework.cnn'), 'utf8');
const model = tableModel(analyzeText(coursework).network, 'alexnet-coursework.cnn');

/** The seed's cells of a row; the memory column after them has tests of its own. */
function row(name: string, m: TableModel = model): string[] {
  const r = m.rows.find((x) => x.cells[0]?.text === name);
  assert.ok(r, `no row ${name}`);
  return r.cells.slice(0, COLUMNS.length).map((c) => c.text);
}

test('the seed columns, in the seed order, then training memory at the train statement\'s batch', () => {
  assert.deepEqual(
    model.columns.map((c) => c.label),
    ['Layer', 'Size of input n', 'Input channels', 'f', 'p', 's', 'Output size (n+2p−f)/s+1', 'Output channels or units', 'Output neurons', 'Size of filter + 1', 'Parameters', 'Training memory (batch 32)'],
  );
  for (const r of model.rows) assert.equal(r.cells.length, model.columns.length);
  for (const r of model.foot) assert.equal(r.cells.length, model.columns.length);
});

test('conv rows: input, f p s, output, neurons, filter + 1, params', () => {
  assert.deepEqual(row('conv1'), ['conv1', '227', '3', '11', '0', '4', '55', '48', '145,200', '364', '17,472']);
  assert.deepEqual(row('conv2'), ['conv2', '27', '48', '6', '2', '1', '26', '128', '86,528', '1,729', '221,312']);
});

test('a non-whole output shows the raw size and the size used, and the row carries the warning', () => {
  const pool3 = model.rows.find((r) => r.cells[0]?.text === 'pool3');
  assert.ok(pool3);
  assert.equal(pool3.cells[6]?.text, '3.33 → 3');
  assert.match(pool3.cells[6]?.title ?? '', /floored to 3/);
  assert.equal(pool3.severity, 'warning');
  assert.equal(pool3.problems.length, 1);
  assert.equal(pool3.line, 11);
  assert.equal(model.rows.find((r) => r.cells[0]?.text === 'conv1')?.severity, undefined);
});

test('fc and softmax rows show their flattened input count, as the seed does', () => {
  assert.deepEqual(row('fc1'), ['fc1', '1,152', '', '', '', '', '', '1,600', '1,600', '1,153', '1,844,800']);
  assert.deepEqual(row('out'), ['out', '1,600', '', '', '', '', '', '1,000', '1,000', '1,601', '1,601,000']);
});

test('totals: params, neurons with pooling, neurons in conv and fc only', () => {
  assert.equal(model.totals.params, '7,672,104');
  assert.equal(model.totals.neurons, '356,872');
  assert.equal(model.totals.neuronsConvFc, '302,296');
  assert.equal(model.title, 'alexnet-coursework');
});

test('the totals rows put each total under its column, with its label in the first', () => {
  const at = (label: string) => model.columns.findIndex((c) => c.label.startsWith(label));
  const [total, convFc] = model.foot;
  assert.ok(total && convFc);
  const filled = (cells: { text: string }[]) => cells.flatMap((c, i) => (c.text ? [[i, c.text]] : []));
  assert.deepEqual(filled(total.cells), [[0, 'Total'], [at('Output neurons'), '356,872'], [at('Parameters'), '7,672,104'], [at('Training memory'), model.totals.memory]]);
  assert.deepEqual(filled(convFc.cells), [[0, 'Neurons in conv and fc layers'], [at('Output neurons'), '302,296']]);
  assert.equal(convFc.secondary, true);
  assert.equal(total.secondary, undefined);
  assert.match(total.cells.at(-1)?.title ?? '', /^Training memory at batch 32 \(cpu backend, SGD\): .* = weights /);
});

test('a layer that could not be computed is listed as a problem; the table keeps the layers before it', () => {
  const broken = tableModel(analyzeText('input 32x32x3\nconv 8 f=3\nconv 8 f=99\nfc 10\n').network, 'broken.cnn');
  assert.deepEqual(broken.rows.map((r) => r.cells[0]?.text), ['conv1']);
  assert.deepEqual(broken.otherProblems.map((p) => [p.line, p.severity]), [[3, 'error']]);
  assert.match(broken.otherProblems[0]?.message ?? '', /99/);
});

test('without a network statement the title is the file name', () => {
  const noInput = tableModel(analyzeText('conv 8 f=3\n').network, 'no-input.cnn');
  assert.equal(noInput.title, 'no-input.cnn');
  assert.deepEqual(noInput.rows, []);
  assert.deepEqual(noInput.otherProblems.map((p) => p.line), [1]);
});

test('in-place layers show their neurons muted, as not part of the total', () => {
  const caffe = readFileSync(join(root, 'examples', 'alexnet-caffe.cnn'), 'utf8');
  const rows = tableModel(analyzeText(caffe).network, 'alexnet-caffe.cnn').rows;
  const neurons = (name: string) => rows.find((r) => r.cells[0]?.text === name)?.cells[8];
  assert.equal(neurons('norm1')?.muted, true);
  assert.equal(neurons('drop6')?.muted, true);
  assert.equal(neurons('conv1')?.muted, undefined);
  assert.equal(neurons('pool1')?.muted, undefined);
  assert.equal(rows.find((r) => r.cells[0]?.text === 'conv2')?.cells[0]?.detail, 'conv · groups 2');
});

describe('a network of block instances (the spec\'s ResNet basic-block demo)', () => {
  const resnet = readFileSync(join(root, 'test', 'language', 'fixtures', 'resnet-basic-demo.cnn'), 'utf8');
  const m = tableModel(analyzeText(resnet).network, 'resnet-basic-demo.cnn');
  const byId = (id: string) => {
    const r = m.rows.find((x) => x.id === id);
    assert.ok(r, `no row ${id}`);
    return r;
  };

  it('lists instances before their layers, nested, in the order of evaluation', () => {
    assert.deepEqual(m.rows.slice(0, 8).map((r) => [r.id, r.depth, r.parents.join('/')]), [
      ['layer1', 0, ''],
      ['layer1.0', 1, 'layer1'],
      ['layer1.0.conv1', 2, 'layer1/layer1.0'],
      ['layer1.0.bn1', 2, 'layer1/layer1.0'],
      ['layer1.0.conv2', 2, 'layer1/layer1.0'],
      ['layer1.0.bn2', 2, 'layer1/layer1.0'],
      ['layer1.0.out', 2, 'layer1/layer1.0'],
      ['layer1.1', 1, 'layer1'],
    ]);
    assert.equal(m.rows.filter((r) => !r.instance).length, 24, 'every layer has its row');
    assert.deepEqual(m.rows.filter((r) => r.depth === 0).map((r) => r.id), ['layer1', 'layer2.0', 'layer2.1', 'pool', 'fc']);
  });

  it("an instance row carries the instance's totals, as cnn table --depth does", () => {
    const cells = (id: string) => byId(id).cells.slice(0, COLUMNS.length).map((c) => c.text);
    assert.deepEqual(cells('layer1'), ['layer1', '56', '64', '', '', '', '56', '64', '802,816', '', '147,968']);
    assert.deepEqual(cells('layer1.0'), ['layer1.0', '56', '64', '', '', '', '56', '64', '401,408', '', '73,984']);
    assert.deepEqual(cells('layer2.0'), ['layer2.0', '56', '64', '', '', '', '28', '128', '301,056', '', '230,144']);
    assert.deepEqual(byId('layer1').instance, { blockName: 'basic ×2', layers: 10 });
    assert.equal(byId('layer1').cells[0]?.detail, 'basic ×2 · 10 layers');
    assert.equal(byId('layer2.0').cells[0]?.detail, 'down · 7 layers');
    assert.equal(byId('layer2.0').line, 24);
  });

  it('names what a layer reads where it is not the row evaluated before it', () => {
    assert.equal(byId('layer1.0.conv1').inputs, undefined);
    assert.equal(byId('layer1.0.bn1').inputs, undefined);
    assert.deepEqual(byId('layer1.0.out').inputs, ['input', 'bn2']);
    assert.deepEqual(byId('layer1.1.out').inputs, ['layer1.0.out', 'bn2']);
    assert.deepEqual(byId('layer2.0.downsample.0').inputs, ['layer1.1.out']);
    assert.deepEqual(byId('layer2.0.out').inputs, ['bn2', 'downsample.1']);
    assert.equal(byId('layer2.0.out').cells[0]?.detail, 'add ← bn2, downsample.1');
    assert.equal(byId('layer2.0.out').cells[0]?.title, 'Reads layer2.0.bn2, layer2.0.downsample.1');
    assert.equal(byId('pool').inputs, undefined);
    assert.equal(byId('layer2.0').inputs, undefined, 'the instance reads the layer before it');
  });

  it('a closed instance shows the worst problem inside it', () => {
    assert.equal(byId('layer2.0.conv1').severity, 'warning');
    assert.equal(byId('layer2.0').innerSeverity, 'warning');
    assert.equal(byId('layer2.0').severity, undefined);
    assert.equal(byId('layer1').innerSeverity, undefined);
  });

  it('the totals row is the network totals', () => {
    assert.equal(m.totals.params, '674,826');
    assert.equal(m.totals.neurons, '1,304,714');
    assert.deepEqual(m.otherProblems, []);
  });
});

test('a branch outside blocks is noted too; the plain chain is not', () => {
  const branchy = tableModel(analyzeText('input 32x32x3\nstem: conv 8 f=3 p=1\na: conv 8 f=1\nb: conv 8 f=1 from=stem\ncat: concat from=a,b\nout: softmax 10\n').network, 'b.cnn');
  assert.deepEqual(branchy.rows.map((r) => r.inputs), [undefined, undefined, ['stem'], ['a', 'b'], undefined]);
  assert.ok(branchy.rows.every((r) => r.depth === 0 && r.parents.length === 0 && !r.instance));
});

describe('the memory column', () => {
  const lenet5 = readFileSync(join(root, 'examples', 'lenet5.cnn'), 'utf8');
  const lenet = tableModel(analyzeText(lenet5).network, 'lenet5.cnn');
  const memoryCell = (m: TableModel, id: string) => {
    const r = m.rows.find((x) => x.id === id);
    assert.ok(r, `no row ${id}`);
    return r.cells.at(-1)!;
  };

  it("lenet5's c1 at its train batch of 32, worked out by hand", () => {
    // conv 6 f=5 on 32x32x1, tanh, batch 32, 4 bytes a float: output 28·28·6 = 4,704 values.
    // output 32·4704·4 = 602,112; tanh's output (not fused, as ReLU is) 602,112; input gradient
    // 32·1024·4 = 131,072; tanh's input gradient 602,112; im2col 32·784·25·4 = 2,508,800;
    // weights, gradients and SGD velocity 3 · 156·4 = 1,872. Sum 4,448,080 bytes = 4.24 MiB.
    assert.equal(lenet.batch, 32);
    assert.deepEqual(memoryCell(lenet, 'c1'), { text: '4.2 MiB', numeric: true, title: '4,448,080 bytes' });
  });

  it('says the batch it is worked out at, and where that batch comes from', () => {
    const withBatch = tableModel(analyzeText('input 8x8x1\nconv 2 f=3\nsoftmax 3\ntrain batch=64\n').network, 'b.cnn');
    assert.equal(withBatch.batch, 64);
    assert.equal(withBatch.columns.at(-1)?.label, 'Training memory (batch 64)');
    assert.match(withBatch.columns.at(-1)?.title ?? '', /^At the train statement's batch\./);
    const without = tableModel(analyzeText('input 8x8x1\nconv 2 f=3\nsoftmax 3\n').network, 'n.cnn');
    assert.equal(without.batch, 32);
    assert.equal(without.columns.at(-1)?.label, 'Training memory (batch 32)');
    assert.match(without.columns.at(-1)?.title ?? '', /^At the runner's default batch \(the file's train statement sets none\)/);
  });

  /** `cnn table FILE --batch N --format markdown`: each row's name and its last cell, the memory. */
  async function cliMemory(file: string, batch: number, depth?: number): Promise<Map<string, string>> {
    const args = ['table', join(root, 'examples', file), '--batch', String(batch), '--format', 'markdown', ...(depth === undefined ? [] : ['--depth', String(depth)])];
    const { code, stdout } = await runCli(args);
    assert.equal(code, 0);
    const lines = stdout.split('\n').filter((l) => l.startsWith('| ')).slice(2);
    return new Map(lines.map((l) => {
      const cells = l.slice(2, -2).split(' | ');
      return [cells[0]!, cells.at(-1)!];
    }));
  }

  for (const file of ['resnet18.cnn', 'lenet5.cnn']) {
    it(`${file}: every row's memory and the total are those of cnn table --batch`, async () => {
      const m = tableModel(analyzeText(readFileSync(join(root, 'examples', file), 'utf8')).network, file);
      // Without --depth the CLI lists every layer; with it, the instances at that depth.
      const cli = new Map<string, string>();
      for (const depth of [undefined, 1, 2]) for (const [name, memory] of await cliMemory(file, m.batch, depth)) cli.set(name, memory);
      assert.equal(m.columns.at(-1)?.label, `Training memory (batch ${m.batch})`);
      for (const r of m.rows) assert.equal(r.cells.at(-1)?.text, cli.get(r.id), r.id);
      assert.equal(m.totals.memory, cli.get('Total'));
      assert.equal(m.foot[0]?.cells.at(-1)?.text, cli.get('Total'));
      assert.ok(m.rows.length >= 7);
    });
  }

  it('an instance row holds its layers\' memory', () => {
    const resnet = tableModel(analyzeText(readFileSync(join(root, 'examples', 'resnet18.cnn'), 'utf8')).network, 'resnet18.cnn');
    const bytesOf = (id: string) => Number(memoryCell(resnet, id).title?.replace(/[^\d]/g, ''));
    const inside = resnet.rows.filter((r) => r.parents.at(-1) === 'layer2.0').map((r) => r.id);
    assert.equal(inside.length, 7);
    assert.equal(bytesOf('layer2.0'), inside.reduce((n, id) => n + bytesOf(id), 0));
    assert.equal(bytesOf('layer1'), bytesOf('layer1.0') + bytesOf('layer1.1'));
  });

  it('Copy as Markdown and Save as CSV carry the column, at the same batch', () => {
    const csv = exportedTable(analyzeText(lenet5).network, 'csv').split('\r\n');
    assert.match(csv[0] ?? '', /,Training memory \(batch 32\)$/);
    assert.match(csv[1] ?? '', /^c1,.*,4448080$/);
    assert.match(exportedTable(analyzeText(lenet5).network, 'markdown'), /\| Training memory \(batch 32\) \|/);
  });
});
