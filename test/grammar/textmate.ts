// Loads syntaxes/cnn.tmLanguage.json into the engine VS Code itself uses (vscode-textmate on the
// oniguruma wasm), so the tests see the scopes a user's theme will see.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

export const root = join(import.meta.dirname, '..', '..');

export interface Token {
  text: string;
  line: number;
  startIndex: number;
  scopes: string[];
}

let grammarPromise: Promise<textmate.IGrammar> | undefined;

export function loadGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
        createOnigString: (text: string) => new oniguruma.OnigString(text),
      }),
      loadGrammar: async (scopeName: string) => {
        if (scopeName !== 'source.cnn') return null;
        const path = join(root, 'syntaxes', 'cnn.tmLanguage.json');
        return textmate.parseRawGrammar(readFileSync(path, 'utf8'), path);
      },
    });
    const grammar = await registry.loadGrammar('source.cnn');
    if (!grammar) throw new Error('source.cnn did not load');
    return grammar;
  })();
  return grammarPromise;
}

/** Tokenizes a whole document line by line, carrying the rule stack as VS Code does. */
export async function tokenize(text: string): Promise<Token[]> {
  const grammar = await loadGrammar();
  const tokens: Token[] = [];
  let stack = textmate.INITIAL;
  text.split(/\r?\n/).forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, stack);
    for (const t of result.tokens) {
      tokens.push({ text: lineText.slice(t.startIndex, t.endIndex), line, startIndex: t.startIndex, scopes: t.scopes });
    }
    stack = result.ruleStack;
  });
  return tokens;
}

/** The coursework network from the last section of the language spec, verbatim. */
export const courseworkFixture = `network alexnet-coursework
input 227x227x3

conv1: conv 48  f=11 s=4 p=0
pool1: maxpool  f=3  s=2
conv2: conv 128 f=6  s=1 p=2
pool2: maxpool  f=4  s=2
conv3: conv 192 f=5  s=1 p=2
conv4: conv 192 f=4  s=1 p=1
conv5: conv 128 f=3  s=1 p=1
pool3: maxpool  f=4  s=3        # (11 - 4)/3 + 1 = 3.33: warning, floored to 3
fc1:   fc 1600
fc2:   fc 1600
out:   softmax 1000

train dataset=shapes epochs=2 batch=32 lr=0.01 momentum=0.9
`;
