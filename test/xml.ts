// A strict little reader of the SVG the graph code writes, for tests: it checks that the text is
// well-formed (tags balanced, '<' and '&' escaped) and lists the elements with their attributes.
import assert from 'node:assert/strict';

export interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  text: string;
}

/** The elements of an XML document, checked for balance: throws on a tag closed out of order or an unescaped '<' or '&'. */
export function xmlElements(xml: string): XmlElement[] {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const stack: { name: string; text: string }[] = [];
  const elements: XmlElement[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of body.matchAll(token)) {
    if (m[6]) throw new Error(`a '<' that starts no tag at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(m[5])) throw new Error(`an unescaped '&' in text: ${m[5]}`);
      if (stack.length) stack[stack.length - 1].text += m[5];
      continue;
    }
    const [, closing, name, attrs, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const attributes = new Map([...attrs.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    for (const value of attributes.values()) if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(value)) throw new Error(`an unescaped '&' in ${value}`);
    const element = { name, attributes, text: '' };
    elements.push(element);
    if (!selfClosing) stack.push(element);
  }
  assert.deepEqual(stack, [], 'every element is closed');
  return elements;
}

/** An element's classes. */
export const classes = (e: { attributes: Map<string, string> }): string[] => (e.attributes.get('class') ?? '').split(' ');
