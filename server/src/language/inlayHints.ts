/**
 * Inlay hints: each computed layer's output shape and parameters at the end of its line. A block
 * use gets its instance's (or `repeat` group's) totals; a line inside a block definition gets its
 * layer's numbers only where the block is used exactly once (used twice, which would it show?).
 */
import type { InlayHint } from 'vscode-languageserver-types';
import type { Analysis } from './analyze';
import { indexOf } from './instances';
import type { NetworkInstance, NetworkLayer } from './network';
import { compactCount, formatShape, groupDigits } from './numbers';
import type { Range, Span } from './syntax';

function layerHint(span: Span, layer: NetworkLayer): InlayHint {
  const params = layer.params ? ` · ${compactCount(layer.params)} params` : '';
  return {
    position: { line: span.line, character: span.end },
    label: `→ ${formatShape(layer.output)}${params}`,
    paddingLeft: true,
    tooltip: `${groupDigits(layer.neurons)} neurons, ${groupDigits(layer.params)} parameters`,
  };
}

function instanceHint(span: Span, instance: NetworkInstance): InlayHint {
  const params = instance.params ? ` · ${compactCount(instance.params)} params` : '';
  return {
    position: { line: span.line, character: span.end },
    label: `→ ${formatShape(instance.output)}${params}`,
    paddingLeft: true,
    tooltip: `${instance.name}: ${groupDigits(instance.layers)} layers, ${groupDigits(instance.params)} parameters, ${groupDigits(instance.macs)} MACs`,
  };
}

export function inlayHints(analysis: Analysis, range?: Range): InlayHint[] {
  const hints: InlayHint[] = [];
  for (const entry of analysis.layers) {
    const span = entry.statement.span;
    if (range && (span.line < range.start.line || span.line > range.end.line)) continue;
    const block = entry.definedIn;
    // Inside a definition: numbers only when there is one instance to take them from.
    if (block && block.instances.length !== 1) continue;
    if (entry.uses) {
      const [instance] = indexOf(analysis).useInstances(entry);
      if (instance) hints.push(instanceHint(span, instance));
      continue;
    }
    const layer = block ? entry.instances[0] : entry.layer;
    if (layer) hints.push(layerHint(span, layer));
  }
  return hints;
}
