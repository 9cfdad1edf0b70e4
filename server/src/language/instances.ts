/**
 * The analysed network seen as a tree: block instances holding layers and instances, looked up
 * by full name. Hover, inlay hints, the outline and the projection fix read instances through it.
 */
import type { Analysis, LayerAnalysis } from './analyze';
import type { NetworkInstance, NetworkLayer, Shape } from './network';

export type Child = { type: 'layer'; layer: NetworkLayer } | { type: 'instance'; instance: NetworkInstance };

export class NetworkIndex {
  readonly layers = new Map<string, NetworkLayer>();
  readonly instances = new Map<string, NetworkInstance>();
  private readonly children = new Map<string | undefined, Child[]>();

  constructor(readonly analysis: Analysis) {
    const network = analysis.network;
    for (const layer of network.layers) if (!this.layers.has(layer.name)) this.layers.set(layer.name, layer);
    for (const instance of network.instances ?? []) if (!this.instances.has(instance.name)) this.instances.set(instance.name, instance);
    // Children in the order of evaluation: an instance sits where its first layer is.
    const seen = new Set<string>();
    const add = (parent: string | undefined, child: Child) => {
      let list = this.children.get(parent);
      if (!list) this.children.set(parent, (list = []));
      list.push(child);
    };
    for (const layer of network.layers) {
      // The chain of instances holding this layer, outermost first; each is placed once.
      const chain: NetworkInstance[] = [];
      for (let name = layer.block; name !== undefined; name = this.instances.get(name)?.block) {
        const instance = this.instances.get(name);
        if (!instance || chain.includes(instance)) break;
        chain.unshift(instance);
      }
      for (const instance of chain) {
        if (seen.has(instance.name)) continue;
        seen.add(instance.name);
        add(instance.block, { type: 'instance', instance });
      }
      add(layer.block, { type: 'layer', layer });
    }
    // Instances that made no layer (an error in them) still belong to their parent.
    for (const instance of network.instances ?? []) {
      if (!seen.has(instance.name)) {
        seen.add(instance.name);
        add(instance.block, { type: 'instance', instance });
      }
    }
  }

  /** Direct children of an instance, or of the network when `instance` is undefined. */
  childrenOf(instance: string | undefined): Child[] {
    return this.children.get(instance) ?? [];
  }

  /** The output shape of a full name (`input`, a layer, an instance). */
  shapeOf(full: string): Shape | undefined {
    if (full === 'input') return this.analysis.network.input;
    return this.layers.get(full)?.output ?? this.instances.get(full)?.output;
  }

  /**
   * The full name a name in `from=` stands for, read at top level (`instance` undefined) or inside
   * an instance: `in` is what the instance reads, other names are prefixed with its name.
   */
  fullNameIn(instance: NetworkInstance | undefined, name: string): string {
    if (!instance) return name;
    return name === 'in' ? instance.inputs[0] : `${instance.name}.${name}`;
  }

  /** The instances a use line made, outermost: one at top level, one per enclosing instance in a block. */
  useInstances(entry: LayerAnalysis): NetworkInstance[] {
    if (!entry.definedIn) return entry.instance ? [entry.instance] : [];
    const line = entry.statement.span.line + 1;
    return (this.analysis.network.instances ?? []).filter((i) => i.line === line && (i.block === undefined || this.instances.get(i.block)?.line !== line));
  }

  /** The copies of a `repeat` group. */
  copies(group: NetworkInstance): NetworkInstance[] {
    return this.childrenOf(group.name).flatMap((c) => (c.type === 'instance' ? [c.instance] : []));
  }
}

const cache = new WeakMap<Analysis, NetworkIndex>();

export function indexOf(analysis: Analysis): NetworkIndex {
  let index = cache.get(analysis);
  if (!index) cache.set(analysis, (index = new NetworkIndex(analysis)));
  return index;
}

/** A full name as seen from inside `parent`: `conv1` inside `layer1.0`. */
export function shortName(full: string, parent: string | undefined): string {
  return parent && full.startsWith(`${parent}.`) ? full.slice(parent.length + 1) : full;
}
