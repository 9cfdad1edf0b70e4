// "CNN: Compare with…"'s graphs (client/src/compareGraphs.ts) outside VS Code: each side's picture
// marks exactly the layers the diff (networkDiff.ts) names, on A's side removed and changed, on B's
// added and changed, in words as well as in colour; a side too large to lay out is said, not drawn;
// and the page lets in the graph stylesheet by its hash and still no script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { diffNetworks, type NetworkDiff } from '../../server/src/language/networkDiff';
import { GRAPH_NODE_LIMIT, compareGraphsHtml, layoutSide } from '../../client/src/compareGraphs';
import { compareHtml } from '../../client/src/compareHtml';
import { classes, xmlElements, type XmlElement } from '../xml';

const example = (file: string) => analyzeText(readFileSync(`examples/${file}`, 'utf8')).network;
const STATUSES = ['added', 'removed', 'changed'] as const;

interface DrawnNode { id: string; status?: string; label: string; title: string; sign?: string }

/** Lays out both sides, renders the section, and reads each side's nodes back from its SVG. */
async function drawn(a: Network, b: Network, diff: NetworkDiff): Promise<{ html: string; a: DrawnNode[]; b: DrawnNode[] }> {
  const html = compareGraphsHtml(diff, { state: 'drawn', a: await layoutSide(a), b: await layoutSide(b) });
  const side = (which: 'a' | 'b'): DrawnNode[] => {
    const svg = new RegExp(`<figure id="graph-${which}">[\\s\\S]*?(<svg[\\s\\S]*?</svg>)`).exec(html)?.[1];
    assert.ok(svg, `side ${which} is drawn`);
    const elements = xmlElements(svg);
    const nodes: DrawnNode[] = [];
    let current: DrawnNode | undefined;
    let inMark = false;
    for (const e of elements as XmlElement[]) {
      if (e.name === 'g' && classes(e).includes('node')) {
        const status = STATUSES.find((s) => classes(e).includes(s));
        current = { id: e.attributes.get('data-id')!, status, label: e.attributes.get('aria-label')!, title: '' };
        nodes.push(current);
        inMark = false;
      } else if (current && e.name === 'title' && !current.title) current.title = e.text;
      else if (current && e.name === 'g' && classes(e).includes('mark')) inMark = true;
      else if (current && inMark && e.name === 'text') current.sign = e.text;
    }
    return nodes;
  };
  return { html, a: side('a'), b: side('b') };
}

const ids = (nodes: DrawnNode[], status: string) => nodes.filter((n) => n.status === status).map((n) => n.id).sort();
const named = (diff: NetworkDiff, status: string, side: 'a' | 'b') => diff.layers.filter((l) => l.status === status).map((l) => l[side]!.name).sort();

/** Every marked node says its mark in words (label and tooltip) and with its sign; no unmarked node does. */
function assertMarkedInWords(nodes: DrawnNode[]): void {
  const sign = { added: '+', removed: '−', changed: '~' } as Record<string, string>;
  for (const n of nodes) {
    if (n.status) {
      assert.match(n.label, new RegExp(`^[^:]+ \\(${n.status}\\): `), n.label);
      assert.equal(n.title, n.label);
      assert.equal(n.sign, sign[n.status], n.id);
    } else {
      assert.doesNotMatch(n.label, /\((added|removed|changed)\)/, n.label);
      assert.equal(n.sign, undefined, n.id);
    }
  }
}

test('ResNet-18 → ResNet-34: B marks the 40 layers of the 8 added blocks and the 7 that read them, A the same 7 and nothing removed', async () => {
  const r18 = example('resnet18.cnn'), r34 = example('resnet34.cnn');
  const diff = diffNetworks(r18, r34, { labels: ['resnet18.cnn', 'resnet34.cnn'] });
  const { html, a, b } = await drawn(r18, r34, diff);
  // ResNet-34 has 3, 4, 6, 3 basic blocks where ResNet-18 has 2 of each: 1 + 2 + 4 + 1 = 8 more blocks of 5 layers.
  // Each first block of layer2-4 now reads the last of a longer layer (its conv1 and downsample.0), and avgpool reads layer4.2.out.
  assert.equal(ids(b, 'added').length, 40);
  assert.equal(ids(b, 'changed').length, 7);
  assert.deepEqual(ids(a, 'changed'), ['avgpool', 'layer2.0.conv1', 'layer2.0.downsample.0', 'layer3.0.conv1', 'layer3.0.downsample.0', 'layer4.0.conv1', 'layer4.0.downsample.0']);
  assert.equal(ids(a, 'removed').length, 0);
  assert.equal(ids(a, 'added').length + ids(b, 'removed').length, 0, 'A has nothing added, B nothing removed');
  // Exactly the diff's layers, each under its own side's name.
  assert.deepEqual(ids(b, 'added'), named(diff, 'added', 'b'));
  assert.deepEqual(ids(b, 'changed'), named(diff, 'changed', 'b'));
  assert.deepEqual(ids(a, 'changed'), named(diff, 'changed', 'a'));
  assert.ok(ids(b, 'added').includes('layer3.5.conv2'));
  // Every layer is a node (and the input): 51 + 1 and 91 + 1.
  assert.equal(a.length, r18.layers.length + 1);
  assert.equal(b.length, 92);
  assertMarkedInWords(a);
  assertMarkedInWords(b);
  // A changed node's tooltip says what changed, as the diff does.
  assert.match(a.find((n) => n.id === 'avgpool')!.title, /\ninputs: layer4\.1\.add → layer4\.2\.add/);
  assert.match(html, /<figcaption>A: resnet18\.cnn \(0 removed, 7 changed\)<\/figcaption>/);
  assert.match(html, /<figcaption>B: resnet34\.cnn \(40 added, 7 changed\)<\/figcaption>/);
  for (const status of STATUSES) assert.match(html, new RegExp(`<li><span class="swatch ${status}" aria-hidden="true">.</span>${status}: `), `the legend explains ${status}`);
});

test('coursework → 224: conv1 to pool3 changed on both sides; the input, fc1, fc2 and out drawn unmarked', async () => {
  const coursework = example('alexnet-coursework.cnn'), a224 = example('alexnet-224.cnn');
  const diff = diffNetworks(coursework, a224);
  const { a, b } = await drawn(coursework, a224, diff);
  // (224 − 11)/4 + 1 = 54.25 floors to 54, not 55, and every size below shrinks by one up to pool3,
  // whose (10 − 4)/3 + 1 = 3 is the 3 that (11 − 4)/3 + 1 = 3.33 floored to: fc1 onwards are the same.
  const changed = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'pool1', 'pool2', 'pool3'];
  for (const side of [a, b]) {
    assert.deepEqual(ids(side, 'changed'), changed);
    assert.deepEqual(ids(side, 'added'), []);
    assert.deepEqual(ids(side, 'removed'), []);
    assert.deepEqual(side.filter((n) => !n.status).map((n) => n.id), ['input', 'fc1', 'fc2', 'out']);
    assertMarkedInWords(side);
  }
  assert.deepEqual(ids(a, 'changed'), named(diff, 'changed', 'a'));
  assert.match(b.find((n) => n.id === 'conv1')!.title, /\noutput: 55×55×48 → 54×54×48/);
});

test('a layer the diff pairs under another name is marked under each side\'s own name; one only in A is removed', async () => {
  const a = analyzeText('input 8x8x1\nhidden: fc 4\nextra: fc 4\nsoftmax 2\n').network;
  const b = analyzeText('input 8x8x1\nwide: fc 8\nsoftmax 2\n').network;
  const diff = diffNetworks(a, b);
  const sides = await drawn(a, b, diff);
  // hidden pairs with wide (the one fc left on each side), so it is changed, and extra is removed;
  // the softmax now reads wide's 8 values instead of extra's 4, so it is changed too.
  assert.deepEqual(ids(sides.a, 'changed'), ['hidden', 'softmax1']);
  assert.deepEqual(ids(sides.a, 'removed'), ['extra']);
  assert.deepEqual(ids(sides.b, 'changed'), ['softmax1', 'wide']);
  assert.deepEqual(ids(sides.a, 'changed'), named(diff, 'changed', 'a'));
  assert.deepEqual(ids(sides.b, 'changed'), named(diff, 'changed', 'b'));
  assert.match(sides.b.find((n) => n.id === 'wide')!.title, /\nname: hidden → wide\ncount: 4 → 8/);
});

test(`a side of more than ${GRAPH_NODE_LIMIT} nodes is not laid out, and the page says so; the other side is drawn`, async () => {
  const big = analyzeText(`input 8x8x1\n${'fc 4\n'.repeat(GRAPH_NODE_LIMIT)}softmax 2\n`).network;
  const small = analyzeText('input 8x8x1\nfc 4\nsoftmax 2\n').network;
  const side = await layoutSide(big);
  assert.deepEqual(side, { tooLarge: GRAPH_NODE_LIMIT + 2 });
  const diff = diffNetworks(small, big, { labels: ['small.cnn', 'big.cnn'] });
  const html = compareGraphsHtml(diff, { state: 'drawn', a: await layoutSide(small), b: side });
  assert.match(html, new RegExp(`big\\.cnn has ${GRAPH_NODE_LIMIT + 2} nodes: the graphs are drawn for up to ${GRAPH_NODE_LIMIT} a side`));
  assert.equal((html.match(/<svg /g) ?? []).length, 1);
  assert.match(html, /<figure id="graph-a"><figcaption>A: small\.cnn[^<]*<\/figcaption><div class="graph-scroll"><svg /);
});

test('the page: the graph stylesheet allowed by its hash alone, only its own script, no buttons, one arrow id a picture', async () => {
  const r18 = example('resnet18.cnn'), r34 = example('resnet34.cnn');
  const diff = diffNetworks(r18, r34);
  const html = compareHtml(diff, { cspSource: 'vscode-webview://x', pageStyleUri: 'p.css', tableStyleUri: 't.css', compareStyleUri: 'c.css', scriptUri: 'compare.js', nonce: 'n0nce' },
    { state: 'drawn', a: await layoutSide(r18), b: await layoutSide(r34) });
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  assert.equal(styles.length, 1);
  const hash = createHash('sha256').update(styles[0]).digest('base64');
  const csp = /content="([^"]*)">/.exec(html)![1].replace(/&#39;/g, "'");
  assert.equal(csp, `default-src 'none'; style-src vscode-webview://x 'sha256-${hash}'; font-src vscode-webview://x; script-src 'nonce-n0nce'`);
  assert.match(styles[0], /\.node\.added rect \{ stroke: var\(--vscode-editorGutter-addedBackground, #48985d\);/);
  assert.deepEqual(html.match(/<script[^>]*>/g), ['<script nonce="n0nce" src="compare.js">']);
  assert.doesNotMatch(html, /\son\w+=/i);
  assert.doesNotMatch(html, /tabindex|role="button"/);
  assert.deepEqual([...html.matchAll(/<marker id="([^"]+)"/g)].map((m) => m[1]), ['cnn-a-arrow', 'cnn-b-arrow']);
  assert.equal((html.match(/url\(#cnn-a-arrow\)/g) ?? []).length, 59, 'ResNet-18\'s 59 edges point with A\'s arrow');
  // The tables come first, the graphs after the totals.
  assert.ok(html.indexOf('<h2>Totals</h2>') < html.indexOf('<h2>Graphs</h2>'));
});
