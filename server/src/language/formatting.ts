/**
 * Formatting: layer lines in aligned columns (label, kind and count, then each key=value under
 * the one above it), one space elsewhere, no trailing spaces, trailing comments two spaces after
 * their code (aligned within a run of commented lines). Lines it cannot read are left alone.
 */
import type { TextEdit } from 'vscode-languageserver-types';
import type { Analysis } from './analyze';
import { canonicalKey } from './keys';
import type { KeyValue, LayerStatement, Statement } from './syntax';

interface LayerColumns {
  line: number;
  label: string;
  kind: string;
  keys: string[];
  pairs: string[];
  comment?: string;
}

function pairText(line: string, pair: KeyValue): string {
  return `${pair.key}=${pair.value ? line.slice(pair.value.span.start, pair.value.span.end) : ''}`;
}

function layerColumns(line: string, statement: LayerStatement, comment?: string): LayerColumns {
  const args = statement.args;
  const kind = args.length ? `${statement.kind} ${line.slice(args[0].span.start, args[args.length - 1].span.end)}` : statement.kind;
  return {
    line: statement.span.line,
    label: statement.label ? `${statement.label}:` : '',
    kind,
    keys: statement.pairs.map((p) => p.key),
    pairs: statement.pairs.map((p) => pairText(line, p)),
    comment,
  };
}

function otherStatement(line: string, statement: Exclude<Statement, LayerStatement>): string {
  switch (statement.type) {
    case 'network':
      return statement.name ? `network ${statement.name}` : 'network';
    case 'input':
      return statement.size ? `input ${line.slice(statement.size.span.start, statement.size.span.end)}` : 'input';
    case 'defaults':
    case 'train':
      return [statement.type, ...statement.pairs.map((p) => pairText(line, p))].join(' ');
    case 'block':
      return line.slice(statement.span.start, statement.span.end);
    case 'end':
      return 'end';
  }
}

/** Math.max over a list of any length (spreading 200,000 numbers overflows the call stack); 0 when empty. */
function largest(values: number[]): number {
  let most = 0;
  for (const v of values) if (v > most) most = v;
  return most;
}

/** The window keys get fixed columns, so `s=` sits under `s=` even where a line has no `p=`. */
const WINDOW_KEYS = ['kernel', 'stride', 'pad'];

/**
 * Label, kind and count, then kernel, stride and pad each in its column; other keys follow in the
 * order written. A line that writes its window keys in another order keeps that order, unaligned.
 */
function alignBlock(block: LayerColumns[], out: Map<number, string>): void {
  const labelWidth = largest(block.map((b) => b.label.length));
  // Only lines with keys after the kind need it padded: `fc 1600` alone stays short.
  const kindWidth = largest(block.filter((b) => b.pairs.length).map((b) => b.kind.length));
  const windowIndex = (b: LayerColumns) => b.keys.map((k) => WINDOW_KEYS.indexOf(canonicalKey(k) ?? ''));
  const aligned = block.filter((b) => {
    const idx = windowIndex(b).filter((i) => i >= 0);
    const leading = windowIndex(b).slice(0, idx.length).every((i) => i >= 0);
    return idx.length > 0 && leading && idx.every((v, i) => i === 0 || idx[i - 1] < v);
  });
  const isAligned = new Set(aligned);
  // Lines writing kernel= and those writing f= are aligned each among themselves: a column as wide
  // as `stride=3` would leave gaps after every `s=3` (`s=3      p=0`).
  const long = (b: LayerColumns) => b.keys.some((k) => WINDOW_KEYS.includes(k));
  const widthsOf = (group: LayerColumns[]) => WINDOW_KEYS.map((_, column) =>
    largest(group.map((b) => {
      const at = windowIndex(b).indexOf(column);
      return at >= 0 ? b.pairs[at].length : 0;
    })),
  );
  const longWidths = widthsOf(aligned.filter(long));
  const shortWidths = widthsOf(aligned.filter((b) => !long(b)));
  const texts = block.map((b) => {
    const head = [...(labelWidth ? [b.label.padEnd(labelWidth)] : []), b.pairs.length ? b.kind.padEnd(kindWidth) : b.kind];
    if (!isAligned.has(b)) return [...head, ...b.pairs].join(' ').trimEnd();
    const widths = long(b) ? longWidths : shortWidths;
    const index = windowIndex(b);
    const used = largest(index) + 1;
    const cells = widths.slice(0, used).map((w, column) => {
      const at = index.indexOf(column);
      return (at >= 0 ? b.pairs[at] : '').padEnd(w);
    });
    const rest = b.pairs.filter((_, i) => index[i] < 0);
    return [...head, ...cells.filter((_, column) => widths[column] > 0), ...rest].join(' ').trimEnd();
  });
  block.forEach((b, i) => out.set(b.line, texts[i]));
  alignComments(block.map((b, i) => ({ line: b.line, text: texts[i], comment: b.comment })), out);
}

/** Past this column a run of trailing comments is not aligned: each sits two spaces after its code. */
export const MAX_COMMENT_COLUMN = 60;

/**
 * Trailing comments sit two spaces after their code; a run of them on consecutive lines lines up,
 * two spaces after the longest line of the run, unless that is past MAX_COMMENT_COLUMN. A long
 * line elsewhere in the block does not push them (that put comments at column 72).
 */
function alignComments(lines: { line: number; text: string; comment?: string }[], out: Map<number, string>): void {
  let run: typeof lines = [];
  const flush = () => {
    const column = largest(run.map((l) => l.text.length)) + 2;
    for (const l of run) out.set(l.line, column <= MAX_COMMENT_COLUMN ? `${l.text.padEnd(column)}${l.comment}` : `${l.text}  ${l.comment}`);
    run = [];
  };
  for (const l of lines) {
    if (!l.comment || (run.length && run[run.length - 1].line !== l.line - 1)) flush();
    if (l.comment) run.push(l);
  }
  flush();
}

export function format(analysis: Analysis): TextEdit[] {
  const { lines, statements, comments, diagnostics } = analysis.document;
  const unreadable = new Set(diagnostics.map((d) => d.span.line));
  const commentAt = new Map(comments.map((c) => [c.span.line, c.text.trimEnd()]));
  const statementAt = new Map(statements.map((s) => [s.span.line, s]));
  const formatted = new Map<number, string>();
  let block: LayerColumns[] = [];
  const flush = () => {
    if (block.length) alignBlock(block, formatted);
    block = [];
  };
  // A block's body is indented two spaces, from its `block` line to its `end`.
  const indent = new Set<number>();
  let open: number | undefined;
  for (const statement of statements) {
    if (statement.type === 'block') open = statement.span.line;
    else if (statement.type === 'end' && open !== undefined) {
      for (let l = open + 1; l < statement.span.line; l++) indent.add(l);
      open = undefined;
    }
  }
  lines.forEach((line, index) => {
    const statement = statementAt.get(index);
    if (statement?.type === 'block' || statement?.type === 'end' || indent.has(index - 1) !== indent.has(index)) flush();
    if (unreadable.has(index)) {
      flush();
      formatted.set(index, line.trimEnd());
      return;
    }
    if (!statement) {
      // Blank lines end a block; a comment line sits inside one without breaking it.
      if (!commentAt.has(index)) flush();
      formatted.set(index, line.trim());
      return;
    }
    if (statement.type === 'layer') {
      block.push(layerColumns(line, statement, commentAt.get(index)));
      return;
    }
    flush();
    const text = otherStatement(line, statement);
    const comment = commentAt.get(index);
    formatted.set(index, comment ? `${text}  ${comment}` : text);
  });
  flush();
  const edits: TextEdit[] = [];
  lines.forEach((line, index) => {
    let text = formatted.get(index) ?? line;
    if (indent.has(index) && text !== "" && !unreadable.has(index)) text = `  ${text}`;
    if (text !== line) edits.push({ range: { start: { line: index, character: 0 }, end: { line: index, character: line.length } }, newText: text });
  });
  return edits;
}
