// The layer table's page under a strict Content-Security-Policy: only a script carrying this page's
// nonce may run, nothing loads from outside the webview's own origin, and there is no inline code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, layerTableHtml, newNonce } from '../../client/src/layerTableHtml';

const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
const resources = {
  cspSource,
  scriptUri: `${cspSource}/ext/dist/media/layerTable.js`,
  pageStyleUri: `${cspSource}/ext/media/page.css`,
  tableStyleUri: `${cspSource}/ext/media/layerTable.css`,
  title: 'alexnet-coursework.cnn',
};

/** An attribute's value as the browser reads it. */
function unescape(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function policy(html: string): Map<string, string[]> {
  const raw = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(raw, 'no CSP meta tag');
  const content = unescape(raw);
  return new Map(
    content.split(';').map((d) => {
      const [name, ...sources] = d.trim().split(/\s+/);
      return [name as string, sources];
    }),
  );
}

test('default-src is none and scripts run only with the nonce', () => {
  const html = layerTableHtml({ ...resources, nonce: 'abc123' });
  const csp = policy(html);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), ["'nonce-abc123'"]);
  for (const [directive, sources] of csp) {
    assert.ok(!sources.includes("'unsafe-inline'") && !sources.includes("'unsafe-eval'"), directive);
    assert.ok(!sources.some((s) => s === '*' || s === 'https:' || s === 'http:'), directive);
  }
});

test('every script tag carries the nonce and loads the bundled file, none is inline', () => {
  const html = layerTableHtml({ ...resources, nonce: 'abc123' });
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  const [, attributes, body] = scripts[0] as RegExpMatchArray;
  assert.match(attributes as string, /nonce="abc123"/);
  assert.match(attributes as string, new RegExp(`src="${escapeRegExp(resources.scriptUri)}"`));
  assert.equal((body as string).trim(), '');
});

test('no inline event handlers or javascript: URLs', () => {
  const html = layerTableHtml(resources);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
  assert.doesNotMatch(html, /javascript:/i);
});

test('the stylesheets come from the webview origin that style-src allows', () => {
  const html = layerTableHtml(resources);
  for (const uri of [resources.pageStyleUri, resources.tableStyleUri]) {
    assert.match(html, new RegExp(`<link rel="stylesheet" href="${escapeRegExp(uri)}">`));
    assert.ok(uri.startsWith(cspSource));
  }
  assert.deepEqual(policy(html).get('style-src'), [cspSource]);
});

test('a file name is text, not markup', () => {
  const html = layerTableHtml({ ...resources, title: '<img src=x onerror=alert(1)>.cnn' });
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;\.cnn/);
});

test('each page gets a fresh, unguessable nonce', () => {
  const nonces = new Set(Array.from({ length: 50 }, newNonce));
  assert.equal(nonces.size, 50);
  for (const n of nonces) assert.match(n, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(policy(layerTableHtml(resources)).get('script-src')?.[0], policy(layerTableHtml(resources)).get('script-src')?.[0]);
  assert.equal(contentSecurityPolicy(cspSource, 'n').includes("'nonce-n'"), true);
});
