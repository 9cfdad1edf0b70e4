/**
 * The graph view's speed: a 1,000-layer network laid out (the target: under a second on
 * this machine), and the example graphs. Times what the webview does on each change: the graph
 * model, the ELK layout and the SVG text (the analysis is timed by `npm run bench`). The first run
 * of a process is reported apart: it includes compiling the part of ELK's code that the page's
 * warm-up as it loads (warmUpLayout, run here first too) left cold.
 * `npm run bench:graph`; not part of `npm test`.
 *   BENCH_RUNS (timed runs after the first, 5).
 */
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../server/src/language/analyze';
import type { Network } from '../server/src/language/network';
import { graphModel } from '../media/src/graphModel';
import { layoutGraph, warmUpLayout } from '../media/src/graphLayout';
import { renderGraphSvg } from '../media/src/graphSvg';
import { median } from './tfjsModels';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_MS = 1000;

/** 1,000 convolutions in a chain. */
function plainText(): string {
  const lines = ['network plain1000', 'input 32x32x16'];
  for (let i = 0; i < 1000; i++) lines.push(`c${i}: conv 16 f=3 p=1`);
  return lines.join('\n');
}

/** A stem and 333 residual blocks of three layers: 1,000 layers in 333 groups, 1,333 edges. */
function residualText(): string {
  const lines = ['network residual1000', 'input 32x32x16', 'block res(w)', '  a: conv w f=3 p=1', '  b: conv w f=3 p=1', '  s: add from=in,b', 'end', 'stem: conv 16 f=3 p=1'];
  for (let i = 0; i < 333; i++) lines.push(`b${i}: res 16`);
  return lines.join('\n');
}

async function time(network: Network): Promise<{ wall: number; cpu: number; nodes: number; edges: number; groups: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const model = graphModel(network);
  const layout = await layoutGraph(model);
  renderGraphSvg(layout, { title: network.network ?? '' });
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000, nodes: model.nodes.length, edges: model.edges.length, groups: model.groups.length };
}

async function main(): Promise<void> {
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${RUNS} runs after the first`);
  const examples = (name: string) => readFileSync(join(import.meta.dirname, '..', 'examples', name), 'utf8');
  const cases: [string, string][] = [
    ['plain, 1,000 layers', plainText()],
    ['residual, 1,000 layers', residualText()],
    ['resnet18.cnn', examples('resnet18.cnn')],
    ['resnet50.cnn', examples('resnet50.cnn')],
    ['googlenet.cnn', examples('googlenet.cnn')],
  ];
  const warming = performance.now();
  await warmUpLayout();
  console.log(`warm-up as the page loads: ${(performance.now() - warming).toFixed(0)} ms`);
  for (const [name, text] of cases) {
    const network = analyzeText(text).network;
    const first = await time(network);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await time(network));
    const wall = median(runs.map((r) => r.wall));
    const cpu = median(runs.map((r) => r.cpu));
    const verdict = network.layers.length >= 1000 ? (wall < TARGET_MS ? ` (target < ${TARGET_MS} ms: met)` : ` (target < ${TARGET_MS} ms: NOT met)`) : '';
    console.log(
      `${name}: ${network.layers.length} layers, ${first.nodes} nodes, ${first.edges} edges, ${first.groups} groups: ` +
        `median ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU${verdict}; first run ${first.wall.toFixed(0)} ms wall`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
