/**
 * A size that is not whole, as a student meets it: the squiggle sits on the written f, s and p of
 * the formula (not the kind word), and the quick fixes change a user-set input size last, unless it
 * is the only change that keeps every size whole, which its title then says.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { analyzeText } from '../../server/src/language/analyze';
import { quickFixes } from '../../server/src/language/codeActions';
import { applyEdits } from '../../server/src/language/textEdits';

function covered(text: string, line: number): string[] {
  const analysis = analyzeText(text);
  return analysis.diagnostics
    .filter((d) => d.code === 'non-integer-output' && d.range.start.line === line)
    .map((d) => text.split('\n')[line].slice(d.range.start.character, d.range.end.character));
}

test('the squiggle covers the f, s and p as written, in either form, not the kind or the label', () => {
  assert.deepEqual(covered('input 32x32x3\nc1: conv 8 f=3 s=2 p=0 act=relu', 1), ['f=3 s=2 p=0']);
  assert.deepEqual(covered('input 32x32x3\nconv 8 kernel=3 stride=2', 1), ['kernel=3 stride=2']);
  // A pool's stride defaults to its kernel: only the kernel is written, so it is what is marked.
  assert.deepEqual(covered('input 10x10x3\nmaxpool f=3', 1), ['f=3']);
  // Inside a block the values may be parameters: still the written pairs.
  const block = 'input 32x32x3\nblock down(s)\n  c: conv 8 f=3 s=s\nend\nd: down 2';
  assert.deepEqual(covered(block, 2), ['f=3 s=s']);
});

test('a user-set input changes after pad, kernel and stride that do as well (32x32 is not turned into 31x31 first)', () => {
  const text = 'input 32x32x3\nconv 8 f=3 s=2 p=0\nconv 8 f=3 s=2\nfc 10';
  const analysis = analyzeText(text);
  const fixes = quickFixes(analysis, analysis.diagnostics[0].range);
  const titles = fixes.map((f) => f.title);
  assert.equal(titles[0], 'Set f to 4 → conv1 output 15×15×8');
  assert.ok(fixes[0].preferred);
  // The input fix leaves as many sizes not whole as f to 4 (none in conv1; (15 − 3)/2 + 1 = 7 in conv2), so it follows.
  const input = titles.indexOf('Set input to 31x31x3 → conv1 output 15×15×8');
  assert.ok(input > 0, titles.join('\n'));
  for (const fix of fixes) assert.ok(!fix.title.includes('only change'), fix.title);
});

test('the input goes first when it is the only change that keeps every size whole, and says so', () => {
  // (10 − 1)/2 + 1 = 5.5; f=2 and input 9 give 5 and s=3 gives 4, which maxpool f=3 s=3 cannot take
  // whole; input 11 gives 6, and (6 − 3)/3 + 1 = 2.
  const text = 'input 10x10x3\nconv 8 f=1 s=2\nmaxpool f=3 s=3\nfc 10';
  const analysis = analyzeText(text);
  const conv = analysis.diagnostics.find((d) => d.range.start.line === 1)!;
  const fixes = quickFixes(analysis, conv.range);
  assert.equal(fixes[0].title, 'Set input to 11x11x3 → conv1 output 6×6×8 (the only change that keeps every size whole)');
  const after = analyzeText(applyEdits(text, fixes[0].edits));
  assert.deepEqual(after.diagnostics.filter((d) => d.code === 'non-integer-output'), []);
  for (const other of fixes.slice(1)) {
    const rest = analyzeText(applyEdits(text, other.edits)).diagnostics.filter((d) => d.code === 'non-integer-output');
    assert.ok(rest.length > 0, `${other.title} leaves something not whole, so the input fix is rightly first`);
  }
});

test('when every size is whole only past padding, the message says no input is lost', () => {
  // (5 + 2·1 − 2)/2 + 1 = 3.5: floored to 3, the last window ends one row short, and that row is padding.
  const [d] = analyzeText('input 5x5x1\nmaxpool f=2 s=2 p=1').diagnostics;
  assert.equal(d.message, '(5 + 2·1 − 2)/2 + 1 = 3.5 is not whole; frameworks floor it to 3, so only padding lies past the last window: every row and column of the input is still seen');
});
