/** Inlay hints: each computed layer's output shape and parameters at the end of its line. */
import type { InlayHint } from 'vscode-languageserver-types';
import type { Analysis } from './analyze';
import { compactCount, formatShape, groupDigits } from './numbers';
import type { Range } from './syntax';

export function inlayHints(analysis: Analysis, range?: Range): InlayHint[] {
  const hints: InlayHint[] = [];
  for (const entry of analysis.layers) {
    const layer = entry.layer;
    const span = entry.statement.span;
    if (!layer || (range && (span.line < range.start.line || span.line > range.end.line))) continue;
    const params = layer.params ? ` · ${compactCount(layer.params)} params` : '';
    hints.push({
      position: { line: span.line, character: span.end },
      label: `→ ${formatShape(layer.output)}${params}`,
      paddingLeft: true,
      tooltip: `${groupDigits(layer.neurons)} neurons, ${groupDigits(layer.params)} parameters`,
    });
  }
  return hints;
}
