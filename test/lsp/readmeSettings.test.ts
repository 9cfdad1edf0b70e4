/**
 * README's settings for other editors, exercised through a real LSP client on the
 * `cnn-language-server` bin: the JSON it gives for initializationOptions and
 * didChangeConfiguration, Neovim's `settings` and Helix's `config`, each answered over
 * workspace/configuration as those editors answer it. The effect checked is README's example:
 * `nonIntegerOutput = "error"` turns the not-whole warning into an error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { LspClient } from './lspClient';

const README = readFileSync('README.md', 'utf8');
const NOT_WHOLE = 'input 8x8x1\nconv 4 f=3 s=2';
const WARNING = 2;
const ERROR = 1;

/** README's sentence `Settings go in ...` carries the JSON. */
const jsonSettings: unknown = JSON.parse(/Settings go in `initializationOptions`[^`]*`[^`]*`[^`]*`(\{ "cnn": .*?\} \} \})`/s.exec(README)![1]);

/** A Lua or TOML inline table of names, strings and tables (as README's examples are), as JSON. */
function inlineTable(text: string): unknown {
  return JSON.parse(text.replace(/([A-Za-z_]\w*)\s*=/g, '"$1":').replace(/'/g, '"'));
}

function fenced(language: string): string {
  return new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(README)![1];
}
const neovimSettings = inlineTable(/settings = (\{.*\}),/.exec(fenced('lua'))![1]);
const helixConfig = inlineTable(/^config = (\{.*\})/m.exec(fenced('toml'))![1]);

/** The value at `section` (dotted) of a settings table, or null: how Neovim and Helix answer. */
function lookup(table: unknown, section: string | undefined): unknown {
  let value: unknown = table;
  for (const part of section ? section.split('.') : []) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value ?? null;
}

/** The severity of the not-whole diagnostic once the server has its settings. */
async function severity(client: LspClient, uri: string): Promise<number> {
  await client.open(uri, NOT_WHOLE);
  // One round trip more: any republish after the configuration answer has arrived by then.
  await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 0 } });
  const [d] = client.latest.get(uri)!.diagnostics;
  assert.equal(d.code, 'non-integer-output');
  return d.severity;
}

async function withClient(run: (client: LspClient) => Promise<void>): Promise<void> {
  const client = new LspClient('bin/cnn-language-server.js');
  try {
    await run(client);
  } finally {
    assert.equal(await client.stop(), 0, client.stderr.join(''));
  }
}

test('README\'s examples are the shape the test reads', () => {
  assert.deepEqual(jsonSettings, { cnn: { diagnostics: { nonIntegerOutput: 'error' } } });
  assert.deepEqual(neovimSettings, jsonSettings);
  assert.deepEqual(helixConfig, jsonSettings);
});

test('without settings the not-whole size is a warning', () => withClient(async (client) => {
  await client.initialize(undefined, () => null);
  assert.equal(await severity(client, 'untitled:plain.cnn'), WARNING);
}));

test('README\'s JSON as initializationOptions, from a client that does not answer workspace/configuration', () => withClient(async (client) => {
  await client.initialize(jsonSettings);
  assert.equal(await severity(client, 'untitled:init.cnn'), ERROR);
}));

test('README\'s JSON as initializationOptions survives a client that answers null for the cnn section', () => withClient(async (client) => {
  const asked: (string | undefined)[] = [];
  await client.initialize(jsonSettings, (section) => { asked.push(section); return null; });
  assert.equal(await severity(client, 'untitled:init-null.cnn'), ERROR);
  assert.deepEqual(asked, ['cnn']);
}));

test('Neovim: README\'s settings table, answered over workspace/configuration', () => withClient(async (client) => {
  await client.initialize(undefined, (section) => lookup(neovimSettings, section));
  assert.equal(await severity(client, 'untitled:neovim.cnn'), ERROR);
}));

test('Helix: README\'s config, sent as initializationOptions and answered over workspace/configuration', () => withClient(async (client) => {
  await client.initialize(helixConfig, (section) => lookup(helixConfig, section));
  assert.equal(await severity(client, 'untitled:helix.cnn'), ERROR);
}));

test('README\'s JSON in workspace/didChangeConfiguration re-grades an open file', () => withClient(async (client) => {
  await client.initialize();
  const uri = 'untitled:change.cnn';
  assert.equal(await severity(client, uri), WARNING);
  const republished = client.nextDiagnostics(uri);
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: jsonSettings });
  assert.equal((await republished).diagnostics[0].severity, ERROR);
}));
