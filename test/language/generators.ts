/** Generators of random and mutated .cnn files, shared by the robustness tests. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import type { Analysis } from '../../server/src/language/analyze';

export const examples = readdirSync('examples').filter((f) => f.endsWith('.cnn')).map((f) => readFileSync(`examples/${f}`, 'utf8'));

const fragments = [
  'network', 'input', 'defaults', 'train', 'conv', 'maxpool', 'avgpool', 'globalavgpool', 'fc', 'dense', 'softmax',
  'dropout', 'lrn', 'batchnorm', 'f', 's', 'p', 'kernel', 'stride', 'pad', 'groups', 'act', 'init', 'bias', 'round',
  'rate', 'size', '=', ':', '(', ')', '#', 'x', '×', ' ', ' ', ' ', '\n', '\r\n', '\t', '0', '1', '3', '11', '227',
  '227x227x3', '3x3', '0.5', '1e9', '-1', 'relu', 'prelu', 'he', 'xavier', 'gaussian(0.01)', 'ceil', 'true', '_', '😀', '\u0000',
];

/** A random file built from the language's own words, so it gets deep into the analysis. */
export const tokenSoup = fc.array(fc.constantFrom(...fragments), { maxLength: 200 }).map((parts) => parts.join(''));

/** An example with characters inserted, deleted or replaced. */
export const mutatedExample = fc
  .tuple(fc.constantFrom(...examples), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 8 }))
  .map(([text, edits]) => edits.reduce((t, [at, remove, insert]) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + insert + t.slice(i + remove);
  }, text));

export function assertInside(text: string, analysis: Analysis): void {
  const lines = text.split(/\r\n|\r|\n/);
  for (const d of analysis.diagnostics) {
    for (const p of [d.range.start, d.range.end]) {
      assert.ok(p.line >= 0 && p.line < lines.length, `line ${p.line} inside ${lines.length} lines`);
      assert.ok(p.character >= 0 && p.character <= lines[p.line].length, `character ${p.character} inside line ${p.line}`);
    }
    assert.ok(d.range.start.line < d.range.end.line || d.range.start.character <= d.range.end.character);
    assert.ok(d.message.length > 0 && d.code.length > 0);
  }
}
