/**
 * Typing does not re-analyse on every keystroke (issue "Hardening"): a burst of changes gets its
 * diagnostics once, for the latest version, while a hover asked mid-burst sees the latest text.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { LspClient } from './lspClient';

test('twenty changes in a burst publish diagnostics once, for the last version; hover never waits', { timeout: 60_000 }, async () => {
  const client = new LspClient();
  try {
    await client.initialize();
    const uri = 'untitled:burst.cnn';
    await client.open(uri, 'input 32x32x3\nconv 8 f=3\nsoftmax 2');
    let published = 0;
    const done = new Promise<{ diagnostics: { code: string }[] }>((resolve) => {
      const watch = () => client.nextDiagnostics(uri).then((d) => {
        published++;
        if (d.diagnostics.some((x) => x.code === 'output-too-small')) resolve(d);
        void watch();
      });
      void watch();
    });
    for (let v = 2; v <= 21; v++) {
      // The last version has a kernel too large for its input: its diagnostics are the ones to see.
      const text = v === 21 ? 'input 32x32x3\nconv 8 f=40\nsoftmax 2' : `input 32x32x3\nconv ${v} f=3\nsoftmax 2`;
      await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    }
    const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 1 } });
    assert.ok(hover === null || !/20 filters|conv 20/.test(hover.contents.value), 'the hover reads the latest text');
    const last = await done;
    assert.deepEqual(last.diagnostics.map((d) => d.code), ['output-too-small']);
    // Let any stray timer fire before counting.
    await new Promise((r) => setTimeout(r, 300));
    // Without the debounce there is one per change, 20; a loaded machine may pause mid-burst once or twice.
    assert.ok(published <= 5, `${published} publications for a burst of 20 changes`);
  } finally {
    await client.stop();
  }
});
