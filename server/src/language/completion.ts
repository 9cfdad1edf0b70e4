/**
 * Completion from where the cursor is on its line: statements and kinds at the start, the keys a
 * kind takes after it, and a key's values after `=`.
 */
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver-types';
import type { Analysis } from './analyze';
import { canonicalKey, DEFAULTS_KEYS, KEYS, TRAIN_KEYS, type KeyName } from './keys';
import { lexLine } from './lexer';
import { KINDS, kindSpec } from './layerKinds';
import type { Position } from './syntax';

const SNIPPETS: Record<string, string> = {
  conv: 'conv ${1:64} f=${2:3} s=${3:1} p=${4:1}',
  maxpool: 'maxpool f=${1:2} s=${2:2}',
  avgpool: 'avgpool f=${1:2} s=${2:2}',
  fc: 'fc ${1:128}',
  dense: 'dense ${1:128}',
  softmax: 'softmax ${1:10}',
};

const STATEMENTS: CompletionItem[] = [
  { label: 'network', kind: CompletionItemKind.Keyword, detail: 'network NAME', insertText: 'network ${1:name}', insertTextFormat: InsertTextFormat.Snippet },
  { label: 'input', kind: CompletionItemKind.Keyword, detail: 'input HxWxC', insertText: 'input ${1:227}x${2:227}x${3:3}', insertTextFormat: InsertTextFormat.Snippet },
  { label: 'defaults', kind: CompletionItemKind.Keyword, detail: 'defaults act=... init=... bias=...', insertText: 'defaults ' },
  { label: 'train', kind: CompletionItemKind.Keyword, detail: 'train dataset=... epochs=... batch=... lr=...', insertText: 'train dataset=${1|shapes,mnist|} epochs=${2:10} batch=${3:32} lr=${4:0.01} momentum=${5:0.9}', insertTextFormat: InsertTextFormat.Snippet },
];

function kindItems(): CompletionItem[] {
  return KINDS.flatMap((spec) =>
    spec.words.map((word) => ({
      label: word,
      kind: CompletionItemKind.Class,
      detail: spec.count ? `${word} ${spec.count.toUpperCase()}${spec.required.map((k) => ` ${k}=N`).join('')}` : word,
      documentation: spec.doc,
      insertText: SNIPPETS[word] ?? word,
      insertTextFormat: SNIPPETS[word] ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    })),
  );
}

function keyItems(keys: readonly KeyName[], present: Set<string>): CompletionItem[] {
  return keys
    .filter((k) => !present.has(k))
    .map((k) => ({ label: k, kind: CompletionItemKind.Property, detail: `${k}=${KEYS[k].syntax}`, documentation: KEYS[k].doc, insertText: `${k}=` }));
}

function valueItems(key: KeyName): CompletionItem[] {
  const values: readonly string[] = KEYS[key].values ?? (key === 'kernel' ? ['1', '3', '5', '7', '11'] : key === 'stride' ? ['1', '2', '4'] : key === 'pad' ? ['0', '1', '2'] : []);
  return values.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember, detail: KEYS[key].syntax }));
}

export function completion(analysis: Analysis, position: Position): CompletionItem[] {
  const line = analysis.document.lines[position.line] ?? '';
  const before = line.slice(0, position.character);
  if (before.includes('#')) return [];
  const tokens = lexLine(before).filter((t) => t.type !== 'comment');
  // The word being typed is replaced by the choice, so it is not part of the context.
  const typing = tokens.length && tokens[tokens.length - 1].end === before.length && tokens[tokens.length - 1].type !== 'equals' ? tokens.pop() : undefined;
  const last = tokens[tokens.length - 1];

  if (last?.type === 'equals') {
    const key = tokens[tokens.length - 2];
    const name = key?.type === 'word' ? canonicalKey(key.text) : undefined;
    return name ? valueItems(name) : [];
  }
  if (tokens.length === 0) return [...STATEMENTS, ...kindItems()];
  if (tokens.length === 2 && tokens[1].type === 'colon') return kindItems();
  if (typing?.type === 'paren') return [];

  const first = tokens[0].text;
  const present = new Set(tokens.filter((t, i) => t.type === 'word' && tokens[i + 1]?.type === 'equals').map((t) => canonicalKey(t.text) ?? t.text));
  if (first === 'train') return keyItems(TRAIN_KEYS, present);
  if (first === 'defaults') return keyItems(DEFAULTS_KEYS, present);
  if (first === 'network' || first === 'input') return [];
  const kindWord = tokens[1]?.type === 'colon' ? tokens[2]?.text : first;
  const spec = kindWord ? kindSpec(kindWord) : undefined;
  return spec ? keyItems(spec.keys, present) : [];
}
