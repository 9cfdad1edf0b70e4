/**
 * "CNN: Compare with…" outside VS Code: the page (client/src/compareHtml.ts) shows the same rows
 * and totals as `cnn diff`, runs only its own script and escapes what a file names; the text at git HEAD
 * (client/src/gitHead.ts) comes from a real repository, with a clear sentence outside one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/language/analyze';
import { diffNetworks } from '../../server/src/language/networkDiff';
import { compareContentHtml, compareHtml } from '../../client/src/compareHtml';
import { textAtHead } from '../../client/src/gitHead';
import { tempDir } from '../tempDir';

const resources = { cspSource: 'vscode-webview://x', pageStyleUri: 'p.css', tableStyleUri: 't.css', compareStyleUri: 'c.css', scriptUri: 'compare.js', nonce: 'n0nce' };
const network = (file: string) => analyzeText(readFileSync(`examples/${file}`, 'utf8')).network;

test('the page: the diff\'s rows and totals, only its own script, names escaped', () => {
  const diff = diffNetworks(network('resnet18.cnn'), network('resnet34.cnn'), { labels: ['resnet18.cnn', 'resnet34.cnn'] });
  const html = compareHtml(diff, resources, { state: 'pending' });
  // The one inline style is the graphs' stylesheet, let in by its hash (compareGraphs.test.ts checks it).
  assert.match(html, /content="default-src &#39;none&#39;; style-src vscode-webview:\/\/x &#39;sha256-[A-Za-z0-9+/]+=*&#39;; font-src vscode-webview:\/\/x; script-src &#39;nonce-n0nce&#39;"/);
  // The one script is the page's file, under the nonce; it puts what the host sends into <main>, which holds the same content at first.
  assert.deepEqual(html.match(/<script[^>]*>/g), ['<script nonce="n0nce" src="compare.js">']);
  assert.doesNotMatch(html, /\son\w+=/i);
  assert.ok(html.includes(`<main>\n  ${compareContentHtml(diff, { state: 'pending' })}\n</main>`));
  assert.equal((html.match(/<tr class="added">/g) ?? []).length, 40);
  assert.equal((html.match(/<tr class="changed">/g) ?? []).length, 7);
  assert.match(html, /<td title="added" aria-label="added">\+<\/td><th scope="row">layer3\.5\.conv2<\/th>/);
  assert.match(html, /<th scope="row">trainable parameters<\/th><td class="num">11,689,512<\/td><td class="num">21,797,672<\/td><td class="num">\+10,108,160<\/td>/);
  const odd = analyzeText('network <b>&\ninput 8x8x1\nfc 2\nsoftmax 2\n').network;
  const escaped = compareHtml(diffNetworks(odd, odd, { labels: ['<a>.cnn', 'b"c.cnn'] }), resources, { state: 'pending' });
  assert.match(escaped, /&#60;a&#62;\.cnn → b&#34;c\.cnn/);
  assert.doesNotMatch(escaped, /<a>/);
  assert.match(escaped, /No layer differs\./);
});

test('the text at git HEAD, and why there is none outside a repository or before a commit', async () => {
  const dir = tempDir('cnn-compare-');
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'a.cnn'), 'input 8x8x1\n');
  // GIT_CEILING_DIRECTORIES: the temp folder's parents may be a repository themselves.
  const env = { ...process.env, GIT_CEILING_DIRECTORIES: dir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  const saved = process.env.GIT_CEILING_DIRECTORIES;
  process.env.GIT_CEILING_DIRECTORIES = dir;
  try {
    const none = await textAtHead(join(outside, 'a.cnn'));
    assert.ok('error' in none);
    assert.match(none.error, /^a\.cnn is not in a git repository, so there is no HEAD to compare with/);
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'nets'), { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: repo, env });
    writeFileSync(join(repo, 'nets', 'n.cnn'), 'input 8x8x1\nfc 4\nsoftmax 2\n');
    const uncommitted = await textAtHead(join(repo, 'nets', 'n.cnn'));
    assert.ok('error' in uncommitted);
    assert.match(uncommitted.error, /^nets\/n\.cnn is not in git's HEAD commit/);
    execFileSync('git', ['add', '.'], { cwd: repo, env });
    execFileSync('git', ['commit', '-qm', 'first'], { cwd: repo, env });
    writeFileSync(join(repo, 'nets', 'n.cnn'), 'input 8x8x1\nfc 8\nsoftmax 2\n');
    const head = await textAtHead(join(repo, 'nets', 'n.cnn'));
    assert.deepEqual(head, { text: 'input 8x8x1\nfc 4\nsoftmax 2\n', label: 'HEAD:nets/n.cnn' });
    const diff = diffNetworks(analyzeText((head as { text: string }).text).network, analyzeText(readFileSync(join(repo, 'nets', 'n.cnn'), 'utf8')).network, { batch: 1 });
    assert.equal(diff.totals.delta.params, (64 * 8 + 8 + 8 * 2 + 2) - (64 * 4 + 4 + 4 * 2 + 2));
  } finally {
    if (saved === undefined) delete process.env.GIT_CEILING_DIRECTORIES; else process.env.GIT_CEILING_DIRECTORIES = saved;
  }
});
