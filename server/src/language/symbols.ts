/**
 * The outline: the network, with its input, block definitions, layers, block instances and train
 * statement inside it. An instance holds its layers and the instances nested in it (all on the
 * use line, where they are written); a definition holds the lines of its body.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { Analysis, BlockDefinition, LayerAnalysis } from './analyze';
import { indexOf, shortName, type NetworkIndex } from './instances';
import type { NetworkInstance, NetworkLayer } from './network';
import { formatShape, groupDigits } from './numbers';
import { scopesOf, type Scopes } from './scopes';
import { spanToRange, type Span } from './syntax';

function symbol(name: string, detail: string, kind: SymbolKind, span: Span, selection: Span): DocumentSymbol {
  return { name, detail, kind, range: spanToRange(span), selectionRange: spanToRange(selection) };
}

/** A layer is a named part of the network (a field of it); a merge joins paths (an operator). */
function layerKind(kind: string | undefined): SymbolKind {
  return kind === 'add' || kind === 'concat' ? SymbolKind.Operator : SymbolKind.Field;
}

function numbers(output: NetworkLayer['output'], params: number): string {
  return `${formatShape(output)}${params ? `, ${groupDigits(params)} params` : ''}`;
}

function layerDetail(word: string, layer: NetworkLayer | undefined): string {
  return layer ? `${word} → ${numbers(layer.output, layer.params)}` : word;
}

/** An instance and, inside it, its layers and instances, every one on the use line. */
function instanceSymbol(index: NetworkIndex, instance: NetworkInstance, name: string, span: Span, selection: Span, depth = 0): DocumentSymbol {
  const copies = instance.blockName === undefined ? index.copies(instance) : [];
  const word = instance.blockName ?? `${copies[0]?.blockName ?? 'block'} × ${copies.length}`;
  const detail = `${word} → ${numbers(instance.output, instance.params)}, ${groupDigits(instance.layers)} layers`;
  const result = symbol(name, detail, SymbolKind.Object, span, selection);
  if (depth < 32) {
    result.children = index.childrenOf(instance.name).map((child) =>
      child.type === 'layer'
        ? symbol(shortName(child.layer.name, instance.name), layerDetail(child.layer.kind, child.layer), layerKind(child.layer.kind), span, selection)
        : instanceSymbol(index, child.instance, shortName(child.instance.name, instance.name), span, selection, depth + 1),
    );
  }
  return result;
}

function statementSymbol(analysis: Analysis, scopes: Scopes, entry: LayerAnalysis): DocumentSymbol {
  const s = entry.statement;
  const selection = s.labelSpan ?? s.keywordSpan;
  const name = scopes.nameOf(entry);
  const block = entry.definedIn;
  const single = !block || block.instances.length === 1;
  if (entry.uses || (!entry.spec && scopes.blockNamed(s.kind))) {
    const [instance] = single ? indexOf(analysis).useInstances(entry) : [];
    // Inside a definition used several times, the line stands for several instances: no contents.
    if (instance) return instanceSymbol(indexOf(analysis), instance, name, s.span, selection);
    return symbol(name, block && !single ? `${s.kind} (in ${block.instances.length} instances)` : s.kind, SymbolKind.Object, s.span, selection);
  }
  const layer = block ? (single ? entry.instances[0] : undefined) : entry.layer;
  const detail = block && !single && block.instances.length ? `${s.kind} (in ${block.instances.length} instances)` : layerDetail(s.kind, layer);
  return symbol(name, detail, layerKind(entry.spec?.kind), s.span, selection);
}

function blockSymbol(analysis: Analysis, scopes: Scopes, block: BlockDefinition): DocumentSymbol {
  const region = scopes.regionOf(block);
  const header = block.statement;
  const signature = header.params.map((p) => (p.default ? `${p.name}=${p.default.text}` : p.name)).join(', ');
  const uses = block.instances.length;
  const detail = `block(${signature}) · ${uses === 0 ? 'never used' : `${uses} instance${uses === 1 ? '' : 's'}`}`;
  const result = symbol(block.name, detail, SymbolKind.Class, header.span, header.nameSpan ?? header.keywordSpan);
  const children = scopes.membersOf(block).map((entry) => statementSymbol(analysis, scopes, entry));
  // To its `end`; an unclosed block to its last line.
  const end = region?.endSpan ? spanToRange(region.endSpan).end : children.length ? children[children.length - 1].range.end : result.range.end;
  result.range = { start: result.range.start, end };
  result.children = children;
  return result;
}

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const scopes = scopesOf(analysis);
  const items: { line: number; symbol: DocumentSymbol }[] = [];
  const input = analysis.inputStatement;
  if (input) items.push({ line: input.span.line, symbol: symbol('input', analysis.network.input ? formatShape(analysis.network.input) : '', SymbolKind.Variable, input.span, input.keywordSpan) });
  for (const block of analysis.blocks) items.push({ line: block.statement.span.line, symbol: blockSymbol(analysis, scopes, block) });
  for (const entry of scopes.membersOf(undefined)) items.push({ line: entry.statement.span.line, symbol: statementSymbol(analysis, scopes, entry) });
  const train = analysis.trainStatement;
  if (train) items.push({ line: train.span.line, symbol: symbol('train', train.pairs.map((p) => p.key).join(' '), SymbolKind.Event, train.span, train.keywordSpan) });
  const children = items.sort((a, b) => a.line - b.line).map((i) => i.symbol);
  const network = analysis.networkStatement;
  if (!network) return children;
  const last = children.length ? children[children.length - 1].range.end : spanToRange(network.span).end;
  const root = symbol(network.name ?? 'network', `${groupDigits(analysis.network.totals.params)} params`, SymbolKind.Module, network.span, network.nameSpan ?? network.keywordSpan);
  root.range = { start: root.range.start, end: last };
  root.children = children;
  return [root];
}
