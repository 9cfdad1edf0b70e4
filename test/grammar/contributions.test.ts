// package.json's contributions point at files that exist and agree with them: a renamed grammar,
// a scope name typo or a command contributed but never registered only shows up in a real editor,
// so it is caught here instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './textmate';

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = manifest.contributes;

function file(path: string): string {
  const full = join(root, path);
  assert.ok(existsSync(full), `${path} does not exist`);
  return full;
}

test('the cnn language: .cnn files, a language configuration that parses, an icon for both themes', () => {
  const cnn = contributes.languages.find((l: { id: string }) => l.id === 'cnn');
  assert.ok(cnn);
  assert.deepEqual(cnn.extensions, ['.cnn']);
  JSON.parse(readFileSync(file(cnn.configuration), 'utf8'));
  for (const icon of [cnn.icon.light, cnn.icon.dark]) assert.match(readFileSync(file(icon), 'utf8'), /^<svg[\s>]/);
});

test('the grammar file exists and declares the scope name package.json gives it', () => {
  const [grammar, ...others] = contributes.grammars;
  assert.equal(others.length, 0);
  assert.equal(grammar.language, 'cnn');
  const raw = JSON.parse(readFileSync(file(grammar.path), 'utf8'));
  assert.equal(raw.scopeName, grammar.scopeName);
  assert.equal(grammar.scopeName, 'source.cnn');
});

test('every contributed command is registered by the extension', () => {
  const sources = (readdirSync(join(root, 'client', 'src'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, 'client', 'src', f), 'utf8'))
    .join('\n');
  // Registered but not contributed is fine: an internal command (one a notification button runs
  // with an argument) has no business in the Command Palette.
  const registered = new Set([...sources.matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1]));
  const contributed: string[] = contributes.commands.map((c: { command: string }) => c.command);
  assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  assert.ok(contributed.includes('cnn.showLayerTable'));
});

test('menus only name contributed commands', () => {
  const contributed = new Set(contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, items] of Object.entries(contributes.menus ?? {}) as [string, { command: string }[]][]) {
    for (const item of items) assert.ok(contributed.has(item.command), `${menu}: ${item.command}`);
  }
});

test('the settings live under the cnn section the client synchronizes', () => {
  const extension = readFileSync(join(root, 'client', 'src', 'extension.ts'), 'utf8');
  assert.match(extension, /configurationSection:\s*'cnn'/);
  const keys = Object.keys(contributes.configuration.properties);
  assert.ok(keys.length > 0);
  for (const key of keys) assert.match(key, /^cnn\./);
});

test('the extension icon is a PNG of at least 128×128, as the Marketplace asks', () => {
  const png = readFileSync(file(manifest.icon));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128);
});
