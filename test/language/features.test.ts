/** The editor features as pure functions: formatting, quick fixes, completion, outline, hints. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { analyzeText } from '../../server/src/language/analyze';
import { quickFixes } from '../../server/src/language/codeActions';
import { completion } from '../../server/src/language/completion';
import { format } from '../../server/src/language/formatting';
import { inlayHints } from '../../server/src/language/inlayHints';
import { documentSymbols } from '../../server/src/language/symbols';
import { applyEdits } from '../../server/src/language/textEdits';

const examples = readdirSync('examples').filter((f) => f.endsWith('.cnn'));

test('formatting keeps every number, is idempotent, and the examples are formatted', () => {
  for (const file of examples) {
    const text = readFileSync(`examples/${file}`, 'utf8');
    const messy = text.replace(/ +/g, ' ').replace(/\n/g, '   \n');
    const once = applyEdits(messy, format(analyzeText(messy)));
    const twice = applyEdits(once, format(analyzeText(once)));
    assert.equal(twice, once, `${file}: idempotent`);
    assert.deepEqual(format(analyzeText(text)), [], `${file} is formatted`);
    const [a, b] = [analyzeText(once).network, analyzeText(text).network];
    assert.deepEqual({ ...a, diagnostics: [] }, { ...b, diagnostics: [] }, `${file}: same network`);
    assert.deepEqual(a.diagnostics.map((d) => [d.line, d.code, d.message]), b.diagnostics.map((d) => [d.line, d.code, d.message]));
  }
  const formatted = applyEdits('conv1: conv 48 f=11 s=4 p=0\npool1: maxpool f=3 s=2\nfc1: fc 1600', format(analyzeText('conv1: conv 48 f=11 s=4 p=0\npool1: maxpool f=3 s=2\nfc1: fc 1600')));
  assert.equal(formatted, 'conv1: conv 48 f=11 s=4 p=0\npool1: maxpool f=3  s=2\nfc1:   fc 1600');
  const gaps = 'conv 192 f=5 p=2 groups=2\nmaxpool f=3 s=2\ndropout rate=0.5';
  assert.equal(applyEdits(gaps, format(analyzeText(gaps))), 'conv 192 f=5     p=2 groups=2\nmaxpool  f=3 s=2\ndropout  rate=0.5');
});

test('formatting leaves a line it cannot read as it is', () => {
  const text = 'input 8x8x1\nconv 4 f=3 ))  (\nconv   4 f=3';
  assert.equal(applyEdits(text, format(analyzeText(text))), 'input 8x8x1\nconv 4 f=3 ))  (\nconv 4 f=3');
});

test('did-you-mean fixes replace the misspelt word', () => {
  for (const [text, fixed] of [
    ['input 9x9x1\nconv 4 f=3 strid=2', 'input 9x9x1\nconv 4 f=3 stride=2'],
    ['input 8x8x1\ncovn 4 f=3', 'input 8x8x1\nconv 4 f=3'],
    ['input 8x8x1\nconv 4 f=3 act=prelux', 'input 8x8x1\nconv 4 f=3 act=prelu'],
  ]) {
    const analysis = analyzeText(text);
    const [fix] = quickFixes(analysis, analysis.diagnostics[0].range);
    assert.equal(applyEdits(text, fix.edits), fixed);
    assert.deepEqual(analyzeText(fixed).diagnostics, []);
  }
});

test('missing kernel, count and input get fixes that clear the error', () => {
  for (const text of ['input 8x8x1\nconv 4 s=1 p=1', 'input 8x8x1\nconv f=3', 'network n\nconv 4 f=3']) {
    const analysis = analyzeText(text);
    const fix = quickFixes(analysis, analysis.diagnostics[0].range)[0];
    assert.ok(fix, text);
    const after = analyzeText(applyEdits(text, fix.edits));
    assert.deepEqual(after.diagnostics.filter((d) => d.severity === 'error'), [], `${text} → ${applyEdits(text, fix.edits)}`);
  }
});

test('every offered non-integer fix makes its layer whole and says the output it gives', () => {
  const text = readFileSync('examples/alexnet-coursework.cnn', 'utf8');
  const analysis = analyzeText(text);
  const fixes = quickFixes(analysis, analysis.diagnostics[0].range);
  assert.ok(fixes.length >= 3);
  for (const fix of fixes) {
    const after = analyzeText(applyEdits(text, fix.edits));
    const pool3 = after.network.layers.find((l) => l.name === 'pool3')!;
    assert.ok(Number.isInteger(pool3.raw![0]) && Number.isInteger(pool3.raw![1]), fix.title);
    assert.ok(fix.title.endsWith(`pool3 output ${pool3.output.join('×')}`), fix.title);
  }
  assert.equal(fixes[0].title, 'Set p to 1 → pool3 output 4×4×128');
});

test('completion follows the cursor', () => {
  const analysis = analyzeText('input 8x8x1\nc1: \nconv 4 init=\ntrain lr=0.1 \nmaxpool f=2 ');
  const labels = (line: number, character: number) => completion(analysis, { line, character }).map((c) => c.label);
  assert.ok(labels(1, 4).includes('conv') && !labels(1, 4).includes('train'));
  assert.deepEqual(labels(2, 12), ['he', 'xavier', 'gaussian', 'gaussian(0.01)']);
  assert.deepEqual(labels(3, 13), ['dataset', 'epochs', 'batch', 'momentum', 'weight_decay', 'optimizer', 'seed', 'schedule', 'warmup', 'smoothing']);
  assert.deepEqual(labels(4, 12), ['s', 'stride', 'p', 'pad', 'round', 'from']);
});

test('outline and inlay hints cover every computed layer', () => {
  const analysis = analyzeText(readFileSync('examples/vgg16.cnn', 'utf8'));
  const [root] = documentSymbols(analysis);
  assert.equal(root.name, 'vgg16');
  assert.equal(root.detail, '138,357,544 params');
  assert.equal(root.children!.length, 1 + 23);
  assert.equal(inlayHints(analysis).length, 23);
  assert.equal(inlayHints(analysis)[0].label, '→ 224×224×64 · 1.79K params');
});
