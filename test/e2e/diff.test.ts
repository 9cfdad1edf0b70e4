// "CNN: Compare with…" in a real VS Code (code-server + headless chromium): ResNet-18 with a third
// block added to layer4, compared with itself at git HEAD, shows that block's layers added with
// their parameters, and the totals' delta; and below, the two graphs, the block's 5 nodes marked
// added on the right, avgpool (which now reads it) changed on both sides, in the theme's styles;
// an edit redraws it in place, without scrolling back to the top.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_WEBVIEW_MS, WAIT_MS, e2eSuite } from './harness';

const FILE = 'resnet18.cnn';
const num = (n: number) => new RegExp(n.toLocaleString('en-US').replace(/,/g, '[,\\u202f\\u00a0 ]?'));

e2eSuite('Compare with… in VS Code (code-server)', (session) => {
  test('the file against itself at git HEAD: a block added to layer4 is 5 layers and +4,720,640 parameters', async () => {
    const s = session();
    const env = { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com' };
    execFileSync('git', ['init', '-q'], { cwd: s.workspace, env });
    execFileSync('git', ['add', FILE], { cwd: s.workspace, env });
    execFileSync('git', ['commit', '-qm', 'resnet18'], { cwd: s.workspace, env });
    const path = join(s.workspace, FILE);
    writeFileSync(path, readFileSync(path, 'utf8').replace('layer4.1: basic 512\n', 'layer4.1: basic 512\nlayer4.2: basic 512\n'));
    await s.openFile(FILE, 'network resnet18');
    // The extension is up when the language server's inlay hint shows maxpool's 56x56x64.
    const maxpool = await s.renderedLine('maxpool:');
    await s.until("the language server (maxpool's inlay hint)", async () => /56\s*[×x]\s*56\s*[×x]\s*64/.test(await maxpool.innerText()), 2 * WAIT_MS);
    await s.startCommand('CNN: Compare with');
    const head = s.page.locator('.quick-input-list .monaco-list-row', { hasText: 'at git HEAD' }).first();
    await head.waitFor({ timeout: WAIT_MS });
    await head.click();
    // A basic block of 512: 2 x 3·3·512·512 + 2 x 2·512 = 4,720,640 parameters.
    const body = s.webview().locator('body', { hasText: 'layer4.2.conv1' });
    await body.waitFor({ timeout: FIRST_WEBVIEW_MS });
    const text = await body.innerText();
    assert.match(text, /5 added, 0 removed, 1 changed/, text);
    assert.match(text, num(4720640), text);
    assert.match(text, /HEAD:resnet18\.cnn/, text);
    assert.match(text, num(11689512 + 4720640), 'the total after');
    await s.shot('compare-with-head');

    const view = s.webview();
    const a = view.locator('#graph-a svg.cnn-graph g.node');
    const b = view.locator('#graph-b svg.cnn-graph g.node');
    await s.until('both graphs drawn', async () => (await a.count()) === 52 && (await b.count()) === 57, FIRST_WEBVIEW_MS);
    const marked = (side: string, status: string) => view.locator(`#graph-${side} g.node.${status}`).evaluateAll((all) => all.map((n) => n.getAttribute('data-id')));
    assert.deepEqual(await marked('b', 'added'), ['layer4.2.conv1', 'layer4.2.bn1', 'layer4.2.conv2', 'layer4.2.bn2', 'layer4.2.add']);
    assert.deepEqual(await marked('b', 'changed'), ['avgpool']);
    assert.deepEqual(await marked('a', 'changed'), ['avgpool']);
    assert.deepEqual(await marked('a', 'removed'), []);
    assert.deepEqual(await marked('a', 'added'), []);
    assert.match((await view.locator('#graph-b g.node[data-id="layer4.2.conv1"]').getAttribute('aria-label')) ?? '', /^conv1 \(added\): conv 512/);
    // The graph stylesheet is inline, let in by its hash: were it blocked, every border would be the same.
    const strokeWidth = (side: string, id: string) => view.locator(`#graph-${side} g.node[data-id="${id}"] rect`).evaluate((r) => getComputedStyle(r).strokeWidth);
    assert.equal(await strokeWidth('b', 'layer4.2.conv1'), '3px');
    assert.equal(await strokeWidth('b', 'layer4.1.conv1'), '1px');
    const stroke = (side: string, id: string) => view.locator(`#graph-${side} g.node[data-id="${id}"] rect`).evaluate((r) => getComputedStyle(r).stroke);
    const colours = [await stroke('b', 'layer4.2.conv1'), await stroke('b', 'avgpool'), await stroke('b', 'layer4.1.conv1')];
    assert.equal(new Set(colours).size, 3, `added, changed and unchanged borders differ: ${colours.join(', ')}`);
    assert.equal(await view.locator('.graph-legend li').count(), 4);
    await view.locator('#graph-b g.node[data-id="layer4.2.conv1"]').scrollIntoViewIfNeeded();
    await s.shot('compare-with-graphs');

    // An edit redraws the page in place: a fourth block shows up, and the reader stays at the graphs.
    const scrollTop = () => view.locator('html').evaluate(() => document.scrollingElement!.scrollTop);
    const before = await scrollTop();
    assert.ok(before > 300, `scrolled down to the graphs: ${before} px`);
    await s.gotoPosition(44, 1);
    await s.page.keyboard.type('layer4.3: basic 512');
    await s.page.keyboard.press('Escape');
    await view.locator('#graph-b g.node[data-id="layer4.3.conv1"]').waitFor({ timeout: FIRST_WEBVIEW_MS });
    assert.match(await view.locator('#summary').innerText(), /^10 added, 0 removed, 1 changed/);
    const after = await scrollTop();
    assert.ok(after > before / 2, `the page stays scrolled down: ${before} px before the edit, ${after} px after`);
  });
});
