// Graphs in a real VS Code (code-server + headless chromium): ResNet-18 written with torchvision's
// names; the hover on a block use gives the instance's totals, and the layer table folds instances
// and opens them. The screenshots illustrate the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_WEBVIEW_MS, ROOT, WAIT_MS, e2eSuite } from './harness';
import { runCli } from '../cli';

const FILE = 'resnet18.cnn';

function lineOf(prefix: string): number {
  const i = readFileSync(join(ROOT, 'examples', FILE), 'utf8').split('\n').findIndex((l) => l.startsWith(prefix));
  assert.ok(i >= 0, `examples/${FILE} has no line starting with "${prefix}"`);
  return i + 1;
}

const num = (n: number) => new RegExp(n.toLocaleString('en-US').replace(/,/g, '[,\\u202f\\u00a0 ]?'));
const shape = (...dims: number[]) => new RegExp(dims.join('\\s*[×x]\\s*'));

e2eSuite('Graphs in VS Code (code-server)', (session) => {
  test('hover on a block use (layer1: basic 64 repeat=2) gives the instance group and its copies', async () => {
    const s = session();
    await s.openFile(FILE, 'layer1:');
    const line = await s.renderedLine('layer1:');
    // Two basic blocks of 64: 2 x (2 x 36,864 + 2 x 128) = 147,968 parameters, 56x56x64 out.
    await s.until("the language server (layer1's inlay hint)", async () => shape(56, 56, 64).test(await line.innerText()), 2 * WAIT_MS);
    await s.gotoPosition(lineOf('layer1:'), 12);
    const hover = s.page.locator('.monaco-hover:not(.hidden)', { hasText: num(147968) }).first();
    // Ctrl+K Ctrl+I shows the hover at the cursor; asked again if the first answer came back empty
    // (the server may still be analysing the file the first time).
    await s.until('the hover on layer1', async () => {
      await s.page.keyboard.press('Control+K');
      await s.page.keyboard.press('Control+I');
      return hover.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
    }, 2 * WAIT_MS);
    const text = await hover.innerText();
    assert.match(text, /block basic/, `hover text: ${text}`);
    assert.match(text, num(73984), `hover text: ${text}`);
    await s.shot('07-resnet-hover');
    await s.page.keyboard.press('Escape');
  });

  test('the layer table folds instances, with torchvision\'s total of 11,689,512, and opens one', async () => {
    const s = session();
    await s.openFile(FILE, 'conv1:');
    await s.runCommand('CNN: Show layer table');
    const body = s.webview().locator('body', { hasText: num(11689512) });
    await body.waitFor({ timeout: FIRST_WEBVIEW_MS });
    const inside = s.webview().locator('tr', { hasText: 'layer2.0.downsample.0' });
    // Closed by default: the instance's row shows, its layers do not.
    await s.webview().locator('tr', { hasText: 'layer2.0' }).first().waitFor({ timeout: WAIT_MS });
    assert.equal(await inside.filter({ visible: true }).count(), 0, 'layer2.0 starts closed');
    await s.webview().locator('tr', { hasText: 'layer2.0' }).first().locator('button.toggle').click();
    await inside.filter({ visible: true }).first().waitFor({ timeout: WAIT_MS });
    assert.match(await inside.first().innerText(), num(8192), 'layer2.0.downsample.0 has 64 x 128 = 8,192 parameters');
    const sidebar = s.page.locator('.part.sidebar').first();
    const size = s.page.viewportSize();
    await s.page.setViewportSize({ width: 1800, height: 1000 });
    await s.page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await s.shot('08-resnet-table');
    await s.page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: 'visible', timeout: WAIT_MS });
    if (size) await s.page.setViewportSize(size);
  });

  test('in a half-width editor at 1440x900 the header row, the layer names and the totals stay in place as the table scrolls down and right; memory is its last column', async () => {
    const s = session();
    const view = s.webview();
    await view.locator('body', { hasText: num(11689512) }).waitFor({ timeout: FIRST_WEBVIEW_MS });
    // 1440x900 without the side bar: the text and the table share the width, about 700 px each.
    assert.deepEqual(s.page.viewportSize(), { width: 1440, height: 900 });
    const sidebar = s.page.locator('.part.sidebar').first();
    await s.page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: 'hidden', timeout: WAIT_MS });
    try {
      // Every instance open: ResNet-18's 60 rows are more than the panel's height.
      const closed = view.locator('tr.instance:not([hidden]) button.toggle[aria-expanded="false"]');
      while ((await closed.count()) > 0) await closed.first().click();
      await view.locator('tr:not([hidden])', { hasText: 'layer4.1.conv2' }).waitFor({ timeout: WAIT_MS });

      const scroller = view.locator('.layer-table-scroll');
      const extent = () => scroller.evaluate((e) => ({ top: e.scrollTop, left: e.scrollLeft, maxTop: e.scrollHeight - e.clientHeight, maxLeft: e.scrollWidth - e.clientWidth }));
      const page = await view.locator('html').evaluate((e) => ({ width: e.clientWidth, scrollWidth: e.scrollWidth, height: e.clientHeight, scrollHeight: e.scrollHeight }));
      assert.ok(page.width > 600 && page.width < 800, `the panel is about half of 1440 px wide: ${page.width}`);
      assert.ok(page.scrollWidth <= page.width && page.scrollHeight <= page.height, `the page itself does not scroll, only the table's box: ${JSON.stringify(page)}`);
      // Clicking the toggles scrolled them into sight: start from the top-left.
      await scroller.evaluate((e) => e.scrollTo(0, 0));
      const before = await extent();
      assert.deepEqual([before.top, before.left], [0, 0]);
      assert.ok(before.maxTop > 300 && before.maxLeft > 100, `the table is taller and wider than its box: ${JSON.stringify(before)}`);

      const box = async (locator: ReturnType<typeof view.locator>) => {
        const b = await locator.boundingBox();
        assert.ok(b, 'an element with a box');
        return b;
      };
      const head = view.locator('thead th');
      const corner = head.first();
      const parametersHead = head.filter({ hasText: /^Parameters$/ });
      const memoryHead = head.last();
      assert.match(await memoryHead.innerText(), /^Training memory\s+\(batch 32\)$/, 'the last column is the memory at the default batch (resnet18.cnn has no train statement)');
      const firstName = view.locator('tbody tr', { hasText: 'conv1' }).first().locator('th');
      const fc = view.locator('tbody tr[data-id="fc"]');
      const totals = view.locator('tfoot tr').first();
      const container = await box(scroller);
      const cornerBefore = await box(corner);
      const parametersBefore = await box(parametersHead);
      const firstNameBefore = await box(firstName);

      // Scrolled as a user does, with the wheel over the table.
      await s.page.mouse.move(container.x + container.width / 2, container.y + container.height / 2);
      await s.page.mouse.wheel(0, 20 * container.height);
      await s.page.mouse.wheel(20 * container.width, 0);
      await s.until('the table scrolled to its bottom right', async () => {
        const e = await extent();
        return e.top >= e.maxTop - 1 && e.left >= e.maxLeft - 1;
      });

      const within = (b: { x: number; y: number; width: number; height: number }, what: string) => {
        assert.ok(b.x >= container.x - 1 && b.x + b.width <= container.x + container.width + 1, `${what} is in view sideways: ${JSON.stringify(b)} in ${JSON.stringify(container)}`);
        assert.ok(b.y >= container.y - 1 && b.y + b.height <= container.y + container.height + 1, `${what} is in view: ${JSON.stringify(b)} in ${JSON.stringify(container)}`);
      };
      const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1, `${what}: ${a} vs ${b}`);
      // The rows and columns did move: conv1's name went up out of sight, the Parameters header left.
      near((await box(firstName)).x, firstNameBefore.x, "conv1's name stays at the left");
      assert.ok((await box(firstName)).y < firstNameBefore.y - 300, 'the rows scrolled up');
      const parametersAfter = await box(parametersHead);
      assert.ok(parametersAfter.x < parametersBefore.x - 100, 'the columns scrolled left');
      // The header row stayed at the box's top, its first cell at the top-left corner.
      const cornerAfter = await box(corner);
      near(cornerAfter.x, cornerBefore.x, 'the top-left cell stays at the left');
      near(cornerAfter.y, cornerBefore.y, 'the top-left cell stays at the top');
      near(cornerAfter.y, container.y, 'the header row is at the top of the box');
      near(parametersAfter.y, cornerBefore.y, 'the header row stays at the top');
      within(cornerAfter, 'the top-left cell');
      within(await box(memoryHead), 'the memory header');
      // The last layer and the totals show in full, each with its name in the first column.
      const fcName = await box(fc.locator('th'));
      near(fcName.x, container.x, "fc's name is in the first column");
      within(fcName, "fc's name");
      within(await box(fc.locator('td').last()), "fc's memory");
      const totalLabel = await box(totals.locator('th'));
      near(totalLabel.x, container.x, 'the Total label is in the first column');
      within(totalLabel, 'the Total label');
      const totalMemory = totals.locator('td').last();
      within(await box(totalMemory), 'the memory total');
      // The webview's figures are cnn table's at the same batch.
      const cli = (await runCli(['table', join(ROOT, 'examples', FILE), '--batch', '32'])).stdout.split('\n');
      const cliLast = (prefix: RegExp) => cli.find((l) => prefix.test(l))?.trim().split(/\s{2,}/).at(-1);
      assert.equal(await totalMemory.innerText(), cliLast(/^Total\s{2,}/));
      assert.equal(await fc.locator('td').last().innerText(), cliLast(/^fc\s/));
      await s.shot('08b-resnet-table-half-width-scrolled');
    } finally {
      await s.page.keyboard.press('Control+B');
      await sidebar.waitFor({ state: 'visible', timeout: WAIT_MS });
    }
  });
});
