// The language features in a real VS Code (code-server + headless chromium): hover, inlay hints,
// the non-integer-output warning with its Problems entry and quick fix, and the layer table.
// Each step leaves a screenshot in test-results/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_WEBVIEW_MS, ROOT, WAIT_MS, e2eSuite } from './harness';

/** 1-based line of the first line of examples/FILE that starts with `prefix`. */
function lineOf(file: string, prefix: string): number {
  const lines = readFileSync(join(ROOT, 'examples', file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  assert.ok(i >= 0, `examples/${file} has no line starting with "${prefix}"`);
  return i + 1;
}

/** A number as VS Code may show it: 86528 or 86,528 (or with a thin/normal space as separator). */
const num = (n: number) => new RegExp(n.toLocaleString('en-US').replace(/,/g, '[,\\u202f\\u00a0 ]?'));
/** A shape 55×55×48 written with × or x, spaces allowed. */
const shape = (...dims: number[]) => new RegExp(dims.join('\\s*[×x]\\s*'));

e2eSuite('CNN Spec in VS Code (code-server)', (session) => {
  test('hover on conv2 of the coursework network shows its neurons and parameters', async () => {
    const s = session();
    await s.openFile('alexnet-coursework.cnn', 'conv2:');
    // The language server is up once the line shows its inlay hint (a hover asked for earlier comes back empty).
    const line = await s.renderedLine('conv2:');
    await s.until('the language server (conv2\'s inlay hint)', async () => shape(26, 26, 128).test(await line.innerText()), 2 * WAIT_MS);
    await s.gotoPosition(lineOf('alexnet-coursework.cnn', 'conv2:'), 2);
    // editor.action.showHover is Ctrl+K Ctrl+I: the same hover the mouse gives, at the cursor.
    await s.page.keyboard.press('Control+K');
    await s.page.keyboard.press('Control+I');
    const hover = s.page.locator('.monaco-hover:not(.hidden)', { hasText: num(86528) }).first();
    await hover.waitFor({ state: 'visible', timeout: WAIT_MS });
    const text = await hover.innerText();
    assert.match(text, num(86528), `hover text: ${text}`);
    assert.match(text, num(221312), `hover text: ${text}`);
    await s.shot('01-hover-conv2');
    await s.page.keyboard.press('Escape');
  });

  test('inlay hints show each layer\'s output shape at the end of its line', async () => {
    const s = session();
    await s.openFile('alexnet-coursework.cnn', 'conv1:');
    const source = readFileSync(join(ROOT, 'examples', 'alexnet-coursework.cnn'), 'utf8').split('\n')[lineOf('alexnet-coursework.cnn', 'conv1:') - 1];
    assert.doesNotMatch(source, shape(55, 55, 48), 'the source line must not contain the shape itself');
    // The rendered line = source text + the injected inlay hint text.
    const line = await s.renderedLine('conv1:');
    await s.until('an inlay hint "55×55×48" on the conv1 line', async () => shape(55, 55, 48).test(await line.innerText()));
    const pool = await s.renderedLine('pool1:');
    await s.until('an inlay hint "27×27×48" on the pool1 line', async () => shape(27, 27, 48).test(await pool.innerText()));
    await s.shot('02-inlay-hints');
  });

  test('alexnet-224: warning squiggle and Problems entry on conv1; the quick fix through Ctrl+. removes it', async () => {
    const s = session();
    const { page } = s;
    const file = 'alexnet-224.cnn';
    const conv1 = lineOf(file, 'conv1:');
    await s.openFile(file, 'conv1:');
    await s.until('a warning squiggle on the conv1 line', async () => (await s.squigglesOnLine('warning', 'conv1:')) > 0);

    const rows = await s.problems();
    const entry = rows.filter({ hasText: 'non-integer-output' }).filter({ hasText: new RegExp(`Ln ${conv1}\\b`) }).first();
    await entry.waitFor({ timeout: WAIT_MS });
    await s.shot('03-squiggle-before-fix');

    // The cursor goes where the Problems entry points ([Ln 7, Col 17], the f=11 s=4 p=0 it marks); Ctrl+. opens the quick fixes there.
    const where = /Ln (\d+), Col (\d+)/.exec(await entry.innerText());
    assert.ok(where, 'the Problems entry gives a line and column');
    await s.gotoPosition(Number(where[1]), Number(where[2]) + 1);
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: /input to 227\s*[x×]\s*227\s*[x×]\s*3/ }).first();
    await fix.waitFor({ timeout: WAIT_MS });
    const title = await fix.innerText();
    assert.match(title, /55\s*[×x]\s*55\s*[×x]\s*48/, `the fix's title should give conv1's new output: ${title}`);
    await s.shot('04-quick-fix-menu');
    await fix.click();

    await s.editor().locator('.view-line', { hasText: /^input\s+227\s*x\s*227\s*x\s*3/ }).first().waitFor({ timeout: WAIT_MS });
    await s.until('the conv1 warning squiggle to go', async () => (await s.squigglesOnLine('warning', 'conv1:')) === 0);
    await s.until('the conv1 Problems entry to go', async () => (await rows.filter({ hasText: 'non-integer-output' }).filter({ hasText: new RegExp(`Ln ${conv1}\\b`) }).count()) === 0);
    await s.shot('05-squiggle-after-fix');
    await s.closePanel();
  });

  test('"CNN: Show layer table" shows the table with the total of 7,672,104 parameters', async () => {
    const s = session();
    await s.openFile('alexnet-coursework.cnn', 'conv1:');
    await s.runCommand('CNN: Show layer table');
    // A webview (or a Markdown preview, also a webview) or a text editor: whichever shows the total.
    const total = num(7672104);
    await s.until('the layer table with 7,672,104', async () => {
      const inWebview = await s.webview().locator('body', { hasText: total }).count().catch(() => 0);
      const inEditor = await s.page.locator('.editor-group-container.active .view-lines', { hasText: total }).count();
      return inWebview + inEditor > 0;
    }, FIRST_WEBVIEW_MS);
    const body = await s.webview().locator('body').innerText().catch(() => '');
    if (body) {
      assert.match(body, /conv1/);
      assert.match(body, num(17472), 'conv1 has 17,472 parameters');
      assert.match(body, /Training memory\s+\(batch 32\)/, "a memory column at the train statement's batch");
    }
    // More room for the table's columns in the picture: a wider window without the side bar (Ctrl+B).
    const sidebar = s.page.locator('.part.sidebar').first();
    const size = s.page.viewportSize();
    await s.page.setViewportSize({ width: 2300, height: 900 });
    await s.page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await s.webview().locator('body', { hasText: num(7672104) }).waitFor({ timeout: WAIT_MS });
    await s.shot('06-layer-table');
    await s.page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: 'visible', timeout: WAIT_MS });
    if (size) await s.page.setViewportSize(size);
  });
});
