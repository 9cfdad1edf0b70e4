/**
 * 400 mutated example files through `cnn check` and through the server with every feature:
 * no crash, no stack trace, and the server still answers afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { mutatedExample, tokenSoup } from '../language/generators';
import { LspClient } from './lspClient';

const files = [
  ...fc.sample(mutatedExample, { numRuns: 300, seed: 20261128 }),
  ...fc.sample(tokenSoup, { numRuns: 100, seed: 1998 }),
];
const STACK_TRACE = /^\s+at .+[:(]\d+/m;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnn-mutated-'));
  files.forEach((text, i) => writeFileSync(join(dir, `m${i}.cnn`), text));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('cnn check on 400 mutated files: exit 0 or 1, a diagnostic line per problem, no stack trace', () => {
  const paths = files.map((_, i) => join(dir, `m${i}.cnn`));
  const result = spawnSync(process.execPath, ['bin/cnn.js', 'check', ...paths], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(result.status === 0 || result.status === 1, `exit ${result.status}: ${result.stderr.slice(0, 500)}`);
  assert.equal(result.stderr, '');
  assert.doesNotMatch(result.stdout, STACK_TRACE);
  for (const line of result.stdout.trim().split('\n').filter(Boolean)) {
    assert.match(line, /^.+\.cnn:\d+:\d+: (error|warning|information|hint): .+ \[[a-z-]+\]$/);
  }
  for (const format of ['json', 'csv']) {
    const table = spawnSync(process.execPath, ['bin/cnn.js', 'table', paths[7], '--format', format], { encoding: 'utf8' });
    assert.ok(table.status === 0 || table.status === 1);
    assert.doesNotMatch(table.stderr, STACK_TRACE);
  }
});

test('the server takes 400 mutated files and every request on them, and stays alive', { timeout: 300_000 }, async () => {
  const client = new LspClient();
  await client.initialize();
  const uri = 'untitled:mutated.cnn';
  await client.open(uri, '');
  let version = 1;
  for (const text of files) {
    const published = await client.replace(uri, text, ++version);
    const lines = text.split(/\r\n|\r|\n/);
    const line = version % lines.length;
    const position = { line, character: Math.min(lines[line].length, version % 17) };
    const whole = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };
    await client.request('textDocument/hover', { textDocument: { uri }, position });
    await client.request('textDocument/completion', { textDocument: { uri }, position });
    await client.request('textDocument/inlayHint', { textDocument: { uri }, range: whole });
    await client.request('textDocument/documentSymbol', { textDocument: { uri } });
    await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    await client.request('textDocument/definition', { textDocument: { uri }, position });
    await client.request('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: true } });
    await client.request('textDocument/prepareRename', { textDocument: { uri }, position });
    await client.request('textDocument/rename', { textDocument: { uri }, position, newName: 'renamed' }).catch(() => undefined);
    await client.request('textDocument/foldingRange', { textDocument: { uri } });
    for (const d of published.diagnostics.slice(0, 3)) {
      await client.request('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    }
  }
  assert.ok(client.alive, 'server alive');
  assert.equal(client.stderr.join(''), '');
  const network = await client.request<{ totals: { params: number } } | null>('cnn/network', { uri });
  assert.ok(network);
  assert.equal(await client.stop(), 0);
});
