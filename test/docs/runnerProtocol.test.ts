/**
 * docs/runner-protocol.md checked against the protocol: its JSON examples type-check against
 * runner/src/protocol.ts (the elided parts, `...`, left out), its settings table names JobSettings'
 * keys, its failure codes are FailureCode's, and every error message it quotes is what a real runner
 * answers to a job that provokes it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import ts from 'typescript';
import { analyzeText } from '../../server/src/language/analyze';
import type { Network } from '../../server/src/language/network';
import { repo, startRunner } from '../runner/runnerClient';

const DOC = readFileSync(join(repo, 'docs/runner-protocol.md'), 'utf8');

/** A documented example as JSON: `{...}` and `[...]` emptied, a trailing `, ...` dropped. */
function exampleJson(text: string): unknown {
  const json = text.replace(/\{\s*\.\.\.\s*\}/g, '{}').replace(/\[\s*\.\.\.\s*\]/g, '[]').replace(/,\s*\.\.\.\s*(?=[}\]])/g, '');
  return JSON.parse(json);
}

function fencedAfter(heading: string): string {
  const at = DOC.indexOf(heading);
  assert.ok(at >= 0, heading);
  return /```[a-z]*\n([\s\S]*?)```/.exec(DOC.slice(at))![1];
}

/** Type-checks `value satisfies DeepPartial<type>` for each example; returns the compiler's complaints. */
function typeErrors(examples: { what: string; type: string; value: unknown }[]): string[] {
  const file = join(repo, 'test/docs/__protocol_examples__.ts');
  const source = [
    "import type * as P from '../../runner/src/protocol';",
    "import type { JobSettings } from '../../runner/src/settings';",
    "import type { FailureCode } from '../../runner/src/trainingError';",
    'type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;',
    'void (0 as unknown as JobSettings | FailureCode | typeof P.PROTOCOL_VERSION);',
    ...examples.map((e, i) => `/* ${e.what.replace(/\*\//g, '')} */ export const example${i} = ${JSON.stringify(e.value)} satisfies ${e.type};`),
  ].join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, types: ['node', '@webgpu/types'], resolveJsonModule: true };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile;
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : read.call(host, name, language, ...rest));
  const exists = host.fileExists;
  host.fileExists = (name) => name === file || exists.call(host, name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const line = d.file && d.start !== undefined ? source.split('\n')[d.file.getLineAndCharacterOfPosition(d.start).line] : '';
    return `${text}\n  in: ${line.slice(0, 300)}`;
  });
}

const NOTIFICATION_TYPES: Record<string, string> = {
  'job/start': 'DeepPartial<P.JobStartParams>',
  'job/cancel': 'DeepPartial<P.JobCancelParams>',
  'job/kernels': 'DeepPartial<P.JobKernelsNotification>',
  'job/started': 'DeepPartial<P.JobStartedNotification>',
  'job/progress': 'DeepPartial<P.JobProgressNotification>',
  'job/epoch': 'DeepPartial<P.JobEpochNotification>',
  'job/done': 'DeepPartial<P.JobDoneNotification>',
  'job/failed': 'DeepPartial<P.JobFailedNotification>',
};

test('the JSON examples type-check against runner/src/protocol.ts', () => {
  const examples: { what: string; type: string; value: unknown }[] = [];
  examples.push({ what: 'runner/info', type: 'DeepPartial<P.RunnerInfo>', value: exampleJson(fencedAfter('### `runner/info`')) });
  const requests = new Map<number, string>();
  for (const line of fencedAfter('## Example session').split('\n').filter((l) => /^[→←]/.test(l))) {
    const message = exampleJson(line.slice(1).trim()) as { jsonrpc: string; id?: number; method?: string; params?: unknown; result?: unknown };
    assert.equal(message.jsonrpc, '2.0', line);
    if (message.method) {
      const type = NOTIFICATION_TYPES[message.method];
      assert.ok(type, `${message.method}: not a method of the protocol (${line})`);
      if (message.id !== undefined) requests.set(message.id, message.method);
      examples.push({ what: line, type, value: message.params });
    } else {
      const method = requests.get(message.id!);
      assert.equal(method, 'job/start', `a response to a request the example sends: ${line}`);
      examples.push({ what: line, type: 'DeepPartial<P.JobStartResult>', value: message.result });
    }
  }
  assert.ok(examples.length >= 6);
  assert.deepEqual(typeErrors(examples), []);
});

test('the settings table lists JobSettings\' keys, and the failure codes are FailureCode\'s', () => {
  const table = DOC.slice(DOC.indexOf('| key | default | meaning |'));
  const keys = [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
  const failed = DOC.slice(DOC.indexOf('- `job/failed`'), DOC.indexOf('## The run folder'));
  const codes = [...failed.matchAll(/^\s+- `([a-z-]+)`/gm)].map((m) => m[1]);
  assert.ok(keys.length >= 15 && codes.length >= 6, `${keys.length} keys, ${codes.length} codes`);
  const checks = [
    ...keys.map((key) => ({ what: `settings key ${key}`, type: 'keyof JobSettings', value: key })),
    ...codes.flatMap((code) => code.split(/`, `/)).map((code) => ({ what: `failure code ${code}`, type: 'FailureCode', value: code })),
  ];
  assert.deepEqual(typeErrors(checks), []);
  // And the other way: every key of JobSettings is in the table.
  const missing = typeErrors([{ what: 'all keys', type: `Record<keyof JobSettings, true>`, value: Object.fromEntries(keys.map((k) => [k, true])) }]);
  assert.deepEqual(missing, []);
});

function network(text: string): Network {
  return analyzeText(text).network;
}

/** A job that provokes each quoted error, by the quote's start. */
const PROVOKE: Record<string, () => unknown> = {
  '"bad job: training needs a softmax layer last': () => ({ network: network('input 8x8x1\nconv 4 f=3\nfc 10') }),
  '"bad job: epochs must be': () => ({ network: network('input 8x8x1\nconv 4 f=3\nsoftmax 10'), settings: { epochs: -1 } }),
  '"job/start needs': () => ({}),
  '"bad job: layer conv1: the job claims output': () => {
    const n = network('input 8x8x1\nconv1: conv 4 f=3\nsoftmax 10');
    n.layers[0].output = [7, 7, 4];
    return { network: n };
  },
  '"bad job: layer pool1: stride is null': () => {
    const n = network('input 8x8x1\npool1: maxpool f=2\nsoftmax 10');
    (n.layers[0] as { stride: unknown }).stride = null;
    return { network: n };
  },
  '"bad job: layer b: its input': () => {
    const n = network('input 8x8x1\na: conv 16 f=5\nb: conv 8 f=1\nsoftmax 10');
    n.layers[1].input = [4, 4, 8];
    return { network: n };
  },
};

test('every error message the doc quotes for job/start is what the runner answers', async () => {
  const quoted = [...DOC.matchAll(/`("(?:bad job|job\/start needs)[^`]*")`/g)].map((m) => m[1]);
  assert.ok(quoted.length >= 5, quoted.join('\n'));
  const runner = startRunner();
  try {
    for (const quote of quoted) {
      const key = Object.keys(PROVOKE).find((k) => quote.startsWith(k));
      assert.ok(key, `no job in PROVOKE provokes ${quote}: add one`);
      const error = await runner.connection.sendRequest('job/start', PROVOKE[key]()).then(() => undefined, (e: { code: number; message: string }) => e);
      assert.ok(error, `${quote}: the job was accepted`);
      assert.equal(error.code, -32602, quote);
      // A quote may end in " ..." where the doc shortens the message.
      const shown = JSON.parse(quote.replace(/\s*\n\s*/g, ' ')) as string;
      const prefix = shown.replace(/\s*\.\.\.$/, '');
      if (prefix === shown) assert.equal(error.message, shown);
      else assert.ok(error.message.startsWith(prefix), `the doc quotes ${quote}; the runner says ${JSON.stringify(error.message)}`);
    }
  } finally {
    await runner.close();
  }
});
