// What the training webview posts is untrusted input, and what the runner sends comes from another
// program: both are checked before the extension acts on them or draws them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFormSettings, parseTrainWebviewMessage } from '../../media/src/trainProtocol';
import { parseRunnerInfo, parseRunnerNotification, trainingAdapterOf } from '../../client/src/training/runnerMessages';

test('the webview\'s plain messages are accepted as they are, with nothing extra', () => {
  for (const type of ['ready', 'cancel', 'resume', 'copyMarkdown', 'saveCsv', 'openRunFolder', 'compareRuns']) {
    assert.deepEqual(parseTrainWebviewMessage({ type }), { type });
    assert.equal(parseTrainWebviewMessage({ type, path: '/etc/passwd' }), undefined, `${type} with an extra field`);
  }
  assert.deepEqual(parseTrainWebviewMessage({ type: 'reveal', line: 3 }), { type: 'reveal', line: 3 });
  for (const line of [0, -1, 1.5, '3', NaN, 2 ** 60]) assert.equal(parseTrainWebviewMessage({ type: 'reveal', line }), undefined, String(line));
});

test('a start carries only known settings, each in the runner\'s range', () => {
  const settings = {
    dataset: { kind: 'shapes' }, epochs: 3, batch: 32, lr: 0.05, momentum: 0.9, weightDecay: 0.0005,
    optimizer: 'adam', seed: 0, backend: 'reference', act: 'prelu', init: { kind: 'gaussian', std: 0.01 }, trainSamples: 256,
  };
  assert.deepEqual(parseTrainWebviewMessage({ type: 'start', settings }), { type: 'start', settings });
  assert.deepEqual(parseTrainWebviewMessage({ type: 'start', settings: {} }), { type: 'start', settings: {} }, 'every setting may come from the file or the runner');
  const bad: Record<string, unknown>[] = [
    { epochs: 0 }, { epochs: 2.5 }, { epochs: '3' }, { batch: 70000 }, { lr: -1 }, { lr: Infinity }, { momentum: 1.5 },
    { weightDecay: NaN }, { optimizer: 'rmsprop' }, { seed: -1 }, { backend: 'cuda' }, { act: 'gelu' },
    { init: { kind: 'gaussian' } }, { init: { kind: 'gaussian', std: 0 } }, { init: { kind: 'he', std: 1 } },
    { dataset: { kind: 'folder' } }, { dataset: { kind: 'shapes', path: 'x' } }, { dataset: 'shapes' },
    { trainSamples: 0 }, { runDir: '/tmp' }, { __proto__: { epochs: 1 }, constructor: 1 },
  ];
  for (const s of bad) {
    assert.equal(parseTrainWebviewMessage({ type: 'start', settings: s }), undefined, JSON.stringify(s));
    assert.ok('error' in checkFormSettings(s), JSON.stringify(s));
  }
  assert.equal(parseTrainWebviewMessage({ type: 'start' }), undefined);
  assert.equal(parseTrainWebviewMessage({ type: 'start', settings: [] }), undefined);
  assert.equal(parseTrainWebviewMessage({ type: 'start', settings: {}, network: {} }), undefined, 'the network comes from the language server, never the page');
});

test('the form is told which setting is wrong', () => {
  assert.deepEqual(checkFormSettings({ epochs: 0 }), { error: 'epochs is out of range: 0' });
  assert.deepEqual(checkFormSettings({ runDir: '/' }), { error: 'unknown setting "runDir"' });
  assert.deepEqual(checkFormSettings({ epochs: undefined, lr: 0.1 }), { settings: { lr: 0.1 } });
});

test('unknown types and non-objects are dropped', () => {
  for (const data of [null, undefined, 'ready', 7, [{ type: 'ready' }], {}, { type: 'runCommand', command: 'x' }, { type: ['ready'] }]) {
    assert.equal(parseTrainWebviewMessage(data), undefined, JSON.stringify(data));
  }
});

const epoch = { epoch: 1, steps: 4, trainLoss: 1.3, valLoss: 1.2, top1Error: 0.5, top5Error: 0, samplesPerSec: 900, seconds: 0.3 };
const backend = { backend: 'reference', adapter: 'TypeScript on the CPU' };

test('well-formed runner notifications pass unchanged', () => {
  const messages: [string, object][] = [
    ['job/started', { jobId: 'j', runDir: '/r', backend, settings: { epochs: 1 }, classes: ['a', 'b'], stepsPerEpoch: 4, params: 100 }],
    ['job/started', { jobId: 'j', runDir: '/r', backend, settings: { epochs: 2 }, classes: ['a', 'b'], stepsPerEpoch: 4, params: 100, resumed: { epoch: 1, stepInEpoch: 0, steps: 4, epochs: [epoch] } }],
    ['job/progress', { jobId: 'j', epoch: 1, step: 2, stepsPerEpoch: 4, loss: 1.4, samplesPerSec: 800 }],
    ['job/epoch', { jobId: 'j', ...epoch }],
    ['job/done', { jobId: 'j', runDir: '/r', cancelled: false, epochs: [epoch], steps: 4 }],
    ['job/done', { jobId: 'j', runDir: null, cancelled: true, epochs: [], steps: 0 }],
    ['job/failed', { jobId: 'j', code: 'non-finite-loss', message: 'loss is NaN at step 3' }],
  ];
  for (const [method, params] of messages) assert.deepEqual(parseRunnerNotification(method, params), { ok: { method, params } }, method);
});

test('malformed runner notifications are dropped with a reason', () => {
  const cases: [string, unknown, RegExp][] = [
    ['job/progress', null, /params must be an object/],
    ['job/progress', { epoch: 1, step: 1, stepsPerEpoch: 4, loss: 1, samplesPerSec: 1 }, /jobId/],
    ['job/progress', { jobId: 'j', epoch: 1, step: 5, stepsPerEpoch: 4, loss: 1, samplesPerSec: 1 }, /step must be/],
    ['job/progress', { jobId: 'j', epoch: 1, step: 1, stepsPerEpoch: 4, loss: null, samplesPerSec: 1 }, /loss must be a finite number/],
    ['job/epoch', { jobId: 'j', ...epoch, top1Error: 1.5 }, /top1Error must be a fraction/],
    ['job/epoch', { jobId: 'j', ...epoch, valLoss: 'low' }, /valLoss must be a finite number/],
    ['job/done', { jobId: 'j', runDir: 3, cancelled: false, epochs: [], steps: 0 }, /runDir/],
    ['job/done', { jobId: 'j', runDir: '/r', cancelled: false, epochs: [{ ...epoch, epoch: 0 }], steps: 0 }, /epochs: epoch must be/],
    ['job/started', { jobId: 'j', runDir: '/r', backend: { backend: 'cuda', adapter: '' }, settings: { epochs: 1 }, classes: [], stepsPerEpoch: 4, params: 1 }, /backend.backend/],
    ['job/started', { jobId: 'j', runDir: '/r', backend, settings: { epochs: 2 }, classes: [], stepsPerEpoch: 4, params: 1, resumed: { epoch: 1, steps: 4, epochs: [] } }, /resumed must give/],
    ['job/started', { jobId: 'j', runDir: '/r', backend, settings: { epochs: 2 }, classes: [], stepsPerEpoch: 4, params: 1, resumed: { epoch: 1, stepInEpoch: 0, steps: 4, epochs: [{ ...epoch, trainLoss: NaN }] } }, /resumed.epochs: trainLoss/],
    ['job/failed', { jobId: 'j', code: 'internal' }, /message must be a string/],
    ['job/teleport', { jobId: 'j' }, /unknown notification/],
  ];
  for (const [method, params, reason] of cases) {
    const parsed = parseRunnerNotification(method, params);
    assert.ok('error' in parsed, `${method} ${JSON.stringify(params)} passed`);
    assert.match(parsed.error, reason);
  }
});

test('runner/info must come from a cnn-runner speaking protocol 1', () => {
  const info = { name: 'cnn-runner', version: '0.1.0', protocol: 1, pid: 1, backend, backends: ['reference'], datasets: ['shapes'] };
  assert.deepEqual(parseRunnerInfo(info), { ok: info });
  assert.match((parseRunnerInfo({ ...info, protocol: 2 }) as { error: string }).error, /protocol 2; this extension speaks 1/);
  assert.ok('error' in parseRunnerInfo({ ...info, name: 'other' }));
  assert.ok('error' in parseRunnerInfo('cnn-runner'));
});

test('the language server hears of the WebGPU adapter auto trains on, and of none when it trains on the CPU', () => {
  const info = { name: 'cnn-runner' as const, version: '0.1.0', protocol: 1, pid: 1, backends: ['webgpu', 'cpu'], datasets: ['shapes'] };
  const gpu = { backend: 'webgpu' as const, adapter: 'NVIDIA H200, Vulkan', limits: { maxStorageBufferBindingSize: 2 ** 31 - 4, maxBufferSize: 2 ** 31 } };
  assert.deepEqual(trainingAdapterOf({ ...info, backend: gpu }), { name: 'NVIDIA H200, Vulkan', maxStorageBufferBindingSize: 2 ** 31 - 4 });
  assert.equal(trainingAdapterOf({ ...info, backend: { backend: 'cpu', adapter: 'OpenBLAS on 2 cores' } }), null);
  assert.equal(trainingAdapterOf({ ...info, backend: { ...gpu, limits: {} } }), null, 'no limit reported, none assumed');
});
