// Typing a network from scratch in a real VS Code, as a student does: each line typed out and Enter
// pressed at its end, with the completion list popping up on its own as it does for everyone. The
// saved file must be exactly the text typed: Enter at a line end never accepts a completion (the
// issue found it did at init=he, p=1, s=2, batchnorm and init=gaussian), and completion inserts nothing unasked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WAIT_MS, e2eSuite } from './harness';

const TYPED = [
  'network typed',
  'input 32x32x3',
  'defaults act=relu init=he',
  'conv1: conv 16 f=3 p=1',
  'bn1: batchnorm',
  'pool1: maxpool f=2 s=2',
  'conv2: conv 32 f=3 s=2 p=1 init=he',
  'dropout rate=0.5',
  'fc 64 act=relu init=gaussian',
  'out: softmax 10',
  'train dataset=shapes epochs=1',
];

e2eSuite('Typing a .cnn file from scratch (code-server)', (session) => {
  test('each line typed and Enter pressed at its end gives exactly the text typed', async () => {
    const s = session();
    const { page } = s;
    writeFileSync(join(s.workspace, 'typed.cnn'), '');
    // A double click opens it pinned with the focus in the editor (a new, empty file gives
    // openFile's Ctrl+1 nothing to wait for).
    await page.keyboard.press('Escape');
    const row = await s.explorerRow('typed.cnn');
    await row.dblclick();
    await page.locator('.tabs-container .tab.active[data-resource-name="typed.cnn"]').first().waitFor({ timeout: 2 * WAIT_MS });
    await s.editor().locator('.view-lines').click();
    await page.locator('.editor-group-container.active .monaco-editor.focused').first().waitFor({ timeout: WAIT_MS });
    const suggest = page.locator('.editor-group-container.active .suggest-widget.visible');
    for (const line of TYPED) {
      await page.keyboard.type(line);
      // The list may be open from a keystroke before; at a line end it must close by itself (the
      // server's answer to the last keystroke is empty) before Enter, or Enter would take an item.
      await s.until(`no completion list at the end of "${line}"`, async () => (await suggest.count()) === 0, WAIT_MS).catch(async (e) => {
        await s.shot('11-typing-suggest-open');
        const items = await suggest.locator('.monaco-list-row').allInnerTexts().catch(() => []);
        throw new Error(`${(e as Error).message}; the list shows: ${items.join(' | ')}`);
      });
      await page.keyboard.press('Enter');
    }
    await page.keyboard.press('Control+S');
    const file = join(s.workspace, 'typed.cnn');
    const expected = `${TYPED.join('\n')}\n`;
    // Saving can take a while on a loaded machine ("Writing into file..."): wait for the dirty mark to go.
    await page.locator('.tabs-container .tab.active.dirty[data-resource-name="typed.cnn"]').waitFor({ state: 'detached', timeout: 3 * WAIT_MS }).catch(() => undefined);
    await s.until('typed.cnn on disk', async () => readFileSync(file, 'utf8') === expected, WAIT_MS).catch(() => undefined);
    await s.shot('11-typed');
    assert.equal(readFileSync(file, 'utf8'), expected);
  });
});
