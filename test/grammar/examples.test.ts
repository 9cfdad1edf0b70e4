// Every example file tokenizes completely: each non-blank character lands in a scope a theme can
// colour, and no word falls through to the catch-all rules meant for text the grammar does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { courseworkFixture, root, tokenize } from './textmate';

const examplesDir = join(root, 'examples');
const examples: [string, string][] = [
  ['spec: coursework network', courseworkFixture],
  ...readdirSync(examplesDir)
    .filter((name) => name.endsWith('.cnn'))
    .sort()
    .map((name): [string, string] => [`examples/${name}`, readFileSync(join(examplesDir, name), 'utf8')]),
];

const fallbackScopes = ['variable.other.cnn', 'variable.other.key.cnn'];

for (const [name, text] of examples) {
  test(`${name}: no unscoped text`, async () => {
    const lines = text.split(/\r?\n/);
    const unscoped = (await tokenize(text))
      .filter((t) => t.text.trim() !== '' && t.scopes.length === 1)
      .map((t) => `${t.line + 1}:${t.startIndex + 1} "${t.text}" in: ${lines[t.line]}`);
    assert.deepEqual(unscoped, []);
  });

  test(`${name}: every word is one the language knows`, async () => {
    const lines = text.split(/\r?\n/);
    const unknown = (await tokenize(text))
      .filter((t) => t.scopes.some((s) => fallbackScopes.includes(s)))
      .map((t) => `${t.line + 1}:${t.startIndex + 1} "${t.text}" in: ${lines[t.line]}`);
    assert.deepEqual(unknown, []);
  });
}

test('the catch-alls these tests watch do catch stray text', async () => {
  // Guards the two tests above against passing vacuously if the scope names drift.
  const tokens = await tokenize('conv 48 kernal=3 act=swish ; \n');
  assert.ok(tokens.some((t) => t.text === 'kernal' && t.scopes.includes('variable.other.key.cnn')));
  assert.ok(tokens.some((t) => t.text === 'swish' && t.scopes.includes('variable.other.cnn')));
  assert.ok(tokens.some((t) => t.text.includes(';') && t.scopes.length === 1));
});
