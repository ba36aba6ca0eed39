// Chart.js, registered with only the pieces the views draw (bars, scatter points, linear and
// category axes, tooltip, legend), so rollup leaves the rest of the library out of the bundle.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
  type Plugin,
} from 'chart.js';

Chart.register(BarController, BarElement, ScatterController, PointElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", sans-serif';
Chart.defaults.color = '#475569';
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.animation = false;

/**
 * A channel keeps one colour in every view: the common channels have their own, others take the
 * next free colour of Tableau 10 (distinguishable, colour-blind aware).
 */
const CHANNEL_COLORS: Record<string, string> = {
  'Paid Search': '#4e79a7', 'Organic Search': '#a0cbe8', 'Paid Social': '#f28e2b', 'Organic Social': '#ffbe7d',
  Email: '#59a14f', Referral: '#8cd17d', Direct: '#bab0ac', Events: '#e15759', Sales: '#b07aa1', Partners: '#d4a6c8',
  Display: '#9c755f', 'Direct Mail': '#f1ce63', 'Content Syndication': '#86bcb6', Offline: '#79706e', Unassigned: '#d7d7d7', '(no touch)': '#e5e7eb',
};
const SPARE = ['#499894', '#edc948', '#ff9da7', '#d37295', '#fabfd2', '#b6992d', '#8f6d31', '#76b7b2'];
const assigned = new Map<string, string>();

export function colorFor(key: string): string {
  let c = CHANNEL_COLORS[key] ?? assigned.get(key);
  if (!c) {
    c = SPARE[assigned.size % SPARE.length];
    assigned.set(key, c);
  }
  return c;
}

/** One distinct colour per model (category10); the data-driven ones orange and red, to stand out. */
const MODEL_COLORS: Record<string, string> = {
  first_touch: '#1f77b4', last_touch: '#17becf', last_non_direct: '#9467bd', linear: '#7f7f7f', time_decay: '#bcbd22',
  u_shaped: '#8c564b', w_shaped: '#2ca02c', full_path: '#e377c2', custom: '#aec7e8', markov: '#ff7f0e', shapley: '#d62728',
};

export const modelColor = (model: string): string => MODEL_COLORS[model] ?? '#64748b';

const charts = new Map<HTMLCanvasElement, Chart>();

/**
 * Draws (or redraws) a chart on a canvas and marks its figure for readers and tests: aria-busy off,
 * data-points = how many values it shows, and an aria-label summarising it.
 */
export function draw<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>, summary: string): Chart<T> {
  charts.get(canvas)?.destroy();
  const chart = new Chart(canvas, config);
  charts.set(canvas, chart as unknown as Chart);
  const points = config.data.datasets.reduce((n, d) => n + (d.data as unknown[]).length, 0);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', summary);
  const figure = canvas.closest('figure');
  if (figure) {
    figure.dataset.points = String(points);
    figure.setAttribute('aria-busy', 'false');
  }
  return chart;
}

/** A dashed vertical line at a category index, with a label: where credit definitions changed. */
export function markerPlugin(index: () => number | null, label: string): Plugin<'bar'> {
  return {
    id: 'definitionsMarker',
    afterDatasetsDraw(chart) {
      const i = index();
      if (i === null) return;
      const x = chart.scales.x.getPixelForValue(i);
      const { top, bottom } = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = '#b91c1c';
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.fillStyle = '#b91c1c';
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillText(label, Math.min(x + 4, chart.chartArea.right - ctx.measureText(label).width), top + 10);
      ctx.restore();
    },
  };
}
