/**
 * The training view's charts: thin uPlot wrappers that take the aligned columns trainViewModel
 * builds, colour their series from the VS Code theme, and follow their container's width.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { epochTicks } from './trainViewModel';

export interface SeriesSpec {
  label: string;
  /** A --vscode-charts-* colour name, so the series follows the theme (and high contrast). */
  color: string;
  /** A thin line with dots: the batch losses are many and noisy. */
  thin?: boolean;
  dash?: number[];
  /** An edge of a band (a group's min or max across seeds): a faint line, no points, not in the legend. */
  edge?: boolean;
}

/** A filled band between two series, by their index in the SeriesSpec list: [upper, lower]. */
export type BandSpec = [number, number];

/** VS Code's dark-theme chart colours, for a page shown outside VS Code (no theme variables). */
const FALLBACK: Record<string, string> = { blue: '#3794ff', red: '#f14c4c', green: '#89d185', yellow: '#cca700', purple: '#b180d7', orange: '#d18616' };
export const PALETTE = Object.keys(FALLBACK);

function themeColor(name: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(`--vscode-charts-${name}`).trim();
  return value || FALLBACK[name] || FALLBACK.blue;
}

/** A CSS colour with transparency: #rgb, #rrggbb and rgb() as VS Code's theme writes them; else the fallback's. */
export function withAlpha(color: string, alpha: number, fallback = FALLBACK.blue): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(color.trim());
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color.trim());
  if (rgb) return `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})`;
  return fallback === color ? color : withAlpha(fallback, alpha, fallback);
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const HEIGHT = 220;

export class Chart {
  private plot: uPlot | undefined;
  private data: uPlot.AlignedData;
  private readonly observer: ResizeObserver;
  private bands: BandSpec[] = [];

  constructor(
    private readonly container: HTMLElement,
    private series: SeriesSpec[],
    private readonly axes: { x: string; y: string; yRange?: [number, number] },
  ) {
    this.data = [[], ...series.map(() => [])];
    // The panel's width changes with the editor layout; the chart follows it.
    this.observer = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
    this.observer.observe(container);
  }

  private width(): number {
    return Math.max(240, this.container.clientWidth);
  }

  /** Rebuilds the chart when the series change (compare runs); otherwise only its data. */
  setSeries(series: SeriesSpec[], bands: BandSpec[] = []): void {
    this.series = series;
    this.bands = bands;
    this.plot?.destroy();
    this.plot = undefined;
  }

  /** Fixes the x axis (uPlot would fit it to the points, 0–2 around a single epoch); undefined fits it again. */
  setXRange(range: [number, number] | undefined): void {
    this.xRange = range;
    if (range) this.plot?.setScale('x', { min: range[0], max: range[1] });
  }

  private xRange: [number, number] | undefined;

  setData(data: uPlot.AlignedData): void {
    this.data = data;
    if (!this.plot) {
      this.plot = new uPlot(this.options(), data, this.container);
      // uPlot lists every series in the legend; a band's edges are named by its mean line. Matched by
      // label, not position: whether the x series has a row depends on the legend's mode.
      const edges = new Set(this.series.filter((s) => s.edge).map((s) => s.label));
      for (const row of this.plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series')) {
        if (edges.has(row.querySelector('.u-label')?.textContent ?? '')) row.style.display = 'none';
      }
      return;
    }
    this.plot.setData(data);
  }

  private options(): uPlot.Options {
    const text = cssVar('--vscode-foreground', '#ccc');
    const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
    const axis = (label: string): uPlot.Axis => ({ label, stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } });
    return {
      width: this.width(),
      height: HEIGHT,
      scales: { x: { time: false, range: (_u, min, max) => this.xRange ?? (min === max ? [min - 1, max + 1] : [min, max]) }, y: this.axes.yRange ? { range: this.axes.yRange } : {} },
      axes: [this.axes.x === 'epoch' ? { ...axis(this.axes.x), splits: (_u, _i, min, max) => epochTicks(min, max) } : axis(this.axes.x), axis(this.axes.y)],
      legend: { live: false },
      bands: this.bands.map(([upper, lower]) => ({ series: [upper + 1, lower + 1], fill: withAlpha(themeColor(this.series[upper].color), 0.18, FALLBACK[this.series[upper].color]) })),
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: this.axes.x },
        ...this.series.map((s): uPlot.Series => {
          const color = themeColor(s.color);
          if (s.edge) return { label: s.label, stroke: withAlpha(color, 0.45, FALLBACK[s.color]), width: 1, spanGaps: true, points: { show: false } };
          return s.thin
            ? { label: s.label, stroke: color, width: 1, spanGaps: true, points: { show: true, size: 3, stroke: color, fill: color } }
            : { label: s.label, stroke: color, width: 2, dash: s.dash, spanGaps: true, points: { show: true, size: 6 } };
        }),
      ],
    };
  }
}
