/** `cnn-language-server --stdio`, as another editor starts it: the bin restarts itself with its V8 flag. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LspClient } from './lspClient';

test('the cnn-language-server bin serves LSP over stdio and exits cleanly', async () => {
  const client = new LspClient('bin/cnn-language-server.js');
  const init = await client.initialize();
  assert.ok(init.capabilities.hoverProvider);
  const published = await client.open('untitled:bin.cnn', 'input 8x8x1\nconv 4 f=3 s=2');
  assert.deepEqual(published.diagnostics.map((d) => d.code), ['non-integer-output']);
  assert.equal(await client.stop(), 0, client.stderr.join(''));
});
