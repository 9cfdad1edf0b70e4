// The training view's page under the same strict Content-Security-Policy as the layer table: only
// the nonce's script runs, styles come only from the webview's origin, no inline code anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainHtml } from '../../client/src/training/trainHtml';
import { layerTableHtml } from '../../client/src/layerTableHtml';
import { layerTableMarkup } from '../../client/src/layerTableMarkup';

const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
const resources = {
  cspSource,
  scriptUri: `${cspSource}/ext/dist/media/train.js`,
  styleUri: `${cspSource}/ext/media/train.css`,
  pageStyleUri: `${cspSource}/ext/media/page.css`,
  tableStyleUri: `${cspSource}/ext/media/layerTable.css`,
  bundleStyleUri: `${cspSource}/ext/dist/media/train.css`,
  title: 'lenet5.cnn',
  fileUri: 'file:///work/examples/lenet5.cnn',
};

const unescape = (v: string) => v.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));

function policy(html: string): Map<string, string[]> {
  const raw = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(raw, 'no CSP meta tag');
  return new Map(unescape(raw).split(';').map((d) => {
    const [name, ...sources] = d.trim().split(/\s+/);
    return [name as string, sources];
  }));
}

test('default-src none, scripts only with the nonce, nothing unsafe or remote', () => {
  const csp = policy(trainHtml({ ...resources, nonce: 'n0nce' }));
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), ["'nonce-n0nce'"]);
  assert.deepEqual(csp.get('style-src'), [cspSource]);
  for (const [directive, sources] of csp) {
    assert.ok(!sources.some((s) => /unsafe|^\*$|^https?:$|^data:$/.test(s)), `${directive}: ${sources.join(' ')}`);
  }
  assert.equal(csp.has('connect-src'), false, 'the page fetches nothing: the host posts it everything');
});

test('one script, external, with the nonce; both stylesheets from the webview origin', () => {
  const html = trainHtml({ ...resources, nonce: 'n0nce' });
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], /nonce="n0nce"/);
  assert.match(scripts[0][1], /src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/media\/train\.js"/);
  assert.equal(scripts[0][2].trim(), '');
  const sheets = [...html.matchAll(/<link rel="stylesheet" href="([^"]*)">/g)].map((m) => m[1]);
  assert.deepEqual(sheets, [resources.bundleStyleUri, resources.pageStyleUri, resources.tableStyleUri, resources.styleUri]);
});

test('no inline handlers, inline styles or javascript: URLs', () => {
  const html = trainHtml(resources);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
  assert.doesNotMatch(html, /\sstyle\s*=/i);
  assert.doesNotMatch(html, /javascript:/i);
});

test('the file name and URI are text, not markup', () => {
  const html = trainHtml({ ...resources, title: '<img src=x onerror=alert(1)>.cnn', fileUri: 'file:///a"><script>alert(1)</script>.cnn' });
  assert.doesNotMatch(html, /<img/);
  assert.equal([...html.matchAll(/<script/g)].length, 1);
  assert.match(html, /data-file-uri="file:\/\/\/a&#34;&#62;&#60;script&#62;/);
});

test('the controls the end-to-end test and the script look for are on the page', () => {
  const html = trainHtml(resources);
  for (const id of ['start', 'cancel', 'progress', 'progress-text', 'result', 'chart-loss', 'chart-error', 'chart-speed', 'form', 'copy-markdown', 'save-csv', 'open-run', 'compare', 'summary', 'problems', 'head', 'body', 'foot']) {
    assert.match(html, new RegExp(`id="${id}"`), id);
  }
});

test('the layer table is the same component as in the layer-table panel', () => {
  const markup = layerTableMarkup();
  assert.ok(trainHtml(resources).includes(markup), 'the training view embeds layerTableMarkup()');
  assert.ok(layerTableHtml({ ...resources, title: 'lenet5.cnn' }).includes(markup), 'the layer-table panel embeds layerTableMarkup()');
  assert.equal([...trainHtml(resources).matchAll(/<table class="layer-table"/g)].length, 1);
});
