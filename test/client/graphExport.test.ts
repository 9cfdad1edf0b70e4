// The graph view's SVG, as drawn in the page and as "Save as SVG" writes it: well-formed XML with
// one element per node, edge and group of the laid-out ResNet-18, the shapes and parameters on them,
// the theme's colours written in (no VS Code variable left in a saved file), and names escaped.
// Also the page's Content-Security-Policy and the check on what the page may ask the host to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { graphModel } from '../../media/src/graphModel';
import { layoutGraph, type GraphLayout } from '../../media/src/graphLayout';
import { THEME_COLOURS, exportSvg, graphCss, renderGraphSvg, resolvedPalette, themePalette } from '../../media/src/graphSvg';
import { parseGraphMessage } from '../../media/src/graphProtocol';
import { graphHtml } from '../../client/src/graphHtml';
import { classes, xmlElements } from '../xml';

const root = join(import.meta.dirname, '..', '..');
const resnet18 = analyzeText(readFileSync(join(root, 'examples', 'resnet18.cnn'), 'utf8')).network;
let cached: GraphLayout | undefined;
async function layout(): Promise<GraphLayout> {
  cached ??= await layoutGraph(graphModel(resnet18));
  return cached;
}

test('the exported SVG is well-formed, with one element per node, edge and group, and their numbers', async () => {
  const l = await layout();
  const svg = exportSvg(l, 'Graph of resnet18.cnn', resolvedPalette(() => ''));
  const elements = xmlElements(svg);
  assert.equal(elements[0].name, 'svg');
  assert.equal(elements[0].attributes.get('xmlns'), 'http://www.w3.org/2000/svg');
  assert.equal(elements[0].attributes.get('viewBox'), `0 0 ${l.width} ${l.height}`);
  const nodes = elements.filter((e) => e.name === 'g' && classes(e).includes('node'));
  assert.deepEqual(nodes.map((n) => n.attributes.get('data-id')), ['input', ...resnet18.layers.map((x) => x.name)]);
  assert.equal(elements.filter((e) => e.name === 'g' && classes(e).includes('edge')).length, 59);
  assert.equal(elements.filter((e) => e.name === 'g' && classes(e).includes('group')).length, 9);
  // conv1: 64 x 3 x 7 x 7 = 9,408 parameters, 112x112x64 out, on line 32; the edge into fc carries 1x1x512.
  const conv1 = nodes.find((n) => n.attributes.get('data-id') === 'conv1')!;
  assert.equal(conv1.attributes.get('data-line'), String(resnet18.layers[0].line));
  assert.ok(classes(conv1).includes('warning'));
  assert.match(conv1.attributes.get('aria-label')!, /^conv1: conv 64 · 7×7\/2, output 112×112×64 · 9\.41K params, line 32/);
  const texts = elements.filter((e) => e.name === 'text').map((e) => e.text);
  assert.ok(texts.includes('112×112×64 · 9.41K params'));
  assert.ok(texts.includes('1×1×512'));
  assert.ok(texts.some((t) => t.includes('layer2.0: down · 230K params')));
});

test('a saved SVG carries the theme colours it was drawn with, and no VS Code variable', async () => {
  const l = await layout();
  const colours: Record<string, string> = { '--vscode-editorError-foreground': '#f14c4c', '--vscode-editor-background': '#1e1e1e', '--vscode-editorWarning-foreground': '#cca700' };
  const svg = exportSvg(l, 'g', resolvedPalette((v) => colours[v] ?? ''));
  const style = /<style><!\[CDATA\[([\s\S]*?)\]\]><\/style>/.exec(svg)?.[1];
  assert.ok(style, 'the file has its own stylesheet');
  assert.doesNotMatch(style, /var\(/);
  assert.match(style, /\.node\.error rect \{ stroke: #f14c4c;/);
  assert.match(style, /\.node\.warning rect \{ stroke: #cca700;/);
  assert.match(style, /\.background \{ fill: #1e1e1e; \}/);
  // Unset variables fall back to colours, never to an empty value.
  assert.doesNotMatch(style, /:\s*;/);
});

test('in the page the picture follows the theme: every colour is a VS Code variable, and no stylesheet is inline', async () => {
  const css = graphCss(themePalette());
  for (const variable of Object.values(THEME_COLOURS)) assert.ok(css.includes(`var(${variable},`), `${variable} is used`);
  assert.match(css, /\.node\.error rect \{ stroke: var\(--vscode-editorError-foreground, #e51400\);/);
  assert.doesNotMatch(renderGraphSvg(await layout(), { title: 't' }), /<style/);
});

test('names and messages are escaped', async () => {
  const network = analyzeText('network t\ninput 8x8x3\na: conv 4 f=3 p=1\nb: conv 5 f=3 p=1 from=input\nc: add from=a,b\n').network;
  const l = await layoutGraph(graphModel(network));
  const svg = renderGraphSvg(l, { title: 'a <b> & "c"' });
  xmlElements(svg);
  assert.match(svg, /aria-label="a &lt;b&gt; &amp; &quot;c&quot;"/);
  // The add's message quotes its operands: 'a' and 'b' become &apos;.
  assert.match(svg, /add needs equal shapes, but &apos;b&apos; is 8×8×5 and &apos;a&apos; is 8×8×4|&apos;a&apos; is 8×8×4 and &apos;b&apos; is 8×8×5/);
});

test('the page: scripts only with its nonce, images also from data: (the PNG export), nothing inline', () => {
  const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
  const html = graphHtml({ cspSource, scriptUri: `${cspSource}/graph.js`, pageStyleUri: `${cspSource}/page.css`, graphStyleUri: `${cspSource}/graph.css`, title: '<x>.cnn', nonce: 'n0nce' });
  const csp = /content="([^"]*)">/.exec(html)![1].replace(/&#39;/g, "'");
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-n0nce'(;|$)/);
  assert.match(csp, new RegExp(`img-src ${cspSource.replace(/[.+]/g, '\\$&')} data:(;|$)`));
  assert.match(csp, new RegExp(`style-src ${cspSource.replace(/[.+]/g, '\\$&')}(;|$)`));
  assert.doesNotMatch(html, /\son[a-z]+=/);
  assert.doesNotMatch(html, /<style/);
  assert.equal(html.match(/<script/g)!.length, 1);
  assert.match(html, /<h1 id="title">&#60;x&#62;\.cnn<\/h1>/);
});

test('the host acts only on well-formed messages from the page', () => {
  assert.deepEqual(parseGraphMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseGraphMessage({ type: 'reveal', line: 3 }), { type: 'reveal', line: 3 });
  assert.equal(parseGraphMessage({ type: 'reveal', line: 0 }), undefined);
  assert.equal(parseGraphMessage({ type: 'reveal', line: 1.5 }), undefined);
  assert.equal(parseGraphMessage({ type: 'reveal', line: 3, extra: 1 }), undefined);
  assert.deepEqual(parseGraphMessage({ type: 'saveSvg', svg: '<?xml version="1.0"?>\n<svg xmlns="x"></svg>' })?.type, 'saveSvg');
  assert.equal(parseGraphMessage({ type: 'saveSvg', svg: '<html></html>' }), undefined);
  assert.deepEqual(parseGraphMessage({ type: 'savePng', png: 'iVBORw0KGgo=' }), { type: 'savePng', png: 'iVBORw0KGgo=' });
  assert.equal(parseGraphMessage({ type: 'savePng', png: 'not base64!' }), undefined);
  assert.equal(parseGraphMessage({ type: 'saveCsv' }), undefined);
  assert.equal(parseGraphMessage(null), undefined);
  assert.equal(parseGraphMessage([]), undefined);
});
