// time_chart.js - a time-series line chart on uPlot for the monitoring and gateway pages (the
// shared Chart in components.js plots steps): x in epoch ms, one line per series, gaps where a
// value is null, values and axis formatted by `format`, y over `range` when given. Rebuilt
// when the data changes.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../html.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

export function TimeChart({ title, xs, series, format, range, height = 200 }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !xs.length) return undefined;
    const fmt = format ? (u, v) => (v === null || v === undefined ? '-' : format(v)) : undefined;
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth || 600, 300),
        height,
        // range: a fixed y range ([0, 1] for rates), else uPlot fits the data
        scales: { x: { time: true }, ...(range ? { y: { range } } : {}) },
        axes: [{}, { size: 64, values: format ? (u, vals) => vals.map((v) => (v === null ? '' : format(v))) : undefined }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            points: { show: xs.length < 60 },
            value: fmt,
          })),
        ],
      },
      // uPlot's time scale is in seconds
      [xs.map((x) => x / 1000), ...series.map((s) => s.values)],
      el
    );
    const resize = () => plot.setSize({ width: Math.max(el.clientWidth || 600, 300), height });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [xs, series, height]);
  return html`<figure class="timechart" aria-label=${title}>
    <figcaption>${title}</figcaption>
    ${xs.length ? html`<div ref=${box} class="chart" role="img" aria-label=${title}></div>` : html`<p class="muted">No data in this window.</p>`}
  </figure>`;
}
