/** The outline: the network, with its input, layers and train statement inside it. */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { Analysis } from './analyze';
import { formatShape, groupDigits } from './numbers';
import { spanToRange, type Span } from './syntax';

function symbol(name: string, detail: string, kind: SymbolKind, span: Span, selection: Span): DocumentSymbol {
  return { name, detail, kind, range: spanToRange(span), selectionRange: spanToRange(selection) };
}

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const children: DocumentSymbol[] = [];
  const input = analysis.inputStatement;
  if (input) children.push(symbol('input', analysis.network.input ? formatShape(analysis.network.input) : '', SymbolKind.Variable, input.span, input.keywordSpan));
  for (const entry of analysis.layers) {
    const s = entry.statement;
    const detail = entry.layer
      ? `${s.kind} → ${formatShape(entry.layer.output)}${entry.layer.params ? `, ${groupDigits(entry.layer.params)} params` : ''}`
      : s.kind;
    children.push(symbol(entry.name, detail, entry.spec?.params === 'weights' ? SymbolKind.Function : SymbolKind.Operator, s.span, s.labelSpan ?? s.keywordSpan));
  }
  const train = analysis.trainStatement;
  if (train) children.push(symbol('train', train.pairs.map((p) => p.key).join(' '), SymbolKind.Event, train.span, train.keywordSpan));
  const network = analysis.networkStatement;
  if (!network) return children;
  const last = children.length ? children[children.length - 1].range.end : spanToRange(network.span).end;
  const root = symbol(network.name ?? 'network', `${groupDigits(analysis.network.totals.params)} params`, SymbolKind.Module, network.span, network.nameSpan ?? network.keywordSpan);
  root.range = { start: root.range.start, end: last };
  root.children = children;
  return [root];
}
