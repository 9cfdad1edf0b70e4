// The graph view in a real VS Code (code-server + headless chromium): ResNet-18 drawn with every
// layer, a click on a node reveals its line, the cursor's line lights its node, the keyboard walks
// the edges, a block closes to one node, and an edit that breaks a merge turns its node red within
// a second. The first screenshot illustrates the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { FIRST_WEBVIEW_MS, ROOT, WAIT_MS, e2eSuite } from './harness';

const FILE = 'resnet18.cnn';
const text = readFileSync(join(ROOT, 'examples', FILE), 'utf8');
const lines = text.split('\n');
const network = analyzeText(text).network;

function lineOf(prefix: string, after = 0): number {
  const i = lines.findIndex((l, index) => index >= after && l.startsWith(prefix));
  assert.ok(i >= 0, `examples/${FILE} has no line starting with "${prefix}"`);
  return i + 1;
}

/** The time an edit may take to show in the graph (the "within a second"). */
const LIVE_MS = 1000;

e2eSuite('Graph view in VS Code (code-server)', (session) => {
  test('CNN: Show graph draws every layer of ResNet-18, and a click on a node reveals its line', async () => {
    const s = session();
    await s.openFile(FILE, 'conv1:');
    await s.runCommand('CNN: Show graph');
    const view = s.webview();
    const nodes = view.locator('svg.cnn-graph g.node');
    await nodes.first().waitFor({ timeout: FIRST_WEBVIEW_MS });
    const expected = ['input', ...network.layers.map((l) => l.name)];
    assert.equal(expected.length, 52, 'ResNet-18: 51 layers and the input');
    await s.until('every layer drawn', async () => (await nodes.count()) === expected.length);
    assert.deepEqual(await nodes.evaluateAll((all) => all.map((n) => n.getAttribute('data-id'))), expected);
    assert.equal(await view.locator('svg.cnn-graph g.edge').count(), 59, 'every name a layer reads is an edge');
    assert.equal(await view.locator('svg.cnn-graph g.group').count(), 9, 'every block instance is a group');
    assert.match(await view.locator('g.edge[data-source="avgpool"][data-target="fc"]').innerHTML(), /1×1×512/);
    assert.match(await view.locator('g.node[data-id="conv1"]').innerHTML(), /112×112×64/);
    // The stem's 112.5 floored to 112 is a warning, drawn on conv1.
    assert.match((await view.locator('g.node[data-id="conv1"]').getAttribute('class')) ?? '', /\bwarning\b/);

    const downsample = lineOf('  downsample.0:');
    await view.locator('g.node[data-id="layer2.0.downsample.0"]').click();
    await s.page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${downsample}, Col 1\\b`) }).first().waitFor({ timeout: WAIT_MS });
    // The cursor is on that line now: its node in each strided block is lit.
    await s.until('the nodes of the cursor\'s line highlighted', async () => (await view.locator('g.node.current').count()) === 3);
    assert.deepEqual(await view.locator('g.node.current').evaluateAll((all) => all.map((n) => n.getAttribute('data-id'))), ['layer2.0.downsample.0', 'layer3.0.downsample.0', 'layer4.0.downsample.0']);

    const sidebar = s.page.locator('.part.sidebar').first();
    const size = s.page.viewportSize();
    await s.page.setViewportSize({ width: 1800, height: 1000 });
    await s.page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await view.locator('g.node[data-id="maxpool"]').scrollIntoViewIfNeeded();
    await s.shot('11-graph-view');
    await s.page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: 'visible', timeout: WAIT_MS });
    if (size) await s.page.setViewportSize(size);
  });

  test('moving the cursor lights its node; the keyboard follows the edges and Enter reveals', async () => {
    const s = session();
    const view = s.webview();
    // Back to the text (Ctrl+1: the first editor group), wherever the last step left the focus.
    await s.page.keyboard.press('Control+1');
    await s.gotoPosition(lineOf('maxpool:'), 1);
    await s.until('maxpool highlighted', async () => /\bcurrent\b/.test((await view.locator('g.node[data-id="maxpool"]').getAttribute('class')) ?? ''));
    assert.equal(await view.locator('g.node.current').count(), 1);

    await view.locator('g.node[data-id="conv1"]').focus();
    await view.locator('g.node[data-id="conv1"]').press('ArrowDown');
    await s.until('ArrowDown goes to the layer conv1 feeds', async () => (await view.locator('g.node:focus').getAttribute('data-id')) === 'bn1');
    await view.locator('g.node:focus').press('ArrowDown');
    await view.locator('g.node:focus').press('ArrowDown');
    await s.until('and on, to maxpool\'s first reader', async () => (await view.locator('g.node:focus').getAttribute('data-id')) === 'layer1.0.conv1');
    await view.locator('g.node:focus').press('ArrowUp');
    await s.until('ArrowUp goes back to what it reads', async () => (await view.locator('g.node:focus').getAttribute('data-id')) === 'maxpool');
    await view.locator('g.node:focus').press('Enter');
    await s.page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${lineOf('maxpool:')}, Col 1\\b`) }).first().waitFor({ timeout: WAIT_MS });
  });

  test('a block closes to one node with its totals, and opens again', async () => {
    const s = session();
    const view = s.webview();
    await view.locator('g.group[data-id="layer1"] .toggle').click();
    const closed = view.locator('g.node.collapsed[data-id="layer1"]');
    await closed.waitFor({ timeout: WAIT_MS });
    assert.match(await closed.innerHTML(), /148K params/, 'layer1 holds 147,968 parameters');
    assert.equal(await view.locator('g.node[data-id="layer1.0.conv1"]').count(), 0);
    await closed.press(' ');
    await view.locator('g.node[data-id="layer1.0.conv1"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await view.locator('g.node').count(), 52);
  });

  test('an edit that breaks a merge turns its node red within a second', async () => {
    const s = session();
    const view = s.webview();
    const add = view.locator('g.node[data-id="layer2.0.add"]');
    assert.doesNotMatch((await add.getAttribute('class')) ?? '', /\berror\b/);
    // conv2 of the strided block loses its padding: 26x26 beside the projection's 28x28.
    const conv2 = lineOf('  conv2:', lineOf('block down'));
    const column = lines[conv2 - 1].indexOf('p=1') + 3;
    await s.page.keyboard.press('Control+1');
    await s.gotoPosition(conv2, column);
    await s.page.keyboard.press('Backspace');
    const typed = Date.now();
    await s.page.keyboard.type('0');
    await s.until('layer2.0.add drawn red', async () => /\berror\b/.test((await add.getAttribute('class')) ?? ''), LIVE_MS);
    const took = Date.now() - typed;
    assert.match(await add.locator('title').textContent() ?? '', /shape-mismatch/);
    // layer3.0 and layer4.0 read that line too, but are not worked out once layer2.0's output is lost: no error on them.
    assert.equal(await view.locator('g.node.error').count(), 1, `only the broken merge is red (${took} ms)`);
    await s.page.keyboard.press('Control+Z');
    await s.until('the undo clears it', async () => !/\berror\b/.test((await add.getAttribute('class')) ?? ''), WAIT_MS);
  });
});
