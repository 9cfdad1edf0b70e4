// The language configuration as VS Code reads it: the word under the cursor (double-click, rename,
// completion's replace range) must be a whole NAME, number or size of the .cnn language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './textmate';

const config = JSON.parse(readFileSync(join(root, 'language-configuration.json'), 'utf8'));

/** VS Code's getWordAtText in short: scan the line with the global word regex, take the match holding the column. */
function wordAt(line: string, column: number): string | undefined {
  const re = new RegExp(config.wordPattern, 'g');
  for (const m of line.matchAll(re)) {
    if (m.index <= column && column <= m.index + m[0].length) return m[0];
  }
  return undefined;
}

function wordOf(line: string, inside: string): string | undefined {
  const at = line.indexOf(inside);
  assert.ok(at >= 0);
  return wordAt(line, at + 1);
}

test('# starts a line comment; () is the one bracket pair', () => {
  assert.equal(config.comments.lineComment, '#');
  assert.deepEqual(config.brackets, [['(', ')']]);
  assert.ok(config.autoClosingPairs.some((p: { open: string; close: string }) => p.open === '(' && p.close === ')'));
});

test('the word pattern never matches the empty string (VS Code would loop on it)', () => {
  assert.equal(new RegExp(config.wordPattern).test(''), false);
});

test('names keep their dots and dashes', () => {
  assert.equal(wordOf('network alexnet-coursework', 'coursework'), 'alexnet-coursework');
  assert.equal(wordOf('conv 48 f=3 act=prelu-shared', 'shared'), 'prelu-shared');
  assert.equal(wordOf('block.1-a: conv 64 f=3', '1-a'), 'block.1-a');
  assert.equal(wordOf('train weight_decay=5e-4', 'decay'), 'weight_decay');
});

test('a label stops at its colon and a key at its =', () => {
  assert.equal(wordOf('conv1: conv 48 f=11', 'onv1'), 'conv1');
  assert.equal(wordOf('train lr=0.01', 'lr'), 'lr');
});

test('sizes and numbers are one word each', () => {
  assert.equal(wordOf('input 227x227x3', '27x2'), '227x227x3');
  assert.equal(wordOf('input 227×227×3', '7×2'), '227×227×3');
  assert.equal(wordOf('conv 48 kernel=3x5', 'x5'), '3x5');
  assert.equal(wordOf('train lr=0.01', '.01'), '0.01');
  assert.equal(wordOf('train weight_decay=5e-4', 'e-4'), '5e-4');
});
