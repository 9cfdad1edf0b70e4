/**
 * Splits one line of a `.cnn` file into tokens. Statements never span lines, so the parser lexes
 * line by line and a bad line cannot disturb the next one.
 */

export type TokenType = 'word' | 'number' | 'size' | 'equals' | 'colon' | 'comma' | 'op' | 'paren' | 'comment' | 'unknown';

export interface Token {
  type: TokenType;
  text: string;
  start: number;
  end: number;
  /** `size`: the numbers between the `x`s. `paren`: whether the `)` was found. */
  parts?: number[];
  closed?: boolean;
}

const WORD = /[A-Za-z_][A-Za-z0-9_.-]*/y;
// A size is tried before a plain number so that `227x227x3` and `227 x 227 x 3` stay one token.
const SIZE = /\d+(?:[ \t]*[x×][ \t]*\d+)+(?![A-Za-z0-9_])/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const SPACE = /[ \t\r\uFEFF]+/y;

function match(re: RegExp, line: string, at: number): string | undefined {
  re.lastIndex = at;
  const m = re.exec(line);
  return m ? m[0] : undefined;
}

export function lexLine(line: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < line.length) {
    const space = match(SPACE, line, at);
    if (space) {
      at += space.length;
      continue;
    }
    const c = line[at];
    if (c === '#') {
      tokens.push({ type: 'comment', text: line.slice(at), start: at, end: line.length });
      break;
    }
    if (c === '=' || c === ':' || c === ',') {
      tokens.push({ type: c === '=' ? 'equals' : c === ':' ? 'colon' : 'comma', text: c, start: at, end: at + 1 });
      at += 1;
      continue;
    }
    // Block arithmetic (`width*4`); a `-` between letters stays part of a word (`prelu-shared`).
    if (c === '+' || c === '-' || c === '*' || c === '/') {
      tokens.push({ type: 'op', text: c, start: at, end: at + 1 });
      at += 1;
      continue;
    }
    if (c === '(') {
      const close = line.indexOf(')', at + 1);
      const comment = line.indexOf('#', at + 1);
      const closed = close >= 0 && (comment < 0 || close < comment);
      const end = closed ? close + 1 : comment >= 0 ? comment : line.length;
      tokens.push({ type: 'paren', text: line.slice(at, end), start: at, end, closed });
      at = end;
      continue;
    }
    const size = match(SIZE, line, at);
    if (size) {
      const parts = size.split(/[x×]/).map((p) => Number(p.trim()));
      tokens.push({ type: 'size', text: size, start: at, end: at + size.length, parts });
      at += size.length;
      continue;
    }
    const number = match(NUMBER, line, at);
    if (number) {
      tokens.push({ type: 'number', text: number, start: at, end: at + number.length });
      at += number.length;
      continue;
    }
    const word = match(WORD, line, at);
    if (word) {
      tokens.push({ type: 'word', text: word, start: at, end: at + word.length });
      at += word.length;
      continue;
    }
    // One unknown character at a time, but a surrogate pair stays whole so ranges never split it.
    const width = line.codePointAt(at)! > 0xffff ? 2 : 1;
    tokens.push({ type: 'unknown', text: line.slice(at, at + width), start: at, end: at + width });
    at += width;
  }
  return tokens;
}
