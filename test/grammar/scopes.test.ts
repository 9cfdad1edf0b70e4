// Specific tokens get the scopes themes colour: if a rule is reordered or a regex loosened, the
// token that falls to the wrong rule shows up here by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { courseworkFixture, root, tokenize, type Token } from './textmate';

/** The innermost scope of the token(s) covering `text` on the given 0-based line (first match). */
async function scopesOf(source: string, line: number, text: string, nth = 0): Promise<string[]> {
  const tokens = await tokenize(source);
  const lineTokens = tokens.filter((t) => t.line === line);
  const lineText = lineTokens.map((t) => t.text).join('');
  let at = -1;
  for (let i = 0; i <= nth; i++) at = lineText.indexOf(text, at + 1);
  assert.ok(at >= 0, `"${text}" not on line ${line}: ${lineText}`);
  const covering = lineTokens.filter((t) => t.startIndex < at + text.length && t.startIndex + t.text.length > at);
  const first = covering[0] as Token;
  assert.ok(
    first.startIndex === at && covering.reduce((n, t) => n + t.text.length, 0) === text.length,
    `"${text}" is not whole tokens: ${JSON.stringify(covering.map((t) => t.text))}`,
  );
  return first.scopes;
}

function has(scopes: string[], scope: string): void {
  assert.ok(scopes.includes(scope), `expected ${scope} in ${JSON.stringify(scopes)}`);
}

test('statement keywords are keywords', async () => {
  has(await scopesOf(courseworkFixture, 0, 'network'), 'keyword.other.network.cnn');
  has(await scopesOf(courseworkFixture, 1, 'input'), 'keyword.other.input.cnn');
  has(await scopesOf(courseworkFixture, 15, 'train'), 'keyword.other.train.cnn');
  has(await scopesOf('defaults act=prelu init=xavier\n', 0, 'defaults'), 'keyword.other.defaults.cnn');
});

test('the network name is one name, dashes included', async () => {
  has(await scopesOf(courseworkFixture, 0, 'alexnet-coursework'), 'entity.name.namespace.network.cnn');
});

test('comments run to the end of the line, after code too', async () => {
  const scopes = await scopesOf(courseworkFixture, 10, '# (11 - 4)/3 + 1 = 3.33: warning, floored to 3');
  has(scopes, 'comment.line.number-sign.cnn');
  has(await scopesOf('# conv 48 f=3\n', 0, ' conv 48 f=3'), 'comment.line.number-sign.cnn');
});

test('layer labels and kinds', async () => {
  has(await scopesOf(courseworkFixture, 3, 'conv1'), 'entity.name.function.layer.cnn');
  has(await scopesOf(courseworkFixture, 3, ':'), 'punctuation.separator.label.cnn');
  has(await scopesOf(courseworkFixture, 3, 'conv', 1), 'support.type.layer.cnn');
  has(await scopesOf(courseworkFixture, 13, 'softmax'), 'support.type.layer.cnn');
  for (const kind of ['conv', 'maxpool', 'avgpool', 'globalavgpool', 'fc', 'dense', 'softmax', 'dropout', 'lrn', 'batchnorm', 'add', 'concat']) {
    has(await scopesOf(`${kind} 10\n`, 0, kind), 'support.type.layer.cnn');
  }
});

test('a label with dots and dashes stays one label', async () => {
  has(await scopesOf('block-1.conv_a: conv 64 f=3\n', 0, 'block-1.conv_a'), 'entity.name.function.layer.cnn');
});

test('a label before an unknown kind is still a label', async () => {
  has(await scopesOf('conv1: convv 48\n', 0, 'conv1'), 'entity.name.function.layer.cnn');
});

test('keys, short and long, and the = sign', async () => {
  has(await scopesOf(courseworkFixture, 3, 'f'), 'variable.parameter.key.cnn');
  has(await scopesOf(courseworkFixture, 3, 's'), 'variable.parameter.key.cnn');
  has(await scopesOf(courseworkFixture, 3, 'p'), 'variable.parameter.key.cnn');
  has(await scopesOf(courseworkFixture, 3, '='), 'keyword.operator.assignment.cnn');
  const line = 'conv 96 kernel=11 stride=4 pad=0 groups=2 act=relu init=he bias=true round=ceil\n';
  for (const key of ['kernel', 'stride', 'pad', 'groups', 'act', 'init', 'bias', 'round']) {
    has(await scopesOf(line, 0, key), 'variable.parameter.key.cnn');
  }
  has(await scopesOf('dropout rate=0.5\n', 0, 'rate'), 'variable.parameter.key.cnn');
  has(await scopesOf('lrn size=5\n', 0, 'size'), 'variable.parameter.key.cnn');
  const train = 'train dataset=mnist epochs=2 batch=32 lr=0.01 momentum=0.9 weight_decay=5e-4 optimizer=sgd seed=7\n';
  for (const key of ['dataset', 'epochs', 'batch', 'lr', 'momentum', 'weight_decay', 'optimizer', 'seed']) {
    has(await scopesOf(train, 0, key), 'variable.parameter.key.cnn');
  }
});

test('an unknown key is a key, not a known one', async () => {
  const scopes = await scopesOf('conv 48 kernal=3\n', 0, 'kernal');
  has(scopes, 'variable.other.key.cnn');
  assert.ok(!scopes.includes('variable.parameter.key.cnn'));
});

test('numbers: counts, integers, decimals, exponents', async () => {
  has(await scopesOf(courseworkFixture, 3, '48'), 'constant.numeric.decimal.cnn');
  has(await scopesOf(courseworkFixture, 3, '11'), 'constant.numeric.decimal.cnn');
  has(await scopesOf(courseworkFixture, 15, '0.01'), 'constant.numeric.decimal.cnn');
  has(await scopesOf('train weight_decay=5e-4\n', 0, '5e-4'), 'constant.numeric.decimal.cnn');
});

test('sizes, with x, ×, and spaces, are one size', async () => {
  for (const [source, text] of [
    ['input 227x227x3\n', '227x227x3'],
    ['input 227 × 227 × 3\n', '227 × 227 × 3'],
    ['input 227 x 227 x 3\n', '227 x 227 x 3'],
    ['conv 48 kernel=3x5\n', '3x5'],
  ] as const) {
    const tokens = (await tokenize(source)).filter((t) => source.indexOf(text) <= t.startIndex && t.startIndex < source.indexOf(text) + text.length);
    assert.equal(tokens.map((t) => t.text).join(''), text);
    for (const t of tokens) has(t.scopes, 'constant.numeric.size.cnn');
  }
  has(await scopesOf('input 227x227x3\n', 0, 'x'), 'punctuation.separator.dimension.cnn');
});

test('enum values, prelu-shared whole', async () => {
  for (const value of ['relu', 'relu6', 'prelu', 'prelu-shared', 'leakyrelu', 'tanh', 'sigmoid', 'none']) {
    has(await scopesOf(`conv 48 f=3 act=${value}\n`, 0, value), 'constant.language.cnn');
  }
  for (const value of ['he', 'xavier', 'gaussian']) has(await scopesOf(`fc 10 init=${value}\n`, 0, value), 'constant.language.cnn');
  for (const value of ['floor', 'ceil']) has(await scopesOf(`maxpool f=3 round=${value}\n`, 0, value), 'constant.language.cnn');
  for (const value of ['true', 'false']) has(await scopesOf(`fc 10 bias=${value}\n`, 0, value), 'constant.language.boolean.cnn');
  for (const value of ['sgd', 'adam']) has(await scopesOf(`train optimizer=${value}\n`, 0, value), 'constant.language.cnn');
  for (const value of ['shapes', 'mnist']) has(await scopesOf(`train dataset=${value}\n`, 0, value), 'constant.language.cnn');
});

test('a value that only starts like an enum is not one', async () => {
  const scopes = await scopesOf('conv 48 act=relux\n', 0, 'relux');
  assert.ok(!scopes.includes('constant.language.cnn'), JSON.stringify(scopes));
});

test('gaussian(std) and folder(path) are calls', async () => {
  const init = 'conv 48 f=3 init=gaussian(0.01)\n';
  has(await scopesOf(init, 0, 'gaussian'), 'support.function.init.cnn');
  has(await scopesOf(init, 0, '('), 'punctuation.section.parens.begin.cnn');
  has(await scopesOf(init, 0, '0.01'), 'constant.numeric.decimal.cnn');
  has(await scopesOf(init, 0, ')'), 'punctuation.section.parens.end.cnn');
  const data = 'train dataset=folder(data/my-images.v2) epochs=1 # local\n';
  has(await scopesOf(data, 0, 'folder'), 'support.function.dataset.cnn');
  has(await scopesOf(data, 0, 'data/my-images.v2'), 'string.unquoted.path.cnn');
  has(await scopesOf(data, 0, 'epochs'), 'variable.parameter.key.cnn');
  has(await scopesOf(data, 0, '# local'), 'comment.line.number-sign.cnn');
});

test('a keyword inside a name or after a label is not a keyword', async () => {
  const scopes = await scopesOf('network input-net\n', 0, 'input-net');
  assert.ok(!scopes.some((s) => s.startsWith('keyword.')), JSON.stringify(scopes));
  has(await scopesOf('train: conv 8 f=3\n', 0, 'train'), 'entity.name.function.layer.cnn');
});

// ---- version 2: from, merges, blocks ----

const BLOCK = `block basic(width, stride=1, act=relu6)
  defaults act=act
  conv1: conv width*4 f=1xk s=stride-1 p=(k-1)/2
  bn1: batchnorm act=relu
  out: add from=in,bn1 act=relu
  inner: other width stride=2
end
layer1: basic 64 repeat=2 stride=2 from=input
`;

test('a block header: keyword, name, parameters with defaults', async () => {
  has(await scopesOf(BLOCK, 0, 'block'), 'keyword.other.block.cnn');
  has(await scopesOf(BLOCK, 0, 'basic'), 'entity.name.type.block.cnn');
  has(await scopesOf(BLOCK, 0, '('), 'punctuation.section.parens.begin.cnn');
  has(await scopesOf(BLOCK, 0, 'width'), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 0, ','), 'punctuation.separator.comma.cnn');
  has(await scopesOf(BLOCK, 0, 'stride'), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 0, '='), 'keyword.operator.assignment.cnn');
  has(await scopesOf(BLOCK, 0, '1'), 'constant.numeric.decimal.cnn');
  has(await scopesOf(BLOCK, 0, 'act'), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 0, 'relu6'), 'constant.language.cnn');
  has(await scopesOf(BLOCK, 0, ')'), 'punctuation.section.parens.end.cnn');
  has(await scopesOf('block stem\nconv 8 f=3\nend\n', 0, 'stem'), 'entity.name.type.block.cnn');
});

test('end closes a block, and is the keyword even where no block is open', async () => {
  has(await scopesOf(BLOCK, 6, 'end'), 'keyword.other.end.cnn');
  has(await scopesOf('end\n', 0, 'end'), 'keyword.other.end.cnn');
  // After end, words are the network's again: an unknown value is not a parameter.
  const after = await scopesOf(`${BLOCK}conv 8 f=3 act=width\n`, 8, 'width');
  has(after, 'variable.other.cnn');
  // A label may be spelt like a keyword.
  has(await scopesOf('end: conv 8 f=3\n', 0, 'end'), 'entity.name.function.layer.cnn');
  has(await scopesOf('block: conv 8 f=3\n', 0, 'block'), 'entity.name.function.layer.cnn');
});

test('inside a block, bare words in values are its parameters, with arithmetic', async () => {
  has(await scopesOf(BLOCK, 1, 'act', 1), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 2, 'width'), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 2, '*'), 'keyword.operator.arithmetic.cnn');
  has(await scopesOf(BLOCK, 2, '4'), 'constant.numeric.decimal.cnn');
  has(await scopesOf(BLOCK, 2, '1', 1), 'constant.numeric.decimal.cnn');
  has(await scopesOf(BLOCK, 2, 'x'), 'punctuation.separator.dimension.cnn');
  has(await scopesOf(BLOCK, 2, 'k'), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 2, 'stride'), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 2, '-'), 'keyword.operator.arithmetic.cnn');
  has(await scopesOf(BLOCK, 2, '1', 2), 'constant.numeric.decimal.cnn');
  has(await scopesOf(BLOCK, 2, '('), 'punctuation.section.parens.begin.cnn');
  has(await scopesOf(BLOCK, 2, 'k', 1), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 2, ')'), 'punctuation.section.parens.end.cnn');
  has(await scopesOf(BLOCK, 2, '/'), 'keyword.operator.arithmetic.cnn');
  has(await scopesOf(BLOCK, 2, 'conv', 1), 'support.type.layer.cnn');
  has(await scopesOf(BLOCK, 2, 'f'), 'variable.parameter.key.cnn');
  // A known value stays a value.
  has(await scopesOf(BLOCK, 3, 'relu'), 'constant.language.cnn');
});

test('arithmetic outside blocks too', async () => {
  has(await scopesOf('conv 64*2 f=3\n', 0, '*'), 'keyword.operator.arithmetic.cnn');
  has(await scopesOf('conv 64*2 f=3\n', 0, '2'), 'constant.numeric.decimal.cnn');
  has(await scopesOf('conv 64+1 f=3\n', 0, '+'), 'keyword.operator.arithmetic.cnn');
  has(await scopesOf('conv 64-1 f=3\n', 0, '1'), 'constant.numeric.decimal.cnn');
});

test('from= takes comma-separated names; in and input are the inputs', async () => {
  has(await scopesOf(BLOCK, 4, 'add'), 'support.type.layer.cnn');
  has(await scopesOf(BLOCK, 4, 'from'), 'variable.parameter.key.cnn');
  has(await scopesOf(BLOCK, 4, 'in'), 'variable.language.input.cnn');
  has(await scopesOf(BLOCK, 4, ','), 'punctuation.separator.comma.cnn');
  has(await scopesOf(BLOCK, 4, 'bn1'), 'variable.other.layer.cnn');
  has(await scopesOf(BLOCK, 7, 'input'), 'variable.language.input.cnn');
  const merge = 'cat: concat from=layer1.0.out, downsample.1 ,stem act=relu\n';
  has(await scopesOf(merge, 0, 'concat'), 'support.type.layer.cnn');
  has(await scopesOf(merge, 0, 'layer1.0.out'), 'variable.other.layer.cnn');
  has(await scopesOf(merge, 0, 'downsample.1'), 'variable.other.layer.cnn');
  has(await scopesOf(merge, 0, 'stem'), 'variable.other.layer.cnn');
  has(await scopesOf(merge, 0, 'act'), 'variable.parameter.key.cnn');
  has(await scopesOf('a: conv 8 f=1 from=stem\n', 0, 'stem'), 'variable.other.layer.cnn');
});

test('a block use: the block name where a kind goes, its arguments, repeat and from', async () => {
  has(await scopesOf(BLOCK, 7, 'layer1'), 'entity.name.function.layer.cnn');
  has(await scopesOf(BLOCK, 7, 'basic'), 'entity.name.type.block.cnn');
  has(await scopesOf(BLOCK, 7, '64'), 'constant.numeric.decimal.cnn');
  has(await scopesOf(BLOCK, 7, 'repeat'), 'variable.parameter.key.cnn');
  has(await scopesOf(BLOCK, 7, 'stride'), 'variable.parameter.block.cnn');
  has(await scopesOf(BLOCK, 7, 'from'), 'variable.parameter.key.cnn');
  has(await scopesOf('basic 64\n', 0, 'basic'), 'entity.name.type.block.cnn');
  has(await scopesOf('downsample.0: basic 64 kernel=7\n', 0, 'downsample.0'), 'entity.name.function.layer.cnn');
  has(await scopesOf('downsample.0: basic 64 kernel=7\n', 0, 'kernel'), 'variable.parameter.block.cnn');
  // Inside a definition, a use's values may be the outer block's parameters.
  has(await scopesOf(BLOCK, 5, 'other'), 'entity.name.type.block.cnn');
  has(await scopesOf(BLOCK, 5, 'width'), 'variable.parameter.block.cnn');
  // A kind word is never a block use, and a label alone is a label.
  has(await scopesOf('conv: conv 64 f=1\n', 0, 'conv', 1), 'support.type.layer.cnn');
  has(await scopesOf('pool: avgpool f=2\n', 0, 'pool'), 'entity.name.function.layer.cnn');
  has(await scopesOf('stem:\n', 0, 'stem'), 'entity.name.function.layer.cnn');
});

test('the spec example tokenizes with no unscoped text and no catch-all words', async () => {
  const text = readFileSync(join(root, 'test', 'language', 'fixtures', 'resnet-basic-demo.cnn'), 'utf8');
  const bad = (await tokenize(text)).filter((t) => t.text.trim() !== '' && (t.scopes.length === 1 || t.scopes.some((s) => s === 'variable.other.cnn' || s === 'variable.other.key.cnn')));
  assert.deepEqual(bad.map((t) => `${t.line + 1}: ${t.text}`), []);
});
