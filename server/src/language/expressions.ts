/**
 * Integer arithmetic over block parameters: `width*4`, `(n + 1)/2`, `stride-1`, and sizes whose
 * parts are expressions (`1xk`, `k x k`). Read when a block is used, with that use's arguments.
 * Names are `[A-Za-z_][A-Za-z0-9_]*` here: a `-` is subtraction and an `x` between two operands
 * separates the sides of a size, unless a parameter is spelt with it.
 */

export type Evaluated = { ok: true; parts: number[] } | { ok: false; code: 'unknown-parameter' | 'not-whole' | 'invalid-value'; message: string; name?: string };

type Token = { type: 'number'; value: number } | { type: 'name'; name: string } | { type: 'op'; op: string } | { type: 'by' };

class Failure extends Error {
  constructor(readonly code: 'unknown-parameter' | 'not-whole' | 'invalid-value', message: string, readonly parameter?: string) {
    super(message);
  }
}

/** The longest expression we read; anything longer is not arithmetic a person writes. */
const MAX_LENGTH = 200;

export function evaluate(text: string, bindings: ReadonlyMap<string, number>): Evaluated {
  try {
    if (text.length > MAX_LENGTH) throw new Failure('invalid-value', `An expression of ${text.length} characters is too long to read (at most ${MAX_LENGTH})`);
    const tokens = tokenize(text, bindings);
    const parser = new ExpressionParser(tokens, text, bindings);
    const parts = parser.size();
    return { ok: true, parts };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, code: error.code, message: error.message, name: error.parameter };
    throw error;
  }
}

function tokenize(text: string, bindings: ReadonlyMap<string, number>): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const c = text[at];
    if (c === ' ' || c === '\t') {
      at++;
      continue;
    }
    if ('+-*/()'.includes(c)) {
      tokens.push({ type: 'op', op: c });
      at++;
      continue;
    }
    if (c === '×') {
      tokens.push({ type: 'by' });
      at++;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(text.slice(at, at + 40));
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at, at + MAX_LENGTH));
    if (word) {
      at += word[0].length;
      splitWord(word[0], bindings, tokens);
      continue;
    }
    throw new Failure('invalid-value', `Unexpected '${c}' in '${text}'`);
  }
  return tokens;
}

/** `kxk`, `xk` (after `1`), `kx3`: a word that is no parameter, read as sides of a size. */
function splitWord(word: string, bindings: ReadonlyMap<string, number>, tokens: Token[]): void {
  if (bindings.has(word) || !word.includes('x')) {
    tokens.push({ type: 'name', name: word });
    return;
  }
  const pieces = word.split('x');
  const readable = pieces.every((p, i) => (p === '' ? i === 0 || i === pieces.length - 1 : bindings.has(p) || /^\d+$/.test(p)));
  if (!readable) {
    tokens.push({ type: 'name', name: word });
    return;
  }
  pieces.forEach((piece, i) => {
    if (i > 0) tokens.push({ type: 'by' });
    if (piece === '') return;
    tokens.push(/^\d+$/.test(piece) ? { type: 'number', value: Number(piece) } : { type: 'name', name: piece });
  });
}

class ExpressionParser {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
    private readonly bindings: ReadonlyMap<string, number>,
  ) {}

  size(): number[] {
    const parts = [this.sum()];
    while (this.peek()?.type === 'by') {
      this.at++;
      parts.push(this.sum());
    }
    if (this.at < this.tokens.length) throw new Failure('invalid-value', `Cannot read '${this.text}' as arithmetic (+ - * / and parentheses over numbers and parameters)`);
    return parts;
  }

  private sum(): number {
    let value = this.product();
    for (let t = this.peek(); t?.type === 'op' && (t.op === '+' || t.op === '-'); t = this.peek()) {
      this.at++;
      const right = this.product();
      value = t.op === '+' ? value + right : value - right;
    }
    return value;
  }

  private product(): number {
    let value = this.factor();
    for (let t = this.peek(); t?.type === 'op' && (t.op === '*' || t.op === '/'); t = this.peek()) {
      this.at++;
      const right = this.factor();
      if (t.op === '*') {
        value *= right;
        continue;
      }
      if (right === 0) throw new Failure('not-whole', `'${this.text}' divides by 0`);
      if (!Number.isInteger(value / right)) throw new Failure('not-whole', `'${this.text}': ${value}/${right} is not whole`);
      value /= right;
    }
    return value;
  }

  private factor(): number {
    const t = this.tokens[this.at++];
    if (!t) throw new Failure('invalid-value', `'${this.text}' ends too early`);
    if (t.type === 'number') return t.value;
    if (t.type === 'name') {
      const value = this.bindings.get(t.name);
      if (value === undefined) throw new Failure('unknown-parameter', `Unknown parameter '${t.name}'`, t.name);
      return value;
    }
    if (t.type === 'op' && t.op === '(') {
      const value = this.sum();
      const close = this.tokens[this.at++];
      if (!close || close.type !== 'op' || close.op !== ')') throw new Failure('invalid-value', `Missing ')' in '${this.text}'`);
      return value;
    }
    if (t.type === 'op' && t.op === '-') return -this.factor();
    throw new Failure('invalid-value', `Cannot read '${this.text}' as arithmetic (+ - * / and parentheses over numbers and parameters)`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }
}
