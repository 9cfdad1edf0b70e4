/**
 * Docs that cannot drift: every `cnn …` command in a fenced block of README.md and docs/*.md runs
 * as written, in a scratch copy of examples/ (so its run folders land there), and must succeed.
 * Where a block shows what a command prints (`$ npx cnn …` with the output under it), the output
 * must be what it prints, whitespace aside. Commands that train for minutes run shrunk, each by a
 * rule in SHRUNK that gives its reason; README's LeNet-5 epoch-1 line is checked against the
 * shrunk run, since a constant learning rate makes epoch 1 the same whatever the epoch count.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { PNG } from 'pngjs';
import { tempDir } from '../tempDir';

const ROOT = resolve('.');
const CLI = join(ROOT, 'dist/cli.js');
const DOCS = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

export interface ShownCommand {
  doc: string;
  line: number;
  /** After `cnn`, as written (its trailing `# comment` removed). */
  args: string;
  /** What the block shows it printing; undefined where it shows none. */
  output?: string;
}

/** The `cnn` commands of a markdown text's fenced blocks, and the output a `$ ` block shows under one. */
export function shownCommands(doc: string, text: string): ShownCommand[] {
  const found: ShownCommand[] = [];
  const lines = text.split('\n');
  let fence = false;
  let current: ShownCommand | undefined;
  lines.forEach((line, i) => {
    if (/^\s*```/.test(line)) {
      fence = !fence;
      current = undefined;
      return;
    }
    if (!fence) return;
    const command = /^\s*(\$ )?npx cnn (.*?)(?:\s{2,}#.*)?$/.exec(line);
    if (command) {
      current = { doc, line: i + 1, args: command[2].trim(), output: command[1] ? '' : undefined };
      found.push(current);
    } else if (current?.output !== undefined) {
      current.output += `${line}\n`;
    }
  });
  return found;
}

/** Training for minutes is shrunk, never skipped: the command still runs, with these options. */
const SHRUNK: { pattern: RegExp; reason: string; options: Record<string, string> }[] = [
  {
    pattern: /^train --resume /,
    reason: 'resumes the newest one-epoch LeNet-5 run above for one epoch more',
    options: { '--epochs': '2' },
  },
  {
    pattern: /^train /,
    reason: 'LeNet-5 on MNIST trains 8,000 images an epoch (about 30 s on 2 loaded cores); one epoch shows the command works',
    options: { '--epochs': '1' },
  },
  {
    pattern: /^compare /,
    reason: 'a comparison trains 4 to 12 networks for several epochs each; 1 epoch of 32 images and 1 seed shows it works',
    options: { '--epochs': '1', '--seeds': '1', '--samples': '32', '--val-samples': '32' },
  },
];

/** File names the docs use for the reader's own files, and what stands in for them. */
const PLACEHOLDERS: Record<string, (dir: string) => void> = {
  'net.cnn': (dir) => cpSync(join(dir, 'examples/lenet5.cnn'), join(dir, 'net.cnn')),
  'A.cnn': (dir) => cpSync(join(dir, 'examples/alexnet-coursework.cnn'), join(dir, 'A.cnn')),
  'B.cnn': (dir) => cpSync(join(dir, 'examples/alexnet-224.cnn'), join(dir, 'B.cnn')),
  // Caffe's own AlexNet deploy.prototxt, as the import tests keep it.
  'deploy.prototxt': (dir) => cpSync(join(ROOT, 'test/import/fixtures/bvlc_alexnet_deploy.prototxt'), join(dir, 'deploy.prototxt')),
  // An ONNX model as another tool would hand it over: written by this tool's own exporter.
  'model.onnx': (dir) => {
    execFileSync(process.execPath, [CLI, 'export', 'examples/lenet5.cnn', '--to', 'onnx', '-o', 'model.onnx'], { cwd: dir, stdio: 'pipe' });
  },
  'digit.png': (dir) => {
    // A 28x28 white stroke on black, as an MNIST digit is drawn.
    const png = new PNG({ width: 28, height: 28 });
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const on = x >= 13 && x <= 15 && y >= 4 && y <= 23 ? 255 : 0;
        png.data.set([on, on, on, 255], (y * 28 + x) * 4);
      }
    }
    writeFileSync(join(dir, 'digit.png'), PNG.sync.write(png));
  },
};

function shrink(args: string): { args: string; reason?: string } {
  const rule = SHRUNK.find((r) => r.pattern.test(args));
  if (!rule) return { args };
  const words = args.split(/\s+/);
  for (const [option, value] of Object.entries(rule.options)) {
    const at = words.indexOf(option);
    if (at >= 0) words[at + 1] = value;
    else words.push(option, value);
  }
  return { args: words.join(' '), reason: rule.reason };
}

/**
 * A run folder the docs name by a placeholder (RUN_DIR, .cnn-runs/lenet5-<time>, …-2026-…) is the
 * newest LeNet-5 run the commands before it trained (README's `cnn train examples/lenet5.cnn`).
 */
function withRunFolder(args: string): string {
  const placeholder = /(?<=\s|^)(RUN_DIR|\S*\.cnn-runs\/\S*(?:<time>|…)\S*)(?=\s|$)/g;
  if (!placeholder.test(args)) return args;
  const runs = join(scratch, 'examples', '.cnn-runs');
  const newest = readdirSync(runs).filter((f) => f.startsWith('lenet5-')).sort().at(-1);
  assert.ok(newest, `no LeNet-5 run in ${runs} for ${args}`);
  return args.replace(placeholder, join(runs, newest));
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

const commands = DOCS.flatMap((doc) => shownCommands(doc, readFileSync(doc, 'utf8')));
const scratch = tempDir('cnn-docs-');
cpSync('examples', join(scratch, 'examples'), { recursive: true, filter: (source) => !source.includes('.cnn-runs') });

test('the docs show cnn commands (the collector finds them)', () => {
  assert.ok(commands.length >= 10, `found ${commands.length}`);
  for (const c of commands) assert.doesNotMatch(c.args, /#/, `${c.doc}:${c.line}: a comment left in the command`);
  assert.ok(commands.some((c) => c.output !== undefined), 'at least one block shows its output');
});

/** Runs each distinct command once, in the order the docs give them (predict after train). */
const ran = new Map<string, { status: number | null; stdout: string; stderr: string }>();
function run(args: string): { status: number | null; stdout: string; stderr: string } {
  args = withRunFolder(args);
  const key = args.split(/\s+/).sort().join(' ');
  const done = ran.get(key);
  if (done) return done;
  for (const [name, make] of Object.entries(PLACEHOLDERS)) if (args.split(/\s+/).includes(name)) make(scratch);
  // Through bash, as a reader types it: examples/*.cnn is a glob.
  const result = spawnSync('bash', ['-c', `node ${JSON.stringify(CLI)} ${args}`], { cwd: scratch, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
  const outcome = { status: result.status, stdout: result.stdout, stderr: result.stderr };
  ran.set(key, outcome);
  return outcome;
}

for (const shown of commands) {
  const { args, reason } = shrink(shown.args);
  test(`${shown.doc}:${shown.line}: cnn ${shown.args}${reason ? ` (run as cnn ${args}: ${reason})` : ''}`, () => {
    const result = run(args);
    assert.equal(result.status, 0, `exit ${result.status}\n${result.stderr.slice(-2000)}`);
    if (shown.output !== undefined) assert.equal(normalise(result.stdout), normalise(shown.output));
  });
}

test('README\'s LeNet-5 epoch-1 line is what the (shrunk) run prints', () => {
  const readme = readFileSync('README.md', 'utf8');
  const line = /^epoch 1\/(\d+): (train loss [\d.]+, val loss [\d.]+, top-1 error [\d.]+%, top-5 error [\d.]+%)$/m.exec(readme);
  assert.ok(line, 'README shows the first epoch of examples/lenet5.cnn');
  const printed = run(shrink('train examples/lenet5.cnn').args).stdout;
  const epoch = /^epoch 1\/1: (train loss [\d.]+), (val loss [\d.]+), (top-1 error [\d.]+%), (top-5 error [\d.]+%)/m.exec(printed);
  assert.ok(epoch, printed);
  const numbers = (text: string) => [...text.matchAll(/[\d.]+(?=%|,|$)/g)].map((m) => Number(m[0]));
  const [shownLoss, shownVal, shownTop1, shownTop5] = numbers(line[2]);
  const [loss, val, top1, top5] = numbers(epoch.slice(1).join(', '));
  // OpenBLAS on another core count sums in another order: the last digit may move, not more.
  assert.ok(Math.abs(loss - shownLoss) <= 0.002 && Math.abs(val - shownVal) <= 0.002, `${epoch[0]} against README's ${line[0]}`);
  assert.ok(Math.abs(top1 - shownTop1) <= 0.2 && Math.abs(top5 - shownTop5) <= 0.2, `${epoch[0]} against README's ${line[0]}`);
});

test('docs/language.md\'s JSON example gives the coursework diagnostic\'s real position', () => {
  const doc = readFileSync('docs/language.md', 'utf8');
  const shown = /"diagnostics": \[ \{ "line": (\d+), "column": (\d+), "endLine": (\d+), "endColumn": (\d+)/.exec(doc);
  assert.ok(shown);
  const json = JSON.parse(execFileSync(process.execPath, [CLI, 'table', 'examples/alexnet-coursework.cnn', '--format', 'json'], { encoding: 'utf8' }));
  const [d] = json.diagnostics;
  assert.deepEqual(shown.slice(1).map(Number), [d.line, d.column, d.endLine, d.endColumn]);
});

test('docs/experiments.md\'s tables name cnn compare\'s columns, in its order (a column may be left out)', () => {
  const doc = readFileSync('docs/experiments.md', 'utf8');
  const cells = (row: string) => row.split('|').slice(1, -1).map((c) => c.trim());
  const printedHeader = (args: string) => {
    const row = run(shrink(args).args).stdout.split('\n').find((l) => /^\| (init|network) \|/.test(l));
    assert.ok(row, `cnn ${args} prints a table`);
    return cells(row);
  };
  const printed = {
    init: printedHeader('compare examples/plain30.cnn --inits xavier,he --epochs 4 --samples 1024 --seeds 3'),
    network: printedHeader('compare --variants examples/plain20.cnn,examples/resnet20.cnn --epochs 4 --samples 1024 --seeds 3'),
  };
  const headers = doc.split('\n').filter((l) => /^\| (init \| activation \| seeds|network \| seeds) \|/.test(l));
  assert.ok(headers.length >= 3);
  for (const header of headers) {
    const shown = cells(header);
    const columns = printed[shown[0] as 'init' | 'network'];
    let at = 0;
    for (const column of shown) {
      at = columns.indexOf(column, at);
      assert.ok(at >= 0, `docs/experiments.md's column '${column}' is not among what cnn compare prints, in order: ${columns.join(' | ')}`);
    }
  }
  assert.match(doc, /`\.cnn-runs\/compare-<network>-<time>\.md`/);
  assert.match(run(shrink('compare examples/plain30.cnn --inits xavier,he --epochs 4 --samples 1024 --seeds 3').args).stdout, /^report: .*\/\.cnn-runs\/compare-plain30-[\dT-]+\.md$/m);
});

test('cnn train --json prints the line types README lists, started first and done last', () => {
  const readme = readFileSync('README.md', 'utf8');
  const listed = /`--json` prints one JSON object a line, `type` first:\s+`started`, `progress`, `epoch`, then `done` or `failed`/.exec(readme);
  assert.ok(listed, 'README lists the --json line types of cnn train');
  const command = commands.find((c) => /^train .*--json/.test(c.args));
  assert.ok(command, 'README shows cnn train with --json');
  const lines = run(shrink(command.args).args).stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.equal(lines[0].type, 'started');
  assert.equal(lines[lines.length - 1].type, 'done');
  assert.deepEqual([...new Set(lines.map((l) => l.type))].sort(), ['done', 'epoch', 'progress', 'started']);
  assert.ok(!('jobId' in lines[0]));
});
