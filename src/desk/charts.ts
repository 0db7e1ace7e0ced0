// The overview's charts, drawn on the server as SVG (ECharts' server-side rendering): no script in
// the browser, nothing from a CDN, and Chinese set in a CJK font family the phone has.
import * as echarts from 'echarts';

/**
 * CJK first: Noto Sans CJK (Linux, Android), PingFang (iOS), Microsoft YaHei (Windows). Single
 * quotes: ECharts writes the family into a double-quoted style attribute.
 */
export const CJK_FONTS = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

const COLORS = ['#2f6f4f', '#c0843a', '#3a6ea5', '#a54a3a', '#6b5b95', '#4f8a8b', '#8a7f4f'];

/** Drawn narrow (a phone's width) so that its words stay readable when a wide screen scales it up. */
function render(option: echarts.EChartsOption, width = 440, height = 300): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: COLORS, textStyle: { fontFamily: CJK_FONTS }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export interface Bar {
  label: string;
  value: number;
}

/** One series of bars, a title above; labels may be long (grid names), so they slant when many. */
export function barChart(title: string, bars: readonly Bar[], opts: { width?: number; height?: number } = {}): string {
  return render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 15, fontFamily: CJK_FONTS } },
      grid: { left: 36, right: 12, top: 56, bottom: bars.length > 5 ? 64 : 36 },
      xAxis: { type: 'category', data: bars.map((b) => b.label), axisLabel: { interval: 0, rotate: bars.length > 5 ? 35 : 0, fontFamily: CJK_FONTS } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: bars.map((b) => b.value), label: { show: true, position: 'top' }, barMaxWidth: 36 }],
    },
    opts.width,
    opts.height,
  );
}

/** Several series over the same categories (e.g. accepted and settled per grid). */
export function groupedBarChart(title: string, categories: readonly string[], series: ReadonlyArray<{ name: string; values: number[] }>, opts: { width?: number; height?: number } = {}): string {
  return render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 15, fontFamily: CJK_FONTS } },
      legend: { top: 30, textStyle: { fontFamily: CJK_FONTS } },
      grid: { left: 36, right: 12, top: 72, bottom: categories.length > 5 ? 70 : 36 },
      xAxis: { type: 'category', data: [...categories], axisLabel: { interval: 0, rotate: categories.length > 5 ? 35 : 0, fontFamily: CJK_FONTS } },
      yAxis: { type: 'value', minInterval: 1 },
      series: series.map((s) => ({ type: 'bar' as const, name: s.name, data: s.values, barMaxWidth: 28 })),
    },
    opts.width,
    opts.height,
  );
}

/** Shares of a whole (settled at each level). */
export function pieChart(title: string, slices: readonly Bar[], opts: { width?: number; height?: number } = {}): string {
  return render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 15, fontFamily: CJK_FONTS } },
      series: [{ type: 'pie', radius: ['35%', '62%'], top: 30, data: slices.map((s) => ({ name: s.label, value: s.value })), label: { formatter: '{b}\n{c}', fontFamily: CJK_FONTS } }],
    },
    opts.width,
    opts.height,
  );
}

/** A line over weeks. */
export function lineChart(title: string, points: readonly Bar[], opts: { width?: number; height?: number } = {}): string {
  return render(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 15, fontFamily: CJK_FONTS } },
      grid: { left: 36, right: 12, top: 56, bottom: 36 },
      xAxis: { type: 'category', data: points.map((p) => p.label), axisLabel: { fontFamily: CJK_FONTS } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'line', data: points.map((p) => p.value), label: { show: true } }],
    },
    opts.width,
    opts.height,
  );
}
