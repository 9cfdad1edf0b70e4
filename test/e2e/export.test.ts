// "CNN: Export model…" in a real VS Code (code-server + headless chromium): from lenet5.cnn, the
// format pick, the weights pick and the save dialog; the ONNX file it writes is read back with the
// official schema and holds LeNet-5's layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../../runner/src/onnx/onnxSchema';
import { WAIT_MS, e2eSuite } from './harness';

e2eSuite('Export in VS Code (code-server)', (session) => {
  test('CNN: Export model… writes lenet5.onnx beside the file with fresh weights', async () => {
    const s = session();
    await s.openFile('lenet5.cnn', 'network lenet5');
    // The extension is up when the language server's inlay hints show; the palette may not list its
    // commands before that on a loaded machine.
    const line = await s.renderedLine('c1:');
    await s.until("the language server (c1's inlay hint)", async () => /28\s*[×x]\s*28\s*[×x]\s*6/.test(await line.innerText()), 2 * WAIT_MS);
    await s.startCommand('CNN: Export model');
    const rows = s.page.locator('.quick-input-list .monaco-list-row');
    // The format: ONNX.
    await rows.filter({ hasText: 'ONNX' }).first().waitFor({ timeout: WAIT_MS });
    await s.page.keyboard.press('Enter');
    // The weights: the runs of lenet5 that other e2e files trained in this workspace, newest first, then fresh weights.
    await s.page.locator('.quick-input-widget', { hasText: 'with the weights of' }).first().waitFor({ timeout: WAIT_MS });
    const fresh = rows.filter({ hasText: 'Fresh weights' }).first();
    await fresh.waitFor({ timeout: WAIT_MS });
    await fresh.click();
    // The save dialog (code-server's own, a path in the quick input) suggests lenet5.onnx beside the file.
    const input = s.page.locator('.quick-input-widget input.input').first();
    await s.until('the save dialog to suggest lenet5.onnx', async () => /lenet5\.onnx$/.test(await input.inputValue().catch(() => '')));
    await s.page.keyboard.press('Enter');
    const out = join(s.workspace, 'lenet5.onnx');
    await s.page.locator('.notifications-toasts', { hasText: /Exported lenet5\.cnn to .*lenet5\.onnx with fresh weights \(seed 1\)/ }).first().waitFor({ timeout: 4 * WAIT_MS });
    assert.ok(existsSync(out));
    const model = decodeModel(readFileSync(out)) as { graph: { node: { name: string }[]; initializer: { name: string }[] } };
    assert.deepEqual(model.graph.node.map((n) => n.name).slice(0, 3), ['c1#conv', 'c1', 's2']);
    assert.ok(model.graph.initializer.some((t) => t.name === 'f6.weight'));
    await s.shot('12-export');
  });
});
