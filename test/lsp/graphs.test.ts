/**
 * The built server on a version-2 file (blocks, repeat, from=, add) over a real LSP connection:
 * definition, references, rename (and its refusal), folding, hover on a use, inlay hints, the
 * outline, and the projection quick fix applied and re-checked.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits } from '../../server/src/language/textEdits';
import { LspClient } from './lspClient';

const TEXT = [
  'network res', //                                   0
  'input 32x32x16', //                                1
  'defaults act=none bias=false', //                  2
  '', //                                              3
  'block basic(width, stride=1)', //                  4
  '  conv1: conv width f=3 s=stride p=1', //          5
  '  bn1:   batchnorm act=relu', //                   6
  '  conv2: conv width f=3 p=1', //                   7
  '  bn2:   batchnorm', //                            8
  '  out:   add from=in,bn2 act=relu', //             9
  'end', //                                           10
  '', //                                              11
  'stage1: basic 16 repeat=2', //                     12
  'stage2: basic 32 stride=2', //                     13
  'side: conv 32 f=1 s=2 from=stage1.1.out', //       14
  'pool: globalavgpool from=stage2', //               15
  'fc: softmax 10 bias=true', //                      16
].join('\n');
const uri = 'untitled:graphs.cnn';

let client: LspClient;

before(async () => {
  client = new LspClient();
  const init = await client.initialize();
  for (const capability of ['definitionProvider', 'referencesProvider', 'renameProvider', 'foldingRangeProvider']) {
    assert.ok(init.capabilities[capability], capability);
  }
  assert.deepEqual(init.capabilities.renameProvider, { prepareProvider: true });
});

after(async () => {
  assert.equal(await client.stop(), 0, `server exits cleanly: ${client.stderr.join('')}`);
});

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
type Location = { uri: string; range: Range };
type Edit = { range: Range; newText: string };
const at = (line: number, character: number) => ({ textDocument: { uri }, position: { line, character } });
const starts = (ranges: { range: Range }[] | Range[]) => ranges.map((r) => ('range' in r ? r.range : r).start).map((p) => [p.line, p.character]);

test('the file opens with the stage2 shape mismatch as its only error', async () => {
  const published = await client.open(uri, TEXT);
  const errors = published.diagnostics.filter((d) => d.severity === 1);
  assert.deepEqual(errors.map((d) => [d.range.start.line, d.code]), [[9, 'shape-mismatch']]);
  assert.match(errors[0].message, /^In stage2: add needs equal shapes/);
});

test('go to definition: a name in from= inside a block, in, a full name, a block word', async () => {
  const def = (line: number, character: number) => client.request<Location[]>('textDocument/definition', at(line, character));
  assert.deepEqual(starts(await def(9, 22)), [[8, 2]]); // bn2 → its line in the block
  assert.deepEqual(starts(await def(9, 19)), [[4, 6]]); // in → the block header
  assert.deepEqual(starts(await def(14, 37)), [[9, 2]]); // stage1.1.out → out inside the definition
  assert.deepEqual(starts(await def(14, 28)), [[12, 0]]); // its stage1 part → the use
  assert.deepEqual(starts(await def(13, 9)), [[4, 6]]); // basic on a use line → block basic
  const [location] = await def(15, 27);
  assert.equal(location.uri, uri);
  assert.deepEqual(location.range.start, { line: 13, character: 0 });
});

test('references of a layer inside a block and of a block', async () => {
  const refs = (line: number, character: number, includeDeclaration = true) =>
    client.request<Location[]>('textDocument/references', { ...at(line, character), context: { includeDeclaration } });
  assert.deepEqual(starts(await refs(9, 3)), [[9, 2], [14, 36]]); // out: its label and stage1.1.out
  assert.deepEqual(starts(await refs(8, 3)), [[8, 2], [9, 21]]);
  assert.deepEqual(starts(await refs(4, 7)), [[4, 6], [12, 8], [13, 8]]);
  assert.deepEqual(starts(await refs(4, 7, false)), [[12, 8], [13, 8]]);
});

test('rename: prepareRename gives the name; a layer and a block rename everywhere; a collision is refused', async () => {
  const prepared = await client.request<{ range: Range; placeholder: string }>('textDocument/prepareRename', at(9, 23));
  assert.deepEqual(prepared, { range: { start: { line: 9, character: 21 }, end: { line: 9, character: 24 } }, placeholder: 'bn2' });
  assert.equal(await client.request('textDocument/prepareRename', at(9, 19)), null, '`in` cannot be renamed');

  const layer = await client.request<{ changes: Record<string, Edit[]> }>('textDocument/rename', { ...at(9, 3), newName: 'sum' });
  const renamed = applyEdits(TEXT, layer.changes[uri]).split('\n');
  assert.equal(renamed[9], '  sum:   add from=in,bn2 act=relu');
  assert.equal(renamed[14], 'side: conv 32 f=1 s=2 from=stage1.1.sum');

  const block = await client.request<{ changes: Record<string, Edit[]> }>('textDocument/rename', { ...at(13, 10), newName: 'residual' });
  const blockRenamed = applyEdits(TEXT, block.changes[uri]).split('\n');
  assert.deepEqual([blockRenamed[4], blockRenamed[12], blockRenamed[13]], ['block residual(width, stride=1)', 'stage1: residual 16 repeat=2', 'stage2: residual 32 stride=2']);

  await assert.rejects(client.request('textDocument/rename', { ...at(8, 3), newName: 'conv2' }), /already the name of line 8/);
  await assert.rejects(client.request('textDocument/rename', { ...at(4, 7), newName: 'conv' }), /layer kind/);
});

test('folding ranges: the block, from its block line to its end', async () => {
  const ranges = await client.request<{ startLine: number; endLine: number }[]>('textDocument/foldingRange', { textDocument: { uri } });
  assert.deepEqual(ranges.map((r) => [r.startLine, r.endLine]), [[4, 10]]);
});

test('hover on a use: the instance totals and its layers; inlay hints per instance; outline nesting', async () => {
  type Hover = { contents: { kind: string; value: string } };
  const hover = await client.request<Hover>('textDocument/hover', at(12, 2));
  const text = hover.contents.value;
  // Each copy: 2 × 3·3·16·16 + 2 × 2·16 = 4,672.
  assert.match(text, /^\*\*stage1\*\* · block `basic` × 2 \(repeat\)/);
  assert.match(text, /32×32×16 → \*\*32×32×16\*\*/);
  assert.match(text, /params: \*\*9,344\*\* \(4,672 per copy\)/);
  assert.match(text, /\| 1 \| block basic \| 32×32×16 \| 4,672 \|/);

  type Hint = { position: { line: number }; label: string };
  const hints = await client.request<Hint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 17, character: 0 } } });
  assert.deepEqual(hints.filter((h) => h.position.line === 12).map((h) => h.label), ['→ 32×32×16 · 9.34K params']);
  assert.equal(hints.filter((h) => h.position.line >= 4 && h.position.line <= 10).length, 0, 'basic is used three times');

  type Symbol = { name: string; kind: number; children?: Symbol[] };
  const [root] = await client.request<Symbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  const names = root.children!.map((s) => s.name);
  assert.deepEqual(names, ['input', 'basic', 'stage1', 'stage2', 'side', 'pool', 'fc']);
  assert.deepEqual(root.children![2].children!.map((s) => s.name), ['0', '1']);
  assert.deepEqual(root.children![2].children![0].children!.map((s) => s.name), ['conv1', 'bn1', 'conv2', 'bn2', 'out']);
});

test('the projection quick fix: applied through the server, the mismatch is gone', async () => {
  const published = client.latest.get(uri)!;
  const mismatch = published.diagnostics.find((d) => d.code === 'shape-mismatch')!;
  type Action = { title: string; isPreferred?: boolean; edit: { changes: Record<string, Edit[]> } };
  const actions = await client.request<Action[]>('textDocument/codeAction', { textDocument: { uri }, range: mismatch.range, context: { diagnostics: [mismatch] } });
  const fix = actions.find((a) => a.title.startsWith('Project in with a 1x1 conv to'));
  assert.ok(fix, `offered: ${actions.map((a) => a.title).join('; ')}`);
  assert.equal(fix.isPreferred, true);
  assert.match(fix.title, /16×16×32 in stage2/);
  const fixed = applyEdits(TEXT, fix.edit.changes[uri]);
  const lines = fixed.split('\n');
  assert.deepEqual(lines.slice(9, 12), ['  in_proj: conv width f=1 s=stride from=in', '  in_proj_bn: batchnorm', '  out:   add from=in_proj_bn,bn2 act=relu']);
  const after = await client.replace(uri, fixed, 2);
  assert.deepEqual(after.diagnostics.filter((d) => d.severity === 1), []);
});
