/**
 * The same network with another init or activation everywhere: the text is edited and analysed
 * again, so every number of the variant (init std, signal gains, PReLU parameters) comes from the
 * one analysis, as the runner expects.
 */
import type { TextEdit } from 'vscode-languageserver-types';
import { parse } from './parser';
import { spanToRange } from './syntax';
import { applyEdits } from './textEdits';

export interface Variant {
  /** `he`, `xavier`, `gaussian(0.01)`: written as a `defaults init=` value. */
  init?: string;
  act?: string;
}

/** Removes every `init=` (and `act=`) the file sets, then states the variant's once, before the first layer. */
export function variantText(text: string, variant: Variant): string {
  const document = parse(text);
  const keys = new Set([...(variant.init ? ['init'] : []), ...(variant.act ? ['act'] : [])]);
  const edits: TextEdit[] = [];
  for (const statement of document.statements) {
    if (statement.type !== 'layer' && statement.type !== 'defaults') continue;
    for (const pair of statement.pairs) {
      if (!keys.has(pair.key)) continue;
      // The pair and the space before it.
      const line = document.lines[pair.span.line];
      let start = pair.span.start;
      while (start > 0 && (line[start - 1] === ' ' || line[start - 1] === '\t')) start--;
      edits.push({ range: spanToRange({ line: pair.span.line, start, end: pair.span.end }), newText: '' });
    }
  }
  const firstLayer = document.statements.find((s) => s.type === 'layer');
  const settings = [variant.act && `act=${variant.act}`, variant.init && `init=${variant.init}`].filter(Boolean).join(' ');
  if (settings) {
    const line = firstLayer ? firstLayer.span.line : document.lines.length;
    edits.push({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `defaults ${settings}\n` });
  }
  return applyEdits(text, edits);
}
