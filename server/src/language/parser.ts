/**
 * Text → syntax tree. Never throws: anything it cannot read becomes a diagnostic on that line,
 * and the next line is read afresh.
 */
import { lexLine, type Token } from './lexer';
import type {
  CnnDocument,
  Comment,
  KeyValue,
  ParsedLine,
  Span,
  Statement,
  SyntaxDiagnostic,
  Value,
} from './syntax';

export const STATEMENT_KEYWORDS = ['network', 'input', 'defaults', 'train'] as const;

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

function parseLine(line: string, index: number): ParsedLine {
  const tokens = lexLine(line);
  const last = tokens[tokens.length - 1];
  let comment: Comment | undefined;
  if (last?.type === 'comment') {
    comment = { span: { line: index, start: last.start, end: last.end }, text: last.text };
    tokens.pop();
  }
  if (tokens.length === 0) return { comment, diagnostics: EMPTY as SyntaxDiagnostic[] };
  const diagnostics: SyntaxDiagnostic[] = [];
  const statement = new LineParser(index, tokens, diagnostics).statement();
  return { statement, comment, diagnostics };
}

class LineParser {
  private at = 0;

  constructor(
    private readonly line: number,
    private readonly tokens: Token[],
    private readonly diagnostics: SyntaxDiagnostic[],
  ) {}

  statement(): Statement | undefined {
    const first = this.tokens[0];
    if (first.type !== 'word') {
      this.error(first, 'syntax-error', `Expected a statement (network, input, defaults, a layer or train), found '${first.text}'`);
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
      this.error(where, 'missing-kind', label ? `Expected a layer kind after '${label.text}:' (conv, maxpool, fc, ...)` : 'Expected a layer kind');
      return undefined;
    }
    let count: Token | undefined;
    const next = this.tokens[this.at];
    if (next && (next.type === 'number' || next.type === 'size') && this.tokens[this.at + 1]?.type !== 'equals') {
      count = next;
      this.at++;
      if (count.type === 'number' && this.digitSeparator(count)) return undefined;
    }
    const statement: Statement = {
      type: 'layer',
      label: label?.text,
      labelSpan: label && this.span(label),
      kind: kind.text,
      keywordSpan: this.span(kind),
      pairs: [],
      span: this.whole(),
    };
    if (count) {
      const value = Number(count.text);
      if (count.type === 'number' && Number.isInteger(value) && value > 0) {
        statement.count = value;
        statement.countSpan = this.span(count);
      } else {
        this.error(count, 'invalid-count', `The count after '${kind.text}' must be a whole number of at least 1, found '${count.text}'`);
      }
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
        this.error(key, 'expected-equals', `Expected '=' after '${key.text}' (write ${key.text}=VALUE)`);
        pairs.push({ key: key.text, keySpan: this.span(key), span: this.span(key) });
        continue;
      }
      const equals = this.tokens[this.at++];
      const value = this.value();
      if (!value) {
        this.error(equals, 'missing-value', `Expected a value after '${key.text}='`);
      }
      const end = value ? value.span.end : equals.end;
      pairs.push({ key: key.text, keySpan: this.span(key), value, span: { line: this.line, start: key.start, end } });
    }
    return pairs;
  }

  private value(): Value | undefined {
    const token = this.tokens[this.at];
    if (!token) return undefined;
    switch (token.type) {
      case 'number':
        this.at++;
        this.digitSeparator(token);
        return { type: 'number', value: Number(token.text), text: token.text, span: this.span(token) };
      case 'size':
        this.at++;
        return { type: 'size', parts: token.parts!, span: this.span(token) };
      case 'word': {
        this.at++;
        const paren = this.tokens[this.at];
        if (paren?.type === 'paren' && paren.start === token.end) {
          this.at++;
          if (!paren.closed) this.error(paren, 'syntax-error', `Missing ')' after '${token.text}${paren.text}'`);
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
        return { type: 'name', name: token.text, span: this.span(token) };
      }
      default:
        return undefined;
    }
  }

  /** `1_600` lexes as `1` and `_600`: say what is wrong instead of "unexpected '_600'". */
  private digitSeparator(number: Token): boolean {
    const next = this.tokens[this.at];
    if (next?.type === 'word' && next.start === number.end && next.text.startsWith('_')) {
      const written = number.text + next.text;
      this.error({ ...next, start: number.start }, 'syntax-error', `Digit separators are not allowed: write ${written.replace(/_/g, '')} instead of ${written}`);
      this.at++;
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
    this.error(token, 'syntax-error', `Unexpected '${token.text}'`);
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
