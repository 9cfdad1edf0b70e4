/**
 * Formatting rules a student sees on Format Document: the long key forms do not open gaps after the
 * short ones, and trailing comments stay by their code, lined up only within a run of them.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { analyzeText } from '../../server/src/language/analyze';
import { format, MAX_COMMENT_COLUMN } from '../../server/src/language/formatting';
import { applyEdits } from '../../server/src/language/textEdits';

const formatted = (text: string) => applyEdits(text, format(analyzeText(text)));

test('lines with kernel=/stride=/pad= and lines with f=/s=/p= are aligned each among themselves', () => {
  const text = 'input 8x8x1\nconv 8 kernel=3 stride=1 pad=1\nmaxpool f=3 s=3 p=0\nconv 8 f=3 s=1\nconv 8 kernel=1 stride=1';
  assert.equal(formatted(text), [
    'input 8x8x1',
    'conv 8  kernel=3 stride=1 pad=1',
    'maxpool f=3 s=3 p=0',
    'conv 8  f=3 s=1',
    'conv 8  kernel=1 stride=1',
  ].join('\n'));
  assert.doesNotMatch(formatted(text), /s=3 {2,}p=0/);
});

test('a lone trailing comment sits two spaces after its code, however long the block\'s other lines', () => {
  const text = 'input 8x8x1\nc1: conv 8 f=3 p=1 act=relu init=gaussian(0.01) bias=false\np: maxpool f=2 # halves the size\nc2: conv 8 f=1';
  assert.equal(formatted(text).split('\n')[2], 'p:  maxpool f=2  # halves the size');
});

test('comments on consecutive lines line up two spaces after the longest of those lines', () => {
  const text = 'input 8x8x1\nc1: conv 8 f=3 p=1 # keeps 8x8\np: maxpool f=2 # halves it\nc2: conv 8 f=1\nc3: conv 16 f=1 act=relu init=he bias=false groups=1';
  assert.deepEqual(formatted(text).split('\n').slice(1, 3), [
    'c1: conv 8  f=3 p=1  # keeps 8x8',
    'p:  maxpool f=2      # halves it',
  ]);
});

test(`a run that would put comments past column ${MAX_COMMENT_COLUMN} keeps each by its own code`, () => {
  const text = 'input 8x8x1\nc1: conv 8 f=3 p=1 act=relu init=gaussian(0.01) bias=false groups=1 # a\np: maxpool f=2 # b';
  const lines = formatted(text).split('\n');
  assert.match(lines[1], /groups=1 {2}# a$/);
  assert.match(lines[2], /^p: {2}maxpool f=2 {2}# b$/);
  assert.equal(formatted(formatted(text)), formatted(text), 'idempotent');
});
