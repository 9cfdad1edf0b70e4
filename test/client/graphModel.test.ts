// The graph view's model and layout, on ResNet-18 written as torchvision builds it. The counts are
// torchvision's: 20 convolutions (16 in the blocks, the stem, 3 downsample projections), 20
// batchnorms, 8 residual sums, maxpool, avgpool and fc; each sum reads two layers, every other
// layer one. Shapes are those torchvision's forward pass gives (test/python/torchvision_shapes.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { graphModel, type GraphModel } from '../../media/src/graphModel';
import { layoutGraph, type Box } from '../../media/src/graphLayout';

const root = join(import.meta.dirname, '..', '..');
const resnet18Text = readFileSync(join(root, 'examples', 'resnet18.cnn'), 'utf8');
const resnet18 = analyzeText(resnet18Text).network;
const model = graphModel(resnet18);

function edge(m: GraphModel, source: string, target: string) {
  const e = m.edges.find((x) => x.source === source && x.target === target);
  assert.ok(e, `no edge ${source} -> ${target}`);
  return e;
}

function node(m: GraphModel, id: string) {
  const n = m.nodes.find((x) => x.id === id);
  assert.ok(n, `no node ${id}`);
  return n;
}

test('ResNet-18: every layer is a node, and the input', () => {
  const kinds = new Map<string, number>();
  for (const n of model.nodes) {
    const kind = n.kind.split(/[ ·]/)[0];
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(kinds), { input: 1, conv: 20, batchnorm: 20, maxpool: 1, add: 8, globalavgpool: 1, softmax: 1 });
  assert.deepEqual(model.nodes.map((n) => n.id), ['input', ...resnet18.layers.map((l) => l.name)]);
  assert.equal(node(model, 'conv1').params, 64 * 3 * 7 * 7);
  assert.equal(node(model, 'conv1').kind, 'conv 64 · 7×7/2');
  assert.equal(node(model, 'conv1').shape, '112×112×64');
  assert.equal(node(model, 'layer2.0.downsample.0').label, 'downsample.0');
  assert.equal(node(model, 'fc').shape, '1000');
});

test('ResNet-18: every input is an edge, labelled with the shape it carries', () => {
  // 51 layers read one each, and the 8 sums one more.
  assert.equal(model.edges.length, 51 + 8);
  assert.equal(new Set(model.edges.map((e) => e.id)).size, model.edges.length);
  assert.equal(edge(model, 'input', 'conv1').label, '224×224×3');
  assert.equal(edge(model, 'conv1', 'bn1').label, '112×112×64');
  assert.equal(edge(model, 'maxpool', 'layer1.0.conv1').label, '56×56×64');
  // The identity shortcut of the first block, and the projection of the first strided one.
  assert.equal(edge(model, 'maxpool', 'layer1.0.add').label, '56×56×64');
  assert.equal(edge(model, 'layer1.1.add', 'layer2.0.downsample.0').label, '56×56×64');
  assert.equal(edge(model, 'layer2.0.downsample.1', 'layer2.0.add').label, '28×28×128');
  assert.equal(edge(model, 'layer4.1.add', 'avgpool').label, '7×7×512');
  assert.equal(edge(model, 'avgpool', 'fc').label, '1×1×512');
});

test('ResNet-18: block instances are groups, nested as torchvision nests its modules', () => {
  assert.deepEqual(
    model.groups.map((g) => [g.id, g.parent ?? null, g.label]),
    [
      ['layer1', null, 'layer1'],
      ['layer1.0', 'layer1', 'layer1.0: basic'],
      ['layer1.1', 'layer1', 'layer1.1: basic'],
      ['layer2.0', null, 'layer2.0: down'],
      ['layer2.1', null, 'layer2.1: basic'],
      ['layer3.0', null, 'layer3.0: down'],
      ['layer3.1', null, 'layer3.1: basic'],
      ['layer4.0', null, 'layer4.0: down'],
      ['layer4.1', null, 'layer4.1: basic'],
    ],
  );
  assert.equal(node(model, 'layer1.0.conv1').parent, 'layer1.0');
  assert.equal(node(model, 'maxpool').parent, undefined);
  // torchvision: layer1 holds 2 x 73,984 parameters; layer2.0 230,144.
  assert.equal(model.groups.find((g) => g.id === 'layer1')!.params, 147_968);
  assert.equal(model.groups.find((g) => g.id === 'layer2.0')!.params, 230_144);
});

test('a closed block is one node, and the edges into and out of it end on it', () => {
  const closed = graphModel(resnet18, new Set(['layer1', 'layer2.0']));
  // layer1 held 10 layers and layer2.0 seven: each becomes one node.
  assert.equal(closed.nodes.length, 52 - 10 - 7 + 2);
  const layer1 = node(closed, 'layer1');
  assert.equal(layer1.collapsed, true);
  assert.equal(layer1.shape, '56×56×64');
  assert.equal(layer1.params, 147_968);
  assert.equal(edge(closed, 'maxpool', 'layer1').label, '56×56×64');
  assert.equal(edge(closed, 'layer1', 'layer2.0').label, '56×56×64');
  assert.equal(edge(closed, 'layer2.0', 'layer2.1.conv1').label, '28×28×128');
  // The shortcut into layer2.1's sum comes from layer2.0's output.
  assert.equal(edge(closed, 'layer2.0', 'layer2.1.add').label, '28×28×128');
  assert.equal(closed.edges.filter((e) => e.source === 'layer1').length, 1, 'both readers of layer1.1.add are inside layer2.0');
  assert.deepEqual(closed.groups.map((g) => g.id), ['layer2.1', 'layer3.0', 'layer3.1', 'layer4.0', 'layer4.1']);
  for (const n of closed.nodes) assert.ok(!n.id.startsWith('layer1.') && !n.id.startsWith('layer2.0.'), `${n.id} is inside a closed block`);
});

test('a merge of different shapes is a node in red, read by what could not be worked out after it', () => {
  // conv2 of the strided block without its padding: 26x26 beside the projection's 28x28.
  const broken = resnet18Text.replace('  conv2:        conv width f=3          p=1', '  conv2:        conv width f=3          p=0');
  assert.notEqual(broken, resnet18Text);
  const m = graphModel(analyzeText(broken).network);
  const add = node(m, 'layer2.0.add');
  assert.equal(add.severity, 'error');
  assert.equal(add.unresolved, true);
  assert.equal(add.shape, '?');
  assert.match(add.messages.join('\n'), /shape-mismatch/);
  assert.equal(edge(m, 'layer2.0.bn2', 'layer2.0.add').label, '26×26×128');
  assert.equal(edge(m, 'layer2.0.downsample.1', 'layer2.0.add').label, '28×28×128');
  // What reads it is drawn too, not worked out, and not marked: the problem is in layer2.0 only.
  const after = node(m, 'layer2.1.conv1');
  assert.equal(after.unresolved, true);
  assert.equal(after.severity, undefined);
  assert.equal(edge(m, 'layer2.0.add', 'layer2.1.conv1').label, '');
  assert.equal(node(m, 'layer3.0.add').severity, undefined, 'the same line read in layer3.0 has no error');
  assert.equal(node(m, 'fc').unresolved, true);
  // Every statement still has its node.
  assert.equal(m.nodes.length, model.nodes.length);
});

test('a warning on a layer line marks that node', () => {
  // The stem's (224 + 6 - 7)/2 + 1 = 112.5 is floored, as torchvision does: a warning on conv1.
  assert.equal(node(model, 'conv1').severity, 'warning');
  assert.match(node(model, 'conv1').messages[0], /non-integer-output/);
  assert.equal(node(model, 'bn1').severity, undefined);
});

function inside(inner: Box, outer: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function onBorder([x, y]: [number, number], b: Box): boolean {
  const within = x >= b.x - 1 && x <= b.x + b.width + 1 && y >= b.y - 1 && y <= b.y + b.height + 1;
  const edgeOf = Math.abs(y - b.y) < 1.5 || Math.abs(y - b.y - b.height) < 1.5 || Math.abs(x - b.x) < 1.5 || Math.abs(x - b.x - b.width) < 1.5;
  return within && edgeOf;
}

test('the layout: nodes apart, top to bottom, in their groups, edges from border to border', async () => {
  const layout = await layoutGraph(model);
  const boxes = new Map(layout.nodes.map((n) => [n.id, n]));
  for (const n of layout.nodes) {
    assert.ok(n.width > 0 && n.height > 0, `${n.id} has a size`);
    assert.ok(inside(n, { x: 0, y: 0, width: layout.width, height: layout.height }), `${n.id} is in the picture`);
  }
  for (let i = 0; i < layout.nodes.length; i++) {
    for (let j = i + 1; j < layout.nodes.length; j++) assert.ok(!overlap(layout.nodes[i], layout.nodes[j]), `${layout.nodes[i].id} overlaps ${layout.nodes[j].id}`);
  }
  for (const e of layout.edges) {
    const source = boxes.get(e.source)!;
    const target = boxes.get(e.target)!;
    assert.ok(source.y < target.y, `${e.id} runs downwards`);
    assert.ok(e.points.length >= 2, `${e.id} is routed`);
    assert.ok(onBorder(e.points[0], source), `${e.id} starts on ${e.source}: ${e.points[0]}`);
    assert.ok(onBorder(e.points[e.points.length - 1], target), `${e.id} ends on ${e.target}: ${e.points.at(-1)}`);
  }
  // Each node's output shape is written once, beside the first edge out of it.
  const sources = new Set(layout.edges.map((e) => e.source));
  for (const source of sources) assert.equal(layout.edges.filter((e) => e.source === source && e.labelBox).length, 1, `${source}'s shape is written once`);
  const groups = new Map(layout.groups.map((g) => [g.id, g]));
  assert.equal(groups.size, 9);
  for (const n of layout.nodes) if (n.parent) assert.ok(inside(n, groups.get(n.parent)!), `${n.id} is inside ${n.parent}`);
  for (const g of layout.groups) if (g.parent) assert.ok(inside(g, groups.get(g.parent)!), `${g.id} is inside ${g.parent}`);
  // Blocks follow one another: no two top-level blocks share a row.
  const top = layout.groups.filter((g) => !g.parent);
  for (let i = 1; i < top.length; i++) assert.ok(top[i].y >= top[i - 1].y + top[i - 1].height, `${top[i].id} is below ${top[i - 1].id}`);
});

test('files with problems still give a graph: empty, no input, an unknown name, a block used wrong', async () => {
  const cases: Record<string, string> = {
    empty: '',
    'no input': 'network t\nconv1: conv 8 f=3\nfc 10\n',
    'unknown name': 'network t\ninput 8x8x3\na: conv 4 f=3 p=1\nb: add from=a,nope\nc: fc 10\n',
    'block used wrong': 'network t\ninput 8x8x3\nblock r(w)\n  x: conv w f=3 p=1\nend\nu: r\nv: fc 10\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    const network = analyzeText(text).network;
    const m = graphModel(network);
    const ids = new Set(m.nodes.map((n) => n.id));
    assert.equal(ids.size, m.nodes.length, `${name}: node ids are unique`);
    for (const e of m.edges) assert.ok(ids.has(e.source) && ids.has(e.target), `${name}: ${e.id} joins two nodes`);
    const layout = await layoutGraph(m);
    assert.equal(layout.nodes.length, m.nodes.length, name);
  }
  const unknown = graphModel(analyzeText(cases['unknown name']).network);
  // b reads a name that does not exist: it is drawn in red, and c, which reads b, as not worked out.
  assert.equal(node(unknown, 'b').severity, 'error');
  assert.equal(node(unknown, 'c').unresolved, true);
  assert.equal(graphModel(analyzeText('').network).nodes.length, 0);
});
