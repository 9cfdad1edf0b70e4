/**
 * A small reader of the protocol buffers text format, as Caffe writes its prototxt files:
 * `name: value` fields, `name { ... }` (or `name: { ... }`) messages, `# comments`, quoted strings,
 * numbers, enum words, and `[a, b]` lists. It knows no schema: every field is a list of values.
 */

export type ProtoValue = string | number | boolean | ProtoMessage;

export interface ProtoMessage {
  fields: Map<string, ProtoValue[]>;
  /** 1-based line where the message opens (its first field for the top level). */
  line: number;
}

export class ProtoTextError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
  }
}

interface Token {
  type: 'word' | 'string' | 'number' | 'punct';
  text: string;
  line: number;
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\n') throw new ProtoTextError('a string is not closed on its line', line);
        if (text[j] === '\\' && j + 1 < text.length) {
          const e = text[j + 1];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else value += text[j++];
      }
      if (j >= text.length) throw new ProtoTextError('a string is not closed', line);
      out.push({ type: 'string', text: value, line });
      i = j + 1;
    } else if ('{}:[],;<>'.includes(c)) {
      out.push({ type: 'punct', text: c, line });
      i++;
    } else {
      const match = /^[-+]?(?:\d[\w.+-]*|\.\d[\w.+-]*|inf\b|nan\b)|^[A-Za-z_][\w.]*/i.exec(text.slice(i, i + 200));
      if (!match) throw new ProtoTextError(`unexpected character '${c}'`, line);
      const word = match[0];
      out.push({ type: /^[-+]?(\d|\.\d)|^[-+]?(inf|nan)$/i.test(word) && !/^[A-Za-z_]/.test(word) ? 'number' : 'word', text: word, line });
      i += word.length;
    }
  }
  return out;
}

export function parseProtoText(text: string): ProtoMessage {
  const list = tokens(text);
  let at = 0;
  const peek = () => list[at];
  const lastLine = () => list[list.length - 1]?.line ?? 1;

  function scalar(): ProtoValue {
    const t = list[at++];
    if (!t) throw new ProtoTextError('a value is missing at the end of the file', lastLine());
    if (t.type === 'string') {
      // Adjacent strings join, as in C.
      let s = t.text;
      while (peek()?.type === 'string') s += list[at++].text;
      return s;
    }
    if (t.type === 'number') {
      const n = Number(t.text.replace(/[fF]$/, ''));
      if (Number.isNaN(n) && !/nan/i.test(t.text)) throw new ProtoTextError(`'${t.text}' is not a number`, t.line);
      return n;
    }
    if (t.type === 'word') return t.text === 'true' ? true : t.text === 'false' ? false : t.text;
    throw new ProtoTextError(`expected a value, found '${t.text}'`, t.line);
  }

  function message(close: string | undefined, line: number): ProtoMessage {
    const fields = new Map<string, ProtoValue[]>();
    const put = (name: string, value: ProtoValue) => fields.set(name, [...(fields.get(name) ?? []), value]);
    for (;;) {
      const t = peek();
      if (!t) {
        if (close) throw new ProtoTextError(`a message opened here is not closed with '${close}'`, line);
        return { fields, line };
      }
      if (t.type === 'punct' && (t.text === '}' || t.text === '>')) {
        if (!close) throw new ProtoTextError(`'${t.text}' with no message open`, t.line);
        at++;
        return { fields, line };
      }
      if (t.type === 'punct' && (t.text === ',' || t.text === ';')) {
        at++;
        continue;
      }
      if (t.type !== 'word') throw new ProtoTextError(`expected a field name, found '${t.text}'`, t.line);
      at++;
      const name = t.text;
      let next = peek();
      const colon = next?.type === 'punct' && next.text === ':';
      if (colon) {
        at++;
        next = peek();
      }
      if (next?.type === 'punct' && (next.text === '{' || next.text === '<')) {
        at++;
        put(name, message(next.text === '{' ? '}' : '>', next.line));
      } else if (colon && next?.type === 'punct' && next.text === '[') {
        at++;
        while (peek() && !(peek().type === 'punct' && peek().text === ']')) {
          if (peek().type === 'punct' && peek().text === ',') at++;
          else if (peek().type === 'punct' && peek().text === '{') {
            const open = list[at++];
            put(name, message('}', open.line));
          } else put(name, scalar());
        }
        if (!peek()) throw new ProtoTextError(`a list opened for '${name}' is not closed with ']'`, t.line);
        at++;
      } else if (colon) put(name, scalar());
      else throw new ProtoTextError(`expected ':' or '{' after '${name}'`, t.line);
    }
  }

  return message(undefined, 1);
}

/** The field's values, each of one type, or none. */
export function all(message: ProtoMessage, name: string): ProtoValue[] {
  return message.fields.get(name) ?? [];
}

export function first(message: ProtoMessage, name: string): ProtoValue | undefined {
  return message.fields.get(name)?.[0];
}

export function messages(message: ProtoMessage, name: string): ProtoMessage[] {
  return all(message, name).filter((v): v is ProtoMessage => typeof v === 'object');
}
