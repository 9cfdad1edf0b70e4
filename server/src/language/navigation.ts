/**
 * Moving around a graph: go to definition (a name in `from=` to the line it names, a block word to
 * its `block` line), references and rename of layer and block names, and folding of blocks.
 * Names are scoped as analysis scopes them (see scopes.ts): a block's body is its own scope.
 */
import type { FoldingRange, TextEdit } from 'vscode-languageserver-types';
import { analyzeText, type Analysis, type AnalyzeOptions, type BlockDefinition, type LayerAnalysis } from './analyze';
import { kindSpec } from './layerKinds';
import { STATEMENT_KEYWORDS } from './parser';
import { scopesOf, type Scopes, type Target } from './scopes';
import { spanToRange, type Position, type Range, type Span } from './syntax';
import { applyEdits } from './textEdits';

/** Where a statement's name is written: its label, or its kind word when it has none. */
function nameSpan(entry: LayerAnalysis): Span {
  return entry.statement.labelSpan ?? entry.statement.keywordSpan;
}

function targetRange(scopes: Scopes, target: Target): Range | undefined {
  if (target.type === 'layer') return spanToRange(nameSpan(target.entry));
  if (target.region) return spanToRange(target.region.header.nameSpan ?? target.region.header.keywordSpan);
  const input = scopes.analysis.inputStatement;
  return input ? spanToRange(input.keywordSpan) : undefined;
}

/** The ranges the name under the cursor is defined at (one, or none). */
export function definition(analysis: Analysis, position: Position): Range[] {
  const scopes = scopesOf(analysis);
  const hit = scopes.at(position);
  if (!hit) return [];
  switch (hit.type) {
    case 'label':
      return [spanToRange(nameSpan(hit.entry))];
    case 'ref': {
      if (!hit.resolved) return [];
      // On `u` of `u.a`: the use; elsewhere in the name, what the whole name stands for.
      const range = hit.segment && hit.segment !== hit.resolved.segments[hit.resolved.segments.length - 1]
        ? spanToRange(nameSpan(hit.segment.entry))
        : targetRange(scopes, hit.resolved.target);
      return range ? [range] : [];
    }
    case 'block-use':
    case 'block-header':
      return [spanToRange(hit.block.statement.nameSpan ?? hit.block.statement.keywordSpan)];
  }
}

type Symbol = { type: 'layer'; entry: LayerAnalysis } | { type: 'block'; block: BlockDefinition };

function symbolAt(scopes: Scopes, position: Position): { symbol: Symbol; range: Range } | undefined {
  const hit = scopes.at(position);
  if (!hit) return undefined;
  switch (hit.type) {
    case 'label':
      return { symbol: { type: 'layer', entry: hit.entry }, range: spanToRange(hit.entry.statement.labelSpan!) };
    case 'ref':
      return hit.segment ? { symbol: { type: 'layer', entry: hit.segment.entry }, range: spanToRange(hit.segment.span) } : undefined;
    case 'block-use':
      return { symbol: { type: 'block', block: hit.block }, range: spanToRange(hit.entry.statement.keywordSpan) };
    case 'block-header':
      return { symbol: { type: 'block', block: hit.block }, range: spanToRange(hit.block.statement.nameSpan!) };
  }
}

/** Every use line of a block, where its word is written (uses above its definition included). */
function blockUses(scopes: Scopes, block: BlockDefinition): LayerAnalysis[] {
  return scopes.analysis.layers.filter((e) => e.statement.kind === block.name && !kindSpec(block.name));
}

/** Every place the name under the cursor is written: its definition (when asked) and each mention. */
export function references(analysis: Analysis, position: Position, includeDeclaration = true): Range[] {
  const scopes = scopesOf(analysis);
  const found = symbolAt(scopes, position);
  if (!found) return [];
  const spans: Span[] = [];
  if (found.symbol.type === 'layer') {
    const entry = found.symbol.entry;
    if (includeDeclaration && entry.statement.labelSpan) spans.push(entry.statement.labelSpan);
    spans.push(...scopes.mentions(entry));
  } else {
    const block = found.symbol.block;
    if (includeDeclaration && block.statement.nameSpan) spans.push(block.statement.nameSpan);
    spans.push(...blockUses(scopes, block).map((e) => e.statement.keywordSpan));
  }
  return spans.sort((a, b) => a.line - b.line || a.start - b.start).map(spanToRange);
}

/** The range to rename and the name now there, or undefined where nothing can be renamed. */
export function prepareRename(analysis: Analysis, position: Position): { range: Range; placeholder: string } | undefined {
  const scopes = scopesOf(analysis);
  const found = symbolAt(scopes, position);
  if (!found) return undefined;
  const placeholder = found.symbol.type === 'layer' ? scopes.nameOf(found.symbol.entry) : found.symbol.block.name;
  return { range: found.range, placeholder };
}

const LAYER_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:[.-][A-Za-z0-9_]+)*$/;
const BLOCK_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type RenameResult = { edits: TextEdit[] } | { error: string };

/**
 * The edits that rename the name under the cursor, or why not: a name that is not a name, one
 * already taken in the scope, or one that re-analysis shows would break the file.
 */
export function rename(analysis: Analysis, position: Position, newName: string, options: AnalyzeOptions = {}): RenameResult {
  const scopes = scopesOf(analysis);
  const found = symbolAt(scopes, position);
  if (!found) return { error: 'Nothing to rename here: put the cursor on a layer name, a name in from=, or a block name' };
  const result = found.symbol.type === 'layer' ? renameLayer(scopes, found.symbol.entry, newName) : renameBlock(scopes, found.symbol.block, newName);
  if ('error' in result || result.edits.length === 0) return result;
  // Whatever the checks above missed (a full name an instance already gives out), analysis sees.
  const errors = (a: Analysis) => a.diagnostics.filter((d) => d.severity === 'error');
  const before = errors(analysis);
  const after = errors(analyzeText(applyEdits(analysis.document.text, result.edits), options));
  if (after.length > before.length) {
    const known = new Set(before.map((d) => d.message));
    const added = after.find((d) => !known.has(d.message)) ?? after[after.length - 1];
    return { error: `Renaming to '${newName}' would break the file: ${added.message}` };
  }
  return result;
}

function renameLayer(scopes: Scopes, entry: LayerAnalysis, newName: string): RenameResult {
  const oldName = scopes.nameOf(entry);
  if (newName === oldName) return { edits: [] };
  if (!LAYER_NAME.test(newName)) return { error: `'${newName}' is not a layer name: use letters, digits, _ and dots (conv1, downsample.0)` };
  const block = entry.definedIn;
  const word = scopes.entryWord(block);
  if (newName === word) return { error: `'${word}' names the ${block ? "block's" : "network's"} input` };
  const taken = scopes.membersOf(block).find((e) => e !== entry && scopes.nameOf(e) === newName);
  if (taken) return { error: `'${newName}' is already the name of line ${taken.statement.span.line + 1}${block ? ` in block '${block.name}'` : ''}` };
  const edits: TextEdit[] = scopes.mentions(entry).map((span) => ({ range: spanToRange(span), newText: newName }));
  const label = entry.statement.labelSpan;
  if (label) edits.push({ range: spanToRange(label), newText: newName });
  else {
    // An unnamed layer gets a label; numbering of the others does not change (analysis counts every line).
    const at = { line: entry.statement.span.line, character: entry.statement.span.start };
    edits.push({ range: { start: at, end: at }, newText: `${newName}: ` });
  }
  return { edits };
}

function renameBlock(scopes: Scopes, block: BlockDefinition, newName: string): RenameResult {
  if (newName === block.name) return { edits: [] };
  if (!BLOCK_NAME.test(newName)) return { error: `'${newName}' is not a block name: use letters, digits and _` };
  if (kindSpec(newName)) return { error: `'${newName}' is a layer kind` };
  if ((STATEMENT_KEYWORDS as readonly string[]).includes(newName)) return { error: `'${newName}' starts a statement of its own` };
  if (scopes.blockNamed(newName)) return { error: `A block named '${newName}' is already defined on line ${scopes.blockNamed(newName)!.statement.span.line + 1}` };
  const edits: TextEdit[] = [];
  if (block.statement.nameSpan) edits.push({ range: spanToRange(block.statement.nameSpan), newText: newName });
  for (const use of blockUses(scopes, block)) {
    edits.push({ range: spanToRange(use.statement.keywordSpan), newText: newName });
    // An unnamed use is named after its block (`basic1`): what reads it by that name follows.
    if (use.statement.label) continue;
    const oldName = scopes.nameOf(use);
    const renamed = newName + oldName.slice(block.name.length);
    const clash = scopes.membersOf(use.definedIn).find((e) => scopes.nameOf(e) === renamed);
    if (clash) return { error: `The unnamed use on line ${use.statement.span.line + 1} would be named '${renamed}', as line ${clash.statement.span.line + 1} already is` };
    for (const span of scopes.mentions(use)) edits.push({ range: spanToRange(span), newText: renamed });
  }
  return { edits };
}

/** A block folds from its `block` line to its `end`. */
export function foldingRanges(analysis: Analysis): FoldingRange[] {
  return scopesOf(analysis).regions
    .filter((r) => r.end > r.start)
    .map((r) => ({ startLine: r.start, endLine: r.end, kind: 'region' }));
}
