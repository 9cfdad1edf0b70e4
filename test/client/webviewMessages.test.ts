// The host acts on what the webview posts, and a webview is a web page: anything that is not
// exactly one of the protocol's messages must be dropped, not half-handled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../media/src/layerTableProtocol';

test('the four messages the webview sends are accepted as they are', () => {
  for (const message of [{ type: 'ready' }, { type: 'copyMarkdown' }, { type: 'saveCsv' }, { type: 'reveal', line: 4 }]) {
    assert.deepEqual(parseWebviewMessage(message), message);
  }
});

test('a reveal needs a whole line number from 1', () => {
  for (const line of [0, -3, 2.5, Number.NaN, Infinity, '4', null, undefined, 2 ** 60]) {
    assert.equal(parseWebviewMessage({ type: 'reveal', line }), undefined, String(line));
  }
  assert.equal(parseWebviewMessage({ type: 'reveal' }), undefined);
});

test('unknown types, extra fields and non-objects are dropped', () => {
  for (const data of [
    null,
    undefined,
    'copyMarkdown',
    42,
    [{ type: 'ready' }],
    {},
    { type: 'runCommand', command: 'workbench.action.quit' },
    { type: 'saveCsv', path: '/etc/passwd' },
    { type: 'reveal', line: 3, uri: 'file:///elsewhere.cnn' },
    { type: ['ready'] },
  ]) {
    assert.equal(parseWebviewMessage(data), undefined, JSON.stringify(data));
  }
});
