/**
 * Text → syntax tree. Never throws: anything it cannot read becomes a diagnostic on that line,
 * and the next line is read afresh.
 */
import { lexLine, type Token } from './lexer';
import { clip } from './quote';
import type {
  BlockParam,
  CnnDocument,
  Comment,
  KeyValue,
  LayerStatement,
  ParsedLine,
  Span,
  Statement,
  SyntaxDiagnostic,
  Value,
} from './syntax';

export const STATEMENT_KEYWORDS = ['network', 'input', 'defaults', 'train', 'block', 'end'] as const;

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * `previous`, the same document before an edit, lets lines whose text and position are unchanged
 * keep their parse: on a 5,000-line file, typing then re-reads one line, not all of them.
 */
export function parse(text: string, previous?: CnnDocument): CnnDocument {
  const lines = splitLines(text);
  const parsedLines = lines.map((line, index) =>
    previous && previous.lines[index] === line && previous.parsedLines[index] ? previous.parsedLines[index] : parseLine(line, index),
  );
  const statements: Statement[] = [];
  const comments: Comment[] = [];
  const diagnostics: SyntaxDiagnostic[] = [];
  for (const parsed of parsedLines) {
    if (parsed.statement) statements.push(parsed.statement);
    if (parsed.comment) comments.push(parsed.comment);
    for (const d of parsed.diagnostics) diagnostics.push(d);
  }
  return { text, lines, parsedLines, statements, comments, diagnostics };
}

const EMPTY: readonly SyntaxDiagnostic[] = [];

const VALUE_START = new Set<Token['type']>(['number', 'size', 'word', 'paren']);

/** Control characters other than tab: a text file has none; a binary one is full of them. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function parseLine(line: string, index: number): ParsedLine {
  // A line with a control character is not text a person wrote (an opened binary file, a paste
  // gone wrong): say where, once, rather than lex and report every byte of it.
  const control = CONTROL.exec(line);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const span = { line: index, start: control.index, end: control.index + 1 };
    return { diagnostics: [{ span, code: 'syntax-error', message: `A control character (U+${code}) at column ${control.index + 1}: this line is not text and is not read` }] };
  }
  const tokens = lexLine(line);
  const last = tokens[tokens.length - 1];
  let comment: Comment | undefined;
  if (last?.type === 'comment') {
    comment = { span: { line: index, start: last.start, end: last.end }, text: last.text };
    tokens.pop();
  }
  if (tokens.length === 0) return { comment, diagnostics: EMPTY as SyntaxDiagnostic[] };
  const diagnostics: SyntaxDiagnostic[] = [];
  const statement = new LineParser(index, line, tokens, diagnostics).statement();
  return { statement, comment, diagnostics };
}

class LineParser {
  private at = 0;

  constructor(
    private readonly line: number,
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly diagnostics: SyntaxDiagnostic[],
  ) {}

  statement(): Statement | undefined {
    const first = this.tokens[0];
    if (first.type !== 'word') {
      this.error(first, 'syntax-error', `Expected a statement (network, input, defaults, a layer or train), found '${clip(first.text)}'`);
      return undefined;
    }
    const keywordSpan = this.span(first);
    const second = this.tokens[1];
    if (second?.type !== 'colon') {
      switch (first.text) {
        case 'network': {
          this.at = 1;
          const name = this.take('word');
          this.rest();
          return { type: 'network', name: name?.text, nameSpan: name && this.span(name), keywordSpan, span: this.whole() };
        }
        case 'input': {
          this.at = 1;
          const size = this.value();
          this.rest();
          return { type: 'input', size, keywordSpan, span: this.whole() };
        }
        case 'defaults':
        case 'train': {
          this.at = 1;
          return { type: first.text, pairs: this.pairs(), keywordSpan, span: this.whole() };
        }
        case 'block':
          return this.block(keywordSpan);
        case 'end':
          this.at = 1;
          this.rest();
          return { type: 'end', keywordSpan, span: this.whole() };
      }
    }
    return this.layer();
  }

  private layer(): Statement | undefined {
    let label: Token | undefined;
    if (this.tokens[1]?.type === 'colon') {
      label = this.tokens[0];
      this.at = 2;
    }
    const kind = this.take('word');
    if (!kind) {
      const where = this.tokens[this.at] ?? this.tokens[this.at - 1];
      this.error(where, 'missing-kind', label ? `Expected a layer kind after '${clip(label.text)}:' (conv, maxpool, fc, ...)` : 'Expected a layer kind');
      return undefined;
    }
    const statement: LayerStatement = {
      type: 'layer',
      label: label?.text,
      labelSpan: label && this.span(label),
      kind: kind.text,
      keywordSpan: this.span(kind),
      args: [],
      pairs: [],
      span: this.whole(),
    };
    // Arguments run up to the first KEY=VALUE; a bare word there is left to analysis, which knows
    // whether it names a block parameter or is a key missing its '='.
    while (this.at < this.tokens.length && !(this.tokens[this.at].type === 'word' && this.tokens[this.at + 1]?.type === 'equals')) {
      const token = this.tokens[this.at];
      if (token.type === 'number' && this.digitSeparator(token, true)) return undefined;
      const value = this.value();
      if (!value) {
        this.unexpected(token);
        this.at++;
        continue;
      }
      statement.args.push(value);
    }
    const first = statement.args[0];
    if (first?.type === 'number') {
      statement.count = first.value;
      statement.countSpan = first.span;
    }
    statement.pairs = this.pairs();
    return statement;
  }

  private pairs(): KeyValue[] {
    const pairs: KeyValue[] = [];
    while (this.at < this.tokens.length) {
      const key = this.tokens[this.at];
      if (key.type !== 'word') {
        this.unexpected(key);
        this.at++;
        continue;
      }
      this.at++;
      if (this.tokens[this.at]?.type !== 'equals') {
        this.error(key, 'expected-equals', `Expected '=' after '${clip(key.text)}' (write ${clip(key.text)}=VALUE)`);
        pairs.push({ key: key.text, keySpan: this.span(key), span: this.span(key) });
        continue;
      }
      const equals = this.tokens[this.at++];
      const value = this.value();
      if (!value) {
        this.error(equals, 'missing-value', `Expected a value after '${clip(key.text)}='`);
      }
      const end = value ? value.span.end : equals.end;
      pairs.push({ key: key.text, keySpan: this.span(key), value, span: { line: this.line, start: key.start, end } });
    }
    return pairs;
  }

  /**
   * One value: the run of tokens that touch each other or are joined by an operator or a comma
   * (`227x227x3`, `gaussian(0.01)`, `a,b`, `width * 4`).
   */
  private value(): Value | undefined {
    const token = this.tokens[this.at];
    if (!token || !VALUE_START.has(token.type)) return undefined;
    if (token.type === 'number' && this.digitSeparator(token)) return { type: 'number', value: Number(token.text), text: token.text, span: this.span(token) };
    let end = this.at + 1;
    while (end < this.tokens.length) {
      const previous = this.tokens[end - 1];
      const next = this.tokens[end];
      if (next.type === 'equals' || next.type === 'colon' || next.type === 'comment' || next.type === 'unknown') break;
      const joined = next.start === previous.end || next.type === 'op' || previous.type === 'op' || next.type === 'comma' || previous.type === 'comma';
      // `a b=1`: the word before '=' is the next key, not part of this value.
      if (!joined || (next.type === 'word' && this.tokens[end + 1]?.type === 'equals' && next.start !== previous.end && previous.type !== 'op' && previous.type !== 'comma')) break;
      end++;
    }
    const run = this.tokens.slice(this.at, end);
    this.at = end;
    const span: Span = { line: this.line, start: run[0].start, end: run[run.length - 1].end };
    if (run.length === 1) return this.single(token);
    if (run.length === 2 && token.type === 'word' && run[1].type === 'paren' && run[1].start === token.end) return this.call(token, run[1]);
    if (run.every((t) => t.type === 'word' || t.type === 'comma')) {
      const names = run.filter((t) => t.type === 'word').map((t) => ({ name: t.text, span: this.span(t) }));
      const wellFormed = run.every((t, i) => (i % 2 === 0 ? t.type === 'word' : t.type === 'comma'));
      if (wellFormed) return { type: 'names', names, span };
      this.diagnostics.push({ span, code: 'syntax-error', message: `Expected names separated by commas, e.g. from=a,b; found '${clip(this.text.slice(span.start, span.end))}'` });
      return { type: 'names', names, span };
    }
    return { type: 'expr', text: this.text.slice(span.start, span.end), span };
  }

  private single(token: Token): Value | undefined {
    switch (token.type) {
      case 'number':
        return { type: 'number', value: Number(token.text), text: token.text, span: this.span(token) };
      case 'size':
        return { type: 'size', parts: token.parts!, span: this.span(token) };
      case 'word':
        return { type: 'name', name: token.text, span: this.span(token) };
      case 'paren':
        if (!token.closed) this.error(token, 'syntax-error', `Missing ')' in '${clip(token.text)}'`);
        return { type: 'expr', text: token.text, span: this.span(token) };
      default:
        return undefined;
    }
  }

  private call(token: Token, paren: Token): Value {
    if (!paren.closed) this.error(paren, 'syntax-error', `Missing ')' after '${clip(token.text + paren.text)}'`);
    const inner = paren.text.slice(1, paren.closed ? -1 : undefined);
    const lead = inner.length - inner.trimStart().length;
    return {
      type: 'call',
      name: token.text,
      arg: inner.trim(),
      argSpan: { line: this.line, start: paren.start + 1 + lead, end: paren.start + 1 + lead + inner.trim().length },
      span: { line: this.line, start: token.start, end: paren.end },
    };
  }

  /** `block NAME(PARAM[=DEFAULT], ...)`. */
  private block(keywordSpan: Span): Statement {
    this.at = 1;
    const name = this.take('word');
    const params: BlockParam[] = [];
    const paren = this.tokens[this.at];
    if (name && paren?.type === 'paren') {
      this.at++;
      if (!paren.closed) this.error(paren, 'syntax-error', `Missing ')' after 'block ${clip(name.text + paren.text)}'`);
      const inner = paren.text.slice(1, paren.closed ? -1 : undefined);
      let offset = paren.start + 1;
      for (const part of inner.split(',')) {
        const start = offset + (part.length - part.trimStart().length);
        offset += part.length + 1;
        const text = part.trim();
        if (!text && inner.trim() === '') break;
        const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(.+))?$/.exec(text);
        const span: Span = { line: this.line, start, end: start + text.length };
        if (!match) {
          this.diagnostics.push({ span, code: 'syntax-error', message: `Expected a parameter NAME or NAME=DEFAULT, found '${clip(text)}'` });
          continue;
        }
        const param: BlockParam = { name: match[1], span: { line: this.line, start, end: start + match[1].length } };
        if (match[2] !== undefined) {
          const defaultStart = start + text.lastIndexOf(match[2]);
          param.default = { text: match[2], span: { line: this.line, start: defaultStart, end: defaultStart + match[2].length } };
        }
        params.push(param);
      }
    } else if (!name) {
      const where = this.tokens[this.at] ?? this.tokens[0];
      this.error(where, 'missing-name', "'block' needs a name, e.g. `block basic(width, stride=1)`");
    }
    this.rest();
    return { type: 'block', name: name?.text, nameSpan: name && this.span(name), params, keywordSpan, span: this.whole() };
  }

  /** `1_600` lexes as `1` and `_600`: say what is wrong instead of "unexpected '_600'". */
  private digitSeparator(number: Token, before = false): boolean {
    const next = this.tokens[before ? this.at + 1 : this.at];
    if (next?.type === 'word' && next.start === number.end && next.text.startsWith('_')) {
      const written = number.text + next.text;
      this.error({ ...next, start: number.start }, 'syntax-error', `Digit separators are not allowed: write ${clip(written.replace(/_/g, ''))} instead of ${clip(written)}`);
      this.at += before ? 2 : 1;
      return true;
    }
    return false;
  }

  private take(type: Token['type']): Token | undefined {
    const token = this.tokens[this.at];
    if (token?.type !== type) return undefined;
    this.at++;
    return token;
  }

  private rest(): void {
    for (; this.at < this.tokens.length; this.at++) this.unexpected(this.tokens[this.at]);
  }

  private unexpected(token: Token): void {
    this.error(token, 'syntax-error', `Unexpected '${clip(token.text)}'`);
  }

  private error(token: Token, code: string, message: string): void {
    this.diagnostics.push({ span: this.span(token), code, message });
  }

  private span(token: Token): Span {
    return { line: this.line, start: token.start, end: token.end };
  }

  private whole(): Span {
    return { line: this.line, start: this.tokens[0].start, end: this.tokens[this.tokens.length - 1].end };
  }
}
