/**
 * The built language server over a real LSP connection (spawned, JSON-RPC over stdio), on the
 * examples: diagnostics, hover, a quick fix applied and re-checked, completion, inlay hints,
 * symbols, formatting, settings and the cnn/network request.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyEdits } from '../../server/src/language/textEdits';
import { LspClient, uriOf } from './lspClient';

const coursework = readFileSync('examples/alexnet-coursework.cnn', 'utf8');
const variant224 = readFileSync('examples/alexnet-224.cnn', 'utf8');
const courseworkUri = uriOf('examples/alexnet-coursework.cnn');
const variantUri = uriOf('examples/alexnet-224.cnn');

let client: LspClient;

before(async () => {
  client = new LspClient();
  const init = await client.initialize();
  assert.ok(init.capabilities.hoverProvider);
  assert.ok(init.capabilities.inlayHintProvider);
});

after(async () => {
  assert.equal(await client.stop(), 0, `server exits cleanly: ${client.stderr.join('')}`);
});

type Hover = { contents: { kind: string; value: string } };

test('diagnostics as the document opens: the coursework warns once, on pool3', async () => {
  const published = await client.open(courseworkUri, coursework);
  assert.deepEqual(published.diagnostics.map((d) => [d.range.start.line, d.code, d.severity]), [[10, 'non-integer-output', 2]]);
  assert.match(published.diagnostics[0].message, /3\.33 is not whole/);
});

test('hover on conv2 shows 86,528 neurons and 221,312 params with the breakdown', async () => {
  const result = await client.request<Hover>('textDocument/hover', { textDocument: { uri: courseworkUri }, position: { line: 5, character: 9 } });
  const text = result.contents.value;
  assert.match(text, /\(27 \+ 2·2 − 6\)\/1 \+ 1 = 26/);
  assert.match(text, /26·26·128 = \*\*86,528\*\*/);
  assert.match(text, /filters × \(6·6·48 \+ 1\) = 128 × 1,729 = \*\*221,312\*\*/);
  assert.match(text, /std = √\(2 \/ 1,728\) = 0\.034/);
});

test('hover on input shows the totals', async () => {
  const result = await client.request<Hover>('textDocument/hover', { textDocument: { uri: courseworkUri }, position: { line: 1, character: 2 } });
  assert.match(result.contents.value, /params: \*\*7,672,104\*\*/);
  assert.match(result.contents.value, /neurons: \*\*356,872\*\*.*302,296/);
});

test('the 224 variant: non-integer-output on conv1, fixed by input 227x227x3, re-checked', async () => {
  const published = await client.open(variantUri, variant224);
  const conv1 = published.diagnostics.find((d) => d.range.start.line === 6)!;
  assert.equal(conv1.code, 'non-integer-output');
  type Action = { title: string; isPreferred?: boolean; edit: { changes: Record<string, { range: never; newText: string }[]> } };
  const actions = await client.request<Action[]>('textDocument/codeAction', {
    textDocument: { uri: variantUri },
    range: conv1.range,
    context: { diagnostics: [conv1] },
  });
  const fix = actions.find((a) => a.title.startsWith('Set input to 227x227x3 → conv1 output 55×55×48'));
  assert.ok(fix, `offered: ${actions.map((a) => a.title).join('; ')}`);
  // f to 8 also gives 55×55×48 and leaves as much not whole (pool3), so it comes before changing the input.
  assert.match(actions[0].title, /^Set f to 8 → conv1 output 55×55×48/);
  assert.ok(actions.indexOf(fix) > 0, 'a user-set input changes last');
  assert.equal(actions[0].isPreferred, true);
  const fixed = applyEdits(variant224, fix.edit.changes[variantUri]);
  assert.match(fixed, /^input 227x227x3$/m);
  const after = await client.replace(variantUri, fixed, 2);
  assert.equal(after.diagnostics.some((d) => d.range.start.line === 6), false, 'conv1 is whole now');
  const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri: variantUri }, position: { line: 6, character: 2 } });
  assert.match(hover.contents.value, /\(227 \+ 2·0 − 11\)\/4 \+ 1 = 55\b/);
});

test('completion offers kinds at the start of a line and a kind\'s keys after it', async () => {
  const uri = 'untitled:completion.cnn';
  await client.open(uri, 'input 28x28x1\n\nconv 6 \nconv 6 f=5 act=\nconv 6 f=5 p=1');
  type List = { isIncomplete: boolean; items: { label: string }[] };
  const at = (line: number, character: number) => client.request<List>('textDocument/completion', { textDocument: { uri }, position: { line, character } });
  const start = (await at(1, 0)).items;
  assert.ok(['conv', 'maxpool', 'softmax', 'train'].every((k) => start.some((i) => i.label === k)));
  const keys = (await at(2, 7)).items;
  assert.deepEqual(keys.map((i) => i.label).sort(), ['act', 'bias', 'f', 'from', 'groups', 'init', 'kernel', 'p', 'pad', 'round', 's', 'stride']);
  const values = await at(3, 15);
  assert.ok(values.items.some((i) => i.label === 'prelu'));
  // Incomplete, so the editor asks again as each character is typed: at p=1 typed in full the
  // answer is empty and Enter at the line end starts a new line instead of accepting '1'.
  assert.equal(values.isIncomplete, true);
  assert.ok((await at(4, 13)).items.some((i) => i.label === '1'), 'after p= the values');
  assert.deepEqual((await at(4, 14)).items, [], 'after p=1, nothing');
});

test('inlay hints give each layer\'s output shape and params at the end of its line', async () => {
  type Hint = { position: { line: number; character: number }; label: string };
  const hints = await client.request<Hint[]>('textDocument/inlayHint', {
    textDocument: { uri: courseworkUri },
    range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } },
  });
  assert.equal(hints.length, 11);
  assert.deepEqual(hints[0], { ...hints[0], position: { line: 3, character: coursework.split('\n')[3].length }, label: '→ 55×55×48 · 17.5K params' });
  assert.equal(hints[10].label, '→ 1000 · 1.6M params');
});

test('outline, formatting and the cnn/network request', async () => {
  type Symbol = { name: string; children?: Symbol[] };
  const symbols = await client.request<Symbol[]>('textDocument/documentSymbol', { textDocument: { uri: courseworkUri } });
  assert.equal(symbols[0].name, 'alexnet-coursework');
  assert.deepEqual(symbols[0].children!.map((s) => s.name).slice(0, 3), ['input', 'conv1', 'pool1']);

  const uri = 'untitled:format.cnn';
  await client.open(uri, 'input   28x28x1\nc1: conv 6 f=5   act=tanh\ns2:avgpool f=2\n');
  type Edit = { range: never; newText: string };
  const edits = await client.request<Edit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
  assert.equal(applyEdits('input   28x28x1\nc1: conv 6 f=5   act=tanh\ns2:avgpool f=2\n', edits), 'input 28x28x1\nc1: conv 6  f=5 act=tanh\ns2: avgpool f=2\n');

  const network = await client.request<{ totals: { params: number } }>('cnn/network', { uri: courseworkUri });
  assert.equal(network.totals.params, 7_672_104);
});

test('the non-integer-output severity follows the setting', async () => {
  const uri = 'untitled:severity.cnn';
  await client.open(uri, variant224);
  const published = client.nextDiagnostics(uri);
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { cnn: { diagnostics: { nonIntegerOutput: 'error' } } } });
  const after = await published;
  assert.ok(after.diagnostics.filter((d) => d.code === 'non-integer-output').every((d) => d.severity === 1));
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { cnn: { diagnostics: { nonIntegerOutput: 'warning' } } } });
});

test('cnn/trainingAdapter: a buffer over the adapter\'s one-binding limit warns on batch=, and null (the CPU) clears it', async () => {
  const uri = 'untitled:adapter.cnn';
  // LeNet-5 at batch 64: c1's output is 64 × 28×28×6 floats, 1,204,224 bytes, in one buffer.
  const text = readFileSync('examples/lenet5.cnn', 'utf8').replace('batch=32', 'batch=64');
  const opened = await client.open(uri, text);
  assert.deepEqual(opened.diagnostics.filter((d) => d.code === 'training-memory'), []);
  let published = client.nextDiagnostics(uri);
  await client.connection.sendNotification('cnn/trainingAdapter', { name: 'Small adapter', maxStorageBufferBindingSize: 2 ** 20 });
  const [warning] = (await published).diagnostics.filter((d) => d.code === 'training-memory');
  assert.ok(warning, 'warned once the adapter is known');
  assert.equal(warning.severity, 2);
  assert.match(warning.message, /on the WebGPU adapter \(Small adapter\) needs one buffer of 1\.1 MiB \(c1 conv output\), more than the 1\.0 MiB .*; a batch of 55 fits$/);
  assert.equal(text.split('\n')[warning.range.start.line].slice(warning.range.start.character, warning.range.end.character), 'batch=64');
  published = client.nextDiagnostics(uri);
  await client.connection.sendNotification('cnn/trainingAdapter', null);
  assert.deepEqual((await published).diagnostics.filter((d) => d.code === 'training-memory'), [], 'training on the CPU: no adapter limit');
});
