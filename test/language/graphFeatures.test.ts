/**
 * The editor features on version-2 files (blocks, from=, add, concat): hover, inlay hints,
 * outline, navigation (definition, references, rename, folding), completion and the quick fixes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeText, type Analysis } from '../../server/src/language/analyze';
import { quickFixes } from '../../server/src/language/codeActions';
import { completion } from '../../server/src/language/completion';
import { hover } from '../../server/src/language/hover';
import { inlayHints } from '../../server/src/language/inlayHints';
import { definition, foldingRanges, prepareRename, references, rename } from '../../server/src/language/navigation';
import { format } from '../../server/src/language/formatting';
import { documentSymbols } from '../../server/src/language/symbols';
import { applyEdits } from '../../server/src/language/textEdits';
import type { DocumentSymbol } from 'vscode-languageserver-types';

const DEMO = readFileSync(new URL('./fixtures/resnet-basic-demo.cnn', import.meta.url), 'utf8');
const demoLines = DEMO.split('\n');
/** 0-based line of the first line that contains `text`. */
const lineOf = (text: string, lines = demoLines) => lines.findIndex((l) => l.includes(text));

function hoverText(analysis: Analysis, line: number, character: number): string {
  const result = hover(analysis, { line, character });
  assert.ok(result, `no hover at ${line}:${character}`);
  return (result.contents as { value: string }).value;
}

test('hover on a use with repeat: the group totals, per copy, and its copies as a table', () => {
  const text = hoverText(analyzeText(DEMO), lineOf('layer1: basic'), 2);
  assert.match(text, /^\*\*layer1\*\* · block `basic` × 2 \(repeat\)/);
  assert.match(text, /56×56×64 → \*\*56×56×64\*\*/);
  // Each copy: 2 × 3·3·64·64 + 2 × 2·64 = 73,984.
  assert.match(text, /params: \*\*147,968\*\* \(73,984 per copy\)/);
  assert.match(text, /layers: 10 \(5 per copy\)/);
  assert.match(text, /MACs: 462,422,016 \(231,211,008 per copy\)/);
  assert.match(text, /\| 0 \| block basic \| 56×56×64 \| 73,984 \|/);
});

test('hover on a use: output, totals and its layers as a table (name, kind, output, params)', () => {
  const text = hoverText(analyzeText(DEMO), lineOf('layer2.0: down'), 2);
  assert.match(text, /^\*\*layer2\.0\*\* · block `down`\n\n56×56×64 → \*\*28×28×128\*\*/);
  assert.match(text, /params: \*\*230,144\*\*/);
  assert.match(text, /layers: 7\b/);
  assert.match(text, /\| layer \| kind \| output \| params \|/);
  assert.match(text, /\| conv1 \| conv 128 \| 28×28×128 \| 73,728 \|/);
  assert.match(text, /\| downsample\.0 \| conv 128 \| 28×28×128 \| 8,192 \|/);
  assert.match(text, /\| out \| add \| 28×28×128 \| 0 \|/);
});

test('hover inside a definition: the layer in every instance, then the first worked out', () => {
  const analysis = analyzeText(DEMO);
  const text = hoverText(analysis, lineOf('conv1: conv width f=3 s=stride'), 4);
  assert.match(text, /^\*\*conv1\*\* in block `basic` · 3 instances/);
  assert.match(text, /\| layer1\.0\.conv1 \| 56×56×64 → 56×56×64 \| 36,864 \|/);
  assert.match(text, /\| layer2\.1\.conv1 \| 28×28×128 → 28×28×128 \| 147,456 \|/);
  assert.match(text, /\*\*layer1\.0\.conv1\*\* · conv 64 filters/);
  // Used once (down): that instance's hover as a plain layer's.
  const once = hoverText(analysis, lineOf('downsample.0:'), 4);
  assert.match(once, /^\*\*layer2\.0\.downsample\.0\*\* · conv 128 filters, f=1, s=2, p=0/);
  assert.match(once, /128 × 64 = \*\*8,192\*\*/);
});

test('hover inside a definition caps long lists of instances', () => {
  const text = ['input 8x8x4', 'block unit', '  c: conv 4 f=1', 'end', 'u: unit repeat=12', 'softmax 2'].join('\n');
  const value = hoverText(analyzeText(text), 2, 3);
  assert.match(value, /12 instances/);
  assert.equal((value.match(/^\| u\.\d+\.c /gm) ?? []).length, 8);
  assert.match(value, /… 4 more/);
});

test('hover on add and concat: the operands and the result', () => {
  const analysis = analyzeText(DEMO);
  assert.match(hoverText(analysis, lineOf('out:   add from=bn2,downsample.1'), 3), /operands: `bn2` 28×28×128 \+ `downsample\.1` 28×28×128 = \*\*28×28×128\*\*/);
  const cat = analyzeText('input 8x8x4\na: conv 8 f=1\nb: conv 16 f=1 from=input\ncat: concat from=a,b\nsoftmax 2');
  assert.match(hoverText(cat, 3, 2), /operands: `a` 8×8×8 ‖ `b` 8×8×16 → 8×8×\(8 \+ 16\) = \*\*8×8×24\*\*/);
  // An add that cannot be computed still says what its operands are.
  const bad = analyzeText('input 8x8x4\na: conv 8 f=1\nb: conv 4 f=1 from=input\nsum: add from=a,b');
  assert.match(hoverText(bad, 3, 2), /operands: `a` 8×8×8, `b` 8×8×4/);
});

test('hover on a name in from= gives that output; in a block, in each instance', () => {
  const analysis = analyzeText(DEMO);
  const line = lineOf('out:   add from=in,bn2');
  const at = demoLines[line].indexOf('bn2');
  const value = hoverText(analysis, line, at + 1);
  assert.match(value, /^`bn2` · batchnorm, line 9/);
  assert.match(value, /\| layer2\.1 \| 28×28×128 \|/);
  const top = analyzeText('input 8x8x4\nstem: conv 8 f=1\nb: conv 4 f=1 from=stem\nsoftmax 2');
  const result = hover(top, { line: 2, character: 'b: conv 4 f=1 from=st'.length })!;
  assert.match((result.contents as { value: string }).value, /`stem` · conv, line 2\n\n→ \*\*8×8×8\*\*/);
  assert.deepEqual(result.range, { start: { line: 2, character: 19 }, end: { line: 2, character: 23 } });
});

test('hover on a block line: its parameters and instances with their arguments', () => {
  const value = hoverText(analyzeText(DEMO), lineOf('block basic'), 7);
  assert.match(value, /^\*\*block basic\*\*\(width, stride=1\) · 5 layers/);
  assert.match(value, /`width` \(required\), `stride` = 1/);
  assert.match(value, /\| layer2\.1 \| width=128 stride=1 \| 28×28×128 → 28×28×128 \| 295,424 \|/);
  const unused = analyzeText('input 8x8x4\nblock b(w)\n  conv w f=1\nend\nconv 4 f=1');
  assert.match(hoverText(unused, 1, 7), /never used/);
  assert.match(hoverText(unused, 2, 3), /never used, so its layers are not computed/);
});

test('hover on end: the block it closes and the layer it outputs, then the block\'s instances', () => {
  const end = demoLines.findIndex((l, i) => i > lineOf('block down') && l.trim() === 'end');
  const value = hoverText(analyzeText(DEMO), end, 1);
  assert.match(value, /^`end` closes block `down`; its last layer, `out`, is what the block outputs\./);
  assert.match(value, /\*\*block down\*\*\(width, stride=2\) · 7 layers/);
  assert.match(value, /\| layer2\.0 \| width=128 stride=2 \| 56×56×64 → 28×28×128 \| 230,144 \|/);
  assert.equal(hover(analyzeText('input 8x8x4\nconv 4 f=1\nend'), { line: 2, character: 1 }), null, 'an end that closes nothing has no hover');
});

test('inlay hints: per instance on use lines; inside a definition only when it is used once', () => {
  const analysis = analyzeText(DEMO);
  const hints = inlayHints(analysis);
  const at = (line: number) => hints.filter((h) => h.position.line === line).map((h) => h.label);
  assert.deepEqual(at(lineOf('layer1: basic')), ['→ 56×56×64 · 148K params']);
  assert.deepEqual(at(lineOf('layer2.0: down')), ['→ 28×28×128 · 230K params']);
  // basic is used three times: nothing on its lines; down once: its numbers.
  for (let line = lineOf('block basic'); line <= lineOf('out:   add from=in,bn2'); line++) assert.deepEqual(at(line), []);
  assert.deepEqual(at(lineOf('downsample.0:')), ['→ 28×28×128 · 8.19K params']);
  assert.deepEqual(inlayHints(analyzeText('input 8x8x4\nblock b(w)\n  conv w f=1\nend\nconv 4 f=1')).map((h) => h.position.line), [4]);
});

function names(symbols: DocumentSymbol[] | undefined): string[] {
  return (symbols ?? []).map((s) => s.name);
}

test('outline: definitions hold their body, instances hold their layers on the use line', () => {
  const [root] = documentSymbols(analyzeText(DEMO));
  assert.deepEqual(names(root.children), ['input', 'basic', 'down', 'layer1', 'layer2.0', 'layer2.1', 'pool', 'fc']);
  const basic = root.children![1];
  assert.equal(basic.kind, 5 /* Class */);
  assert.equal(basic.detail, 'block(width, stride=1) · 3 instances');
  assert.deepEqual(basic.range, { start: { line: 4, character: 0 }, end: { line: 10, character: 3 } });
  assert.deepEqual(names(basic.children), ['conv1', 'bn1', 'conv2', 'bn2', 'out']);
  const layer1 = root.children![3];
  assert.equal(layer1.detail, 'basic × 2 → 56×56×64, 147,968 params, 10 layers');
  assert.deepEqual(names(layer1.children), ['0', '1']);
  assert.deepEqual(names(layer1.children![1].children), ['conv1', 'bn1', 'conv2', 'bn2', 'out']);
  const useLine = lineOf('layer1: basic');
  for (const s of [layer1, ...layer1.children!, ...layer1.children![1].children!]) assert.equal(s.range.start.line, useLine);
  const down = root.children![4].children!;
  assert.equal(down.find((s) => s.name === 'downsample.0')!.detail, 'conv → 28×28×128, 8,192 params');
  // A layer is a field of the network, not a function; a merge is an operator.
  assert.equal(down[0].kind, 8 /* Field */);
  assert.equal(down[6].kind, 25 /* Operator */);
});

const NAV = [
  'input 8x8x4', //                           0
  'block unit', //                            1
  '  a: conv 4 f=1', //                       2
  '  b: conv 4 f=1 from=a', //                3
  '  out: add from=a,b,in', //                4
  'end', //                                   5
  'u: unit', //                               6
  'side: conv 4 f=1 from=u.a', //             7
  'unit', //                                  8
  'sum: add from=u,side,unit2', //            9
  'softmax 2', //                             10
].join('\n');

test('go to definition: a from= name to its line in the same scope, in to the block, a full name inside', () => {
  const analysis = analyzeText(NAV);
  assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
  const def = (line: number, character: number) => definition(analysis, { line, character }).map((r) => [r.start.line, r.start.character]);
  assert.deepEqual(def(3, 21), [[2, 2]]); // a, inside the block
  assert.deepEqual(def(4, 21), [[1, 6]]); // in → the block's header
  assert.deepEqual(def(7, 24), [[2, 2]]); // u.a → the line inside the definition
  assert.deepEqual(def(7, 22), [[6, 0]]); // the u of u.a → the use
  assert.deepEqual(def(9, 21), [[8, 0]]); // unit2: the unnamed use
  assert.deepEqual(def(8, 2), [[1, 6]]); // a block word → its block line
  assert.deepEqual(def(6, 4), [[1, 6]]);
  assert.deepEqual(definition(analyzeText('input 8x8x4\na: conv 4 f=1 from=input'), { line: 1, character: 20 }).map((r) => r.start.line), [0]);
});

test('references: the label and every mention in from=, full names included; blocks: header and uses', () => {
  const analysis = analyzeText(NAV);
  const refs = (line: number, character: number, declaration = true) => references(analysis, { line, character }, declaration).map((r) => [r.start.line, r.start.character]);
  assert.deepEqual(refs(2, 2), [[2, 2], [3, 21], [4, 16], [7, 24]]);
  assert.deepEqual(refs(3, 21, false), [[3, 21], [4, 16], [7, 24]]);
  assert.deepEqual(refs(1, 7), [[1, 6], [6, 3], [8, 0]]);
  assert.deepEqual(refs(9, 14), [[6, 0], [7, 22], [9, 14]]);
});

test('rename a layer: its label and every mention; an unnamed layer gets a label', () => {
  const analysis = analyzeText(NAV);
  const renamed = (line: number, character: number, name: string) => {
    const result = rename(analysis, { line, character }, name);
    assert.ok('edits' in result, JSON.stringify(result));
    return applyEdits(NAV, result.edits);
  };
  const a = renamed(3, 21, 'first').split('\n');
  assert.equal(a[2], '  first: conv 4 f=1');
  assert.equal(a[3], '  b: conv 4 f=1 from=first');
  assert.equal(a[4], '  out: add from=first,b,in');
  assert.equal(a[7], 'side: conv 4 f=1 from=u.first');
  const unnamed = renamed(9, 23, 'v').split('\n');
  assert.equal(unnamed[8], 'v: unit');
  assert.equal(unnamed[9], 'sum: add from=u,side,v');
  assert.deepEqual(prepareRename(analysis, { line: 9, character: 23 }), { range: { start: { line: 9, character: 21 }, end: { line: 9, character: 26 } }, placeholder: 'unit2' });
  assert.equal(prepareRename(analysis, { line: 4, character: 21 }), undefined, '`in` is not renamed');
});

test('rename a block: header, uses, and what reads an unnamed use by its block-made name', () => {
  const result = rename(analyzeText(NAV), { line: 8, character: 1 }, 'res');
  assert.ok('edits' in result);
  const lines = applyEdits(NAV, result.edits).split('\n');
  assert.deepEqual([lines[1], lines[6], lines[8], lines[9]], ['block res', 'u: res', 'res', 'sum: add from=u,side,res2']);
  assert.equal(analyzeText(lines.join('\n')).diagnostics.filter((d) => d.severity === 'error').length, 0);
});

test('rename refuses names that collide or are no names', () => {
  const analysis = analyzeText(NAV);
  const error = (line: number, character: number, name: string) => {
    const result = rename(analysis, { line, character }, name);
    assert.ok('error' in result, `${name}: ${JSON.stringify(result)}`);
    return result.error;
  };
  assert.match(error(2, 2, 'b'), /already the name of line 4/);
  assert.match(error(2, 2, 'in'), /input/);
  assert.match(error(6, 0, 'side'), /already the name of line 8/);
  assert.match(error(7, 1, 'u.a'), /full name 'u\.a' is already taken/);
  assert.match(error(2, 2, 'a b'), /not a layer name/);
  assert.match(error(1, 7, 'conv'), /layer kind/);
  assert.match(error(1, 7, 'input'), /statement/);
  // A name taken in another scope is free here: the block's `side` is its own.
  assert.ok('edits' in rename(analysis, { line: 2, character: 2 }, 'side'));
});

test('folding: a block from its block line to its end', () => {
  assert.deepEqual(foldingRanges(analyzeText(DEMO)).map((f) => [f.startLine, f.endLine]), [[4, 10], [12, 20]]);
  assert.deepEqual(foldingRanges(analyzeText('input 8x8x4\nblock b\n  conv 4 f=1\n  conv 4 f=1')).map((f) => [f.startLine, f.endLine]), [[1, 3]]);
});

test('completion after from= and after a comma in it: the names this line can read, in its scope', () => {
  const text = [
    'input 8x8x4', //                          0
    'stem: conv 8 f=1', //                     1
    'block unit(width, stride=1)', //          2
    '  a: conv width f=1', //                  3
    '  b: conv 4 f=1 from=', //                4
    '  ', //                                   5
    'end', //                                  6
    'u: unit 8 ', //                           7
    'x: conv 4 f=1 from=u,', //                8
    '', //                                     9
    'sum: add ', //                            10
    'v: unit 8 stride=2 f', //                 11
  ].join('\n');
  const analysis = analyzeText(text);
  const labels = (line: number, character: number) => completion(analysis, { line, character }).map((c) => c.label);
  const items = (line: number, character: number) => completion(analysis, { line, character });
  // Inside the block: its own names and `in`, never the network's.
  assert.deepEqual(labels(4, 21), ['a', 'in']);
  assert.equal(items(4, 21)[0].detail, 'conv → 8×8×8 (line 4)');
  // At top level, nearest first, `input` last; a name already listed is not offered again.
  assert.deepEqual(labels(8, 21), ['stem', 'input']);
  assert.deepEqual(labels(8, 19), ['u', 'stem', 'input']);
  // A kind position: kinds and the blocks defined above; in a body, defaults and end, no block.
  assert.ok(labels(9, 0).includes('unit') && labels(9, 0).includes('block') && labels(9, 0).includes('add'));
  const unit = items(9, 0).find((c) => c.label === 'unit')!;
  assert.equal(unit.detail, 'block unit(width, stride=1)');
  assert.equal(unit.insertText, 'unit ${1:width}');
  assert.equal(items(9, 0).find((c) => c.label === 'add')!.insertText, 'add from=${1:a},${2:b}');
  const body = labels(5, 2);
  assert.ok(body.includes('end') && body.includes('defaults') && body.includes('conv'));
  assert.ok(!body.includes('block') && !body.includes('unit') && !body.includes('train'), 'a block cannot use itself or hold a block');
  assert.ok(!labels(1, 0).includes('end') && !labels(1, 0).includes('unit'), 'above its definition a block is not offered');
  // A use line: the parameters not given yet, from and repeat.
  assert.deepEqual(labels(7, 10), ['stride', 'from', 'repeat']);
  assert.deepEqual(labels(11, 19), ['from', 'repeat']);
  // A merge: from first.
  assert.deepEqual(labels(10, 9), ['from', 'act']);
  const act = completion(analyzeText('input 8x8x4\nconv 4 f=1 act='), { line: 1, character: 15 }).map((c) => c.label);
  assert.ok(act.includes('relu6'));
});

function fixesFor(text: string, code: string) {
  const analysis = analyzeText(text);
  const diagnostic = analysis.diagnostics.find((d) => d.code === code);
  assert.ok(diagnostic, `no ${code} in ${JSON.stringify(analysis.diagnostics)}`);
  return quickFixes(analysis, diagnostic.range).filter((f) => f.diagnostic.code === code);
}

const errors = (text: string) => analyzeText(text).diagnostics.filter((d) => d.severity === 'error');

test('shape-mismatch: project an operand with a 1x1 conv above the add, titled with the result', () => {
  const text = 'input 8x8x4\na: conv 8 f=1\nb: conv 4 f=1 from=input\nsum: add from=a,b';
  const fixes = fixesFor(text, 'shape-mismatch');
  assert.deepEqual(fixes.map((f) => f.title), ['Project a with a 1x1 conv to 8×8×4', 'Project b with a 1x1 conv to 8×8×8']);
  const b = applyEdits(text, fixes[1].edits);
  // Linear (act=none), as ResNet's projection shortcut; no batchnorm where the file's convs have none.
  assert.equal(b, 'input 8x8x4\na: conv 8 f=1\nb: conv 4 f=1 from=input\nb_proj: conv 8 f=1 act=none from=b\nsum: add from=a,b_proj');
  for (const fix of fixes) assert.deepEqual(errors(applyEdits(text, fix.edits)), [], fix.title);
});

test('shape-mismatch: stride from the spatial ratio, batchnorm after where the convs have one', () => {
  const text = ['input 16x16x8', 'c1: conv 16 f=3 s=2 p=1 act=none bias=false', 'b1: batchnorm act=relu', 'sum: add from=input,b1', 'softmax 2'].join('\n');
  const fixes = fixesFor(text, 'shape-mismatch');
  // b1 (8×8) cannot be brought up to the input's 16×16: only the input is projected.
  assert.deepEqual(fixes.map((f) => f.title), ['Project input with a 1x1 conv to 8×8×16']);
  const lines = applyEdits(text, fixes[0].edits).split('\n');
  assert.deepEqual(lines.slice(3, 6), ['input_proj: conv 16 f=1 s=2 act=none bias=false from=input', 'input_proj_bn: batchnorm', 'sum: add from=input_proj_bn,b1']);
  assert.deepEqual(errors(lines.join('\n')), []);
});

test('shape-mismatch inside a block: count and stride written with its parameters, right in every instance', () => {
  const text = [
    'input 56x56x64',
    'defaults act=none bias=false',
    'block basic(width, stride=1)',
    '  conv1: conv width f=3 s=stride p=1',
    '  bn1:   batchnorm act=relu',
    '  conv2: conv width f=3 p=1',
    '  bn2:   batchnorm',
    '  out:   add from=in,bn2 act=relu',
    'end',
    'layer1: basic 64 repeat=2',
    'layer2: basic 128 stride=2',
    'layer3: basic 256 stride=2',
    'pool:  globalavgpool',
    'fc:    softmax 10 bias=true',
  ].join('\n');
  const fixes = fixesFor(text, 'shape-mismatch');
  assert.equal(fixes.length, 1, fixes.map((f) => f.title).join('; '));
  assert.equal(fixes[0].title, 'Project in with a 1x1 conv to 56×56×64 in layer1.0 (+1), 28×28×128 in layer2, 14×14×256 in layer3');
  const fixed = applyEdits(text, fixes[0].edits);
  const lines = fixed.split('\n');
  // The defaults already say act=none bias=false: not written again.
  assert.deepEqual(lines.slice(7, 10), ['  in_proj: conv width f=1 s=stride from=in', '  in_proj_bn: batchnorm', '  out:   add from=in_proj_bn,bn2 act=relu']);
  assert.deepEqual(errors(fixed), []);
  const network = analyzeText(fixed).network;
  assert.deepEqual(network.layers.find((l) => l.name === 'layer3.in_proj')!.output, [14, 14, 256]);
  assert.equal(network.layers.find((l) => l.name === 'layer2.in_proj')!.params, 64 * 128);
});

test('shape-mismatch inside a block: no fix unless it is right in every instance', () => {
  // Projecting c to the input's channels would need 4 in one instance and 16 in the other.
  const text = 'input 8x8x4\nblock unit\n  c: conv 8 f=1\n  out: add from=in,c\nend\na: unit\nb: conv 16 f=1\nu2: unit\nsoftmax 2';
  const fixes = fixesFor(text, 'shape-mismatch');
  assert.deepEqual(fixes.map((f) => f.title), ['Project in with a 1x1 conv to 8×8×8']);
  assert.deepEqual(errors(applyEdits(text, fixes[0].edits)), []);
  // Block used twice with one mistake: one diagnostic per instance, one set of fixes.
  const twice = 'input 8x8x4\nblock unit\n  c: conv 8 f=1\n  out: add from=in,c\nend\na: unit\nu2: unit\nsoftmax 2';
  const analysis = analyzeText(twice);
  const line3 = { start: { line: 3, character: 0 }, end: { line: 3, character: 30 } };
  assert.equal(quickFixes(analysis, line3).filter((f) => f.title.startsWith('Project in')).length, 1);
});

test('non-integer-output inside a block: only fixes right in every instance, never over a parameter', () => {
  // down is used once: f=3 → 4 makes layer2.0.conv1 whole; s=stride is a parameter, left alone.
  const demo = analyzeText(DEMO);
  const conv1 = demo.diagnostics.find((d) => d.code === 'non-integer-output' && d.range.start.line === lineOf('block down') + 1)!;
  const fixes = quickFixes(demo, conv1.range);
  assert.ok(fixes.length >= 1);
  for (const fix of fixes) {
    assert.ok(!fix.title.startsWith('Set s '), fix.title);
    const after = analyzeText(applyEdits(DEMO, fix.edits));
    assert.ok(Number.isInteger(after.network.layers.find((l) => l.name === 'layer2.0.conv1')!.raw![0]), fix.title);
  }
  assert.equal(fixes[0].title, 'Set f to 4 → layer2.0.conv1 output 28×28×128');
  // basic with stride 1 and 2: every kernel or pad that makes the stride-2 copies whole changes the
  // stride-1 copy's shape (and breaks its add): no fix at all.
  const text = [
    'input 56x56x64',
    'block basic(width, stride=1)',
    '  conv1: conv width f=3 s=stride p=1',
    '  sc: conv width f=1 s=stride from=in',
    '  out: add from=sc,conv1',
    'end',
    'layer1: basic 64',
    'layer2: basic 128 stride=2',
    'softmax 2',
  ].join('\n');
  const analysis = analyzeText(text);
  const bad = analysis.diagnostics.filter((d) => d.code === 'non-integer-output' && d.range.start.line === 2);
  assert.equal(bad.length, 1);
  assert.deepEqual(quickFixes(analysis, bad[0].range).map((f) => f.title), []);
  // Used once and written with literals, a block line is fixed as a top-level line is.
  const once = 'input 9x9x4\nblock unit\n  c: conv 4 f=2 s=2\nend\nu: unit\nsoftmax 2';
  const onceFixes = fixesFor(once, 'non-integer-output');
  assert.ok(onceFixes.length >= 1);
  for (const fix of onceFixes) {
    const c = analyzeText(applyEdits(once, fix.edits)).network.layers.find((l) => l.name === 'u.c')!;
    assert.ok(Number.isInteger(c.raw![0]) && Number.isInteger(c.raw![1]), fix.title);
    assert.match(fix.title, /→ u\.c output /);
  }
});

test('every feature answers on broken block files: lines dropped, duplicated, cut short', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let iteration = 0; iteration < 80; iteration++) {
    const lines = (iteration % 2 ? NAV : DEMO).split('\n');
    for (let m = 0; m < 1 + random(3); m++) {
      const i = random(lines.length);
      const op = random(4);
      if (op === 0) lines.splice(i, 1);
      else if (op === 1) lines.splice(random(lines.length), 0, lines[i]);
      else if (op === 2) lines[i] = lines[i].replace(/\d+/, String(random(200)));
      else lines[i] = lines[i].slice(0, random(lines[i].length + 1));
    }
    const text = lines.join('\n');
    const analysis = analyzeText(text);
    try {
      inlayHints(analysis);
      documentSymbols(analysis);
      foldingRanges(analysis);
      format(analysis);
      for (const d of analysis.diagnostics) quickFixes(analysis, d.range);
      lines.forEach((line, l) => {
        for (let c = 0; c <= line.length; c += 4) {
          const position = { line: l, character: c };
          hover(analysis, position);
          completion(analysis, position);
          definition(analysis, position);
          references(analysis, position);
          if (prepareRename(analysis, position)) rename(analysis, position, 'renamed');
        }
      });
    } catch (error) {
      assert.fail(`${(error as Error).stack}\n--- on ---\n${text}`);
    }
  }
});

test('completion offers nothing for a word typed in full that is its only match, so Enter starts a new line', async () => {
  const { completion } = await import('../../server/src/language/completion');
  const at = (text: string) => {
    const lines = text.split('\n');
    return completion(analyzeText(text), { line: lines.length - 1, character: lines[lines.length - 1].length });
  };
  assert.deepEqual(at('input 8x8x1\nconv 4 f=3 init=he'), []);
  assert.deepEqual(at('input 8x8x1\nbatchnorm'), []);
  assert.ok(at('input 8x8x1\nconv 4 f=3 init=h').some((i) => i.label === 'he'));
  // gaussian typed in full offers nothing either, though gaussian(0.01) is longer: Enter at the line end must not take it (completion.test.ts).
  assert.deepEqual(at('input 8x8x1\nconv 4 f=3 init=gaussian'), []);
});
