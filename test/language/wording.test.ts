/**
 * Words a student reads the first time: hovers say what a number means (keeping the numbers), every
 * statement and key has a hover, and diagnostics, shown as plain text, carry no markdown backticks.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { analyzeText } from '../../server/src/language/analyze';
import { hover } from '../../server/src/language/hover';
import { KINDS } from '../../server/src/language/layerKinds';
import { KEYS, type KeyName } from '../../server/src/language/keys';
import { quickFixes } from '../../server/src/language/codeActions';

function hoverText(text: string, line: number, character: number): string {
  const h = hover(analyzeText(text), { line, character });
  assert.ok(h, `a hover at ${line}:${character}`);
  return (h.contents as { value: string }).value;
}

const DEEP = 'input 32x32x3\ndefaults act=relu init=he\nconv 8 f=5 p=2 s=2\nconv 8 f=5 p=2 s=2\nconv 8 f=5 p=2 s=2\ndropout rate=0.3\nfc 100\nsoftmax 10\ntrain dataset=mnist epochs=3 lr=0.05';

test('a flat layer\'s neurons are its units, not "1600 = 1,600"', () => {
  const fc = hoverText(DEEP, 6, 1);
  assert.match(fc, /- neurons: \*\*100\*\* \(one per unit\)/);
  assert.doesNotMatch(fc, /neurons: 100 = /);
  assert.match(hoverText(DEEP, 7, 1), /- neurons: \*\*10\*\* \(one per class\)/);
  assert.match(hoverText(DEEP, 2, 1), /- neurons: 16·16·8 = \*\*2,048\*\*/);
});

test('a receptive field larger than the input says why', () => {
  // 5, then 5 + 4·2 = 13, then 13 + 4·4 = 29, jump 8: within the 32×32 input.
  assert.match(hoverText(DEEP, 4, 1), /receptive field: each output value sees 29×29 pixels of the input; neighbouring outputs are 8 input pixels apart \(the jump\)/);
  // The fc sees 29 + (4 − 1)·8 = 53 > 32: more than the image, because of the padding.
  assert.match(hoverText(DEEP, 6, 1), /receptive field: each output value sees 53×53 pixels of the input \(more than the 32×32 input: the windows at the edges reach into the zero padding\)$/m);
});

test('the signal line says what each number multiplies', () => {
  const conv = hoverText(DEEP, 3, 1);
  assert.match(conv, /going forward this layer multiplies the variance by 0\.5·n·Var\[w\] = 1 \(all layers from the input to here: 1\)/);
  assert.match(conv, /going back it multiplies the gradient's variance by 0\.5·n̂·Var\[w\] = 1 \(all layers from the loss back to here: [\d.]+\)/);
  assert.doesNotMatch(conv, /product from the loss/);
});

test('dropout\'s hover gives its rate and what it does with it', () => {
  const dropout = hoverText(DEEP, 5, 1);
  assert.match(dropout, /^\*\*dropout1\*\* · dropout, rate=0\.3$/m);
  assert.match(dropout, /each value is set to 0 with probability 0\.3, the others multiplied by 1\/\(1 − 0\.3\) = 1\.43/);
  assert.match(hoverText('input 8x8x1\ndropout\nfc 2', 1, 1), /dropout, rate=0\.5/, 'the default rate');
});

test('the kind documentation reads as words, without "`filters` filters of size kernel"', () => {
  for (const spec of KINDS) assert.doesNotMatch(spec.doc, /`/, spec.kind);
  assert.match(hoverText('input 8x8x1\nconv\nfc 2', 1, 1), /COUNT filters \(the number after conv\), each f × f over all the input channels/);
});

test('train and defaults have hovers, on the statement and on every key', () => {
  const train = hoverText(DEEP, 8, 2);
  assert.match(train, /^\*\*train\*\* · how `cnn train`/);
  assert.match(train, /- dataset = mnist\n- epochs = 3\n- lr = 0\.05/);
  assert.match(train, /Not written here, so the defaults: batch 32, momentum 0\.9, weight_decay 0\.0005, optimizer sgd, seed 1, schedule constant, warmup 0\./);
  assert.match(hoverText(DEEP, 8, 8), /^`dataset` = shapes \| mnist/);
  assert.match(hoverText(DEEP, 8, 22), /^`epochs` = N\n\nPasses over the training data\.\n\nDefault 5\.$/);
  const defaults = hoverText(DEEP, 1, 1);
  assert.match(defaults, /^\*\*defaults\*\* · values for every later layer that takes the key and does not set it/);
  assert.match(defaults, /- act = relu: Activation after the layer\./);
  assert.match(hoverText(DEEP, 1, 18), /^`init` = he \| xavier \| gaussian\(STD\)/);
  // Every train key has a hover on its own statement.
  for (const key of ['dataset', 'epochs', 'batch', 'lr', 'momentum', 'weight_decay', 'optimizer', 'seed', 'schedule', 'warmup'] as KeyName[]) {
    const text = `input 8x8x1\nfc 2\ntrain ${key}=${key === 'dataset' ? 'shapes' : key === 'optimizer' ? 'adam' : key === 'schedule' ? 'cosine' : '1'}`;
    assert.match(hoverText(text, 2, 7), new RegExp(`^\`${key}\` = `), key);
    assert.ok(KEYS[key].doc.length > 0);
  }
});

test('diagnostics and quick-fix titles carry no markdown backticks (editors show them as plain text)', () => {
  const broken = [
    '', 'conv 8 f=3', 'network', 'input', 'input 8x8x1\nconv f=3', 'input 8x8x1\nconv 4', 'input 8x8x1\nadd', 'input 8x8x1\nfc 2\ninput 8x8x1',
    'block b(w)\n  conv w f=1\nend\ninput 8x8x1\nx: b', 'input 8x8x1\nconv 4 f=3 s=2 colour=red', 'input 8x8x1\nmaxpol f=2', 'input 8x8x1\nconv 4 f=3 act=relu7',
    'input 8x8x1\ntrain dataset=imagenet epochs=0', 'input 8x8x1\nsoftmax 2\nfc 3', 'input 8x8x1\nconv 4 f=9',
  ];
  const files = readdirSync('examples').filter((f) => f.endsWith('.cnn')).map((f) => readFileSync(`examples/${f}`, 'utf8'));
  let seen = 0;
  for (const text of [...broken, ...files]) {
    const analysis = analyzeText(text);
    for (const d of analysis.diagnostics) {
      seen++;
      assert.doesNotMatch(d.message, /`/, `${d.code}: ${d.message}`);
      for (const fix of quickFixes(analysis, d.range)) assert.doesNotMatch(fix.title, /`/, fix.title);
    }
  }
  assert.ok(seen >= broken.length, `diagnostics checked: ${seen}`);
});

test('the backward vanishing-signal message ends with what He initialisation does backward', () => {
  const layers = Array.from({ length: 12 }, () => 'conv 64 f=3 p=1 init=gaussian(0.01)').join('\n');
  const analysis = analyzeText(`input 32x32x3\ndefaults act=relu\n${layers}\nsoftmax 10`);
  const forward = analysis.diagnostics.find((d) => d.code === 'vanishing-signal' && d.message.startsWith('The forward'))!;
  const backward = analysis.diagnostics.find((d) => d.code === 'vanishing-signal' && d.message.startsWith('The backward'))!;
  assert.match(forward.message, /init=he makes each forward factor 1$/);
  assert.match(backward.message, /init=he makes each backward factor n̂\/n \(fan-out over fan-in\), so their product no longer shrinks or grows with depth$/);
});
