/**
 * Writing an imported network as a .cnn file: header, blocks where the source repeats itself,
 * the layers, then the language's own formatter; and checking the result as the language sees it
 * (no error, and the parameters the source holds).
 */
import { analyzeText } from '../language/analyze';
import { format } from '../language/formatting';
import { applyEdits } from '../language/textEdits';
import { detectBlocks, type CnnLine } from './blockDetection';
import { summariseNotes, type ImportedNetwork, type ImportProblem, type ImportResult } from './importedNetwork';

function lineText({ label, kind, count, pairs }: CnnLine): string {
  return [`${label}:`, kind, ...(count !== undefined ? [count] : []), ...pairs.map(([k, v]) => `${k}=${v}`)].join(' ');
}

/** The .cnn text of a network the importer could express fully, or the reasons it could not. */
export function writeCnn(network: ImportedNetwork, refused: ImportProblem[], allNotes: ImportProblem[]): ImportResult {
  const notes = summariseNotes(allNotes);
  if (refused.length) return { refused, notes };
  if (!network.layers.length) return { refused: [{ name: network.name, op: 'graph', reason: 'it has no layer the language can write' }], notes };
  const layers = network.layers.map((l) => ({ ...l }));
  // The language's classifier is `softmax N`, a fully connected layer and its softmax: the last
  // fully connected layer without an activation is that, whether the source ends in logits or in a Softmax.
  const last = layers[layers.length - 1];
  if (last.kind === 'fc' && last.act === 'none') last.kind = 'softmax';
  const weighted = layers.filter((l) => l.bias !== undefined);
  const biasDefault = weighted.filter((l) => l.bias).length * 2 >= weighted.length;
  const program = detectBlocks(layers, biasDefault);

  const out: string[] = [`# Imported by cnn import from ${network.source}.`];
  for (const n of notes) out.push(`# ${n.name} (${n.op}): ${n.reason}`);
  out.push(`network ${network.name}`, `input ${network.input.join('x')}`, `defaults act=none${biasDefault ? '' : ' bias=false'}`, '');
  for (const block of program.blocks) {
    out.push(block.params.length ? `block ${block.name}(${block.params.join(', ')})` : `block ${block.name}`);
    for (const line of block.body) out.push(`  ${lineText(line)}`);
    out.push('end', '');
  }
  for (const line of program.lines) out.push(lineText(line));
  const raw = out.join('\n') + '\n';
  const text = applyEdits(raw, format(analyzeText(raw)));

  const analysis = analyzeText(text);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    return {
      refused: errors.map((d) => ({ name: `line ${d.range.start.line + 1}`, op: d.code, reason: `the written file does not analyse: ${d.message}` })),
      notes,
    };
  }
  const params = analysis.network.totals.params;
  if (network.sourceParams !== undefined && params !== network.sourceParams) {
    return {
      refused: [{ name: network.name, op: 'parameters', reason: `the written file has ${params} parameters where the source holds ${network.sourceParams}` }],
      notes,
    };
  }
  return { text, refused: [], notes, params };
}
