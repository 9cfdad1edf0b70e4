/**
 * The syntax tree of a `.cnn` file. Positions are 0-based lines and UTF-16 character offsets,
 * as the Language Server Protocol counts them, so features hand them to the editor unchanged.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A run of characters on one line. */
export interface Span {
  line: number;
  start: number;
  end: number;
}

export type Value =
  | { type: 'number'; value: number; text: string; span: Span }
  | { type: 'size'; parts: number[]; span: Span }
  | { type: 'name'; name: string; span: Span }
  | { type: 'call'; name: string; arg: string; argSpan: Span; span: Span }
  /** `from=a,b`: names separated by commas. */
  | { type: 'names'; names: NameRef[]; span: Span }
  /** Arithmetic over block parameters (`width*4`, `(n+1)/2`, `1xk`), read when the block is used. */
  | { type: 'expr'; text: string; span: Span };

export interface NameRef {
  name: string;
  span: Span;
}

export interface KeyValue {
  key: string;
  keySpan: Span;
  /** Absent when the line ends after `key=` or the value could not be read. */
  value?: Value;
  span: Span;
}

interface StatementBase {
  /** The whole statement, comment excluded. */
  span: Span;
  /** The leading keyword (network, input, defaults, train, block, end) or the layer kind. */
  keywordSpan: Span;
}

export interface NetworkStatement extends StatementBase {
  type: 'network';
  name?: string;
  nameSpan?: Span;
}

export interface InputStatement extends StatementBase {
  type: 'input';
  size?: Value;
}

export interface DefaultsStatement extends StatementBase {
  type: 'defaults';
  pairs: KeyValue[];
}

export interface LayerStatement extends StatementBase {
  type: 'layer';
  label?: string;
  labelSpan?: Span;
  /** As written (`dense`, `conv`, a block's name, or a typo). */
  kind: string;
  /** What follows the kind before the first KEY=VALUE: a layer's count, a block's arguments. */
  args: Value[];
  /** The first argument when it is a plain number (the count as written); checked by analysis. */
  count?: number;
  countSpan?: Span;
  pairs: KeyValue[];
}

export interface BlockParam {
  name: string;
  span: Span;
  /** The default as written, an integer expression read when the block is used. */
  default?: { text: string; span: Span };
}

/** `block NAME(PARAM[=DEFAULT], ...)`: the start of a definition that runs to `end`. */
export interface BlockStatement extends StatementBase {
  type: 'block';
  name?: string;
  nameSpan?: Span;
  params: BlockParam[];
}

export interface EndStatement extends StatementBase {
  type: 'end';
}

export interface TrainStatement extends StatementBase {
  type: 'train';
  pairs: KeyValue[];
}

export type Statement =
  | NetworkStatement
  | InputStatement
  | DefaultsStatement
  | LayerStatement
  | TrainStatement
  | BlockStatement
  | EndStatement;

export interface Comment {
  span: Span;
  text: string;
}

export interface SyntaxDiagnostic {
  span: Span;
  code: string;
  message: string;
}

/** What one line holds; a line that did not change keeps this object across edits. */
export interface ParsedLine {
  statement?: Statement;
  comment?: Comment;
  diagnostics: SyntaxDiagnostic[];
}

export interface CnnDocument {
  text: string;
  lines: string[];
  parsedLines: ParsedLine[];
  statements: Statement[];
  comments: Comment[];
  diagnostics: SyntaxDiagnostic[];
}

export function spanToRange(span: Span): Range {
  return { start: { line: span.line, character: span.start }, end: { line: span.line, character: span.end } };
}

export function spanContains(span: Span, position: Position): boolean {
  return span.line === position.line && position.character >= span.start && position.character <= span.end;
}
