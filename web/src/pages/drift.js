// drift.js - the drift part of the monitoring page (GET /api/v1/monitor/drift): the current
// window against the same length of traffic just before it, per metric the two sides, the
// change, the test's statistic and p-value and whether it moved; for the topic mix, the terms
// that rose and fell. Loaded when opened (it reads the text of every trace of both windows).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { useApi, ErrorBanner, Loading, fmtNum } from '../components.js';
import { monitorDrift } from './obs_api.js';
import { fmtPct } from './obs_common.js';

function side(v) {
  if (!v || v.n === 0) return 'no data';
  if ('mean' in v) return `mean ${fmtNum(v.mean)}, p95 ${fmtNum(v.p95)} (n ${v.n})`;
  if ('rate' in v) return `${fmtPct(v.rate)} (${v.count} of ${v.n})`;
  if ('terms' in v) return `${v.terms} terms`;
  return JSON.stringify(v);
}

const terms = (label, list) => (list && list.length ? html`<div>${label}: ${list.map((t) =>
  html`<span class="badge">${t.term} ${fmtPct(t.baseline_share)} → ${fmtPct(t.current_share)}</span>`)}</div>` : '');

function DriftTable({ since, until, endpoint, model }) {
  const res = useApi(() => {
    // the baseline is the window of the same length just before the current one
    const len = until - since;
    return monitorDrift({ since, until, baseline_since: since - len, baseline_until: since, endpoint, model });
  }, [since, until, endpoint, model]);
  if (res.error) return html`<${ErrorBanner} error=${res.error} />`;
  if (!res.data) return html`<${Loading} />`;
  const d = res.data;
  const topic = d.metrics.find((m) => m.metric === 'topic_mix');
  return html`<p class="muted">${d.current.traces} traces now against ${d.baseline.traces} in the window before.
      Moved: p ${'<'} ${d.thresholds.max_p} and a change over ${fmtPct(d.thresholds.min_change)}; topic mix: divergence over ${d.thresholds.min_jsd}.</p>
    <table class="grid drift-table" aria-label="drift">
      <thead><tr><th>Metric</th><th>Before</th><th>Now</th><th class="num">Change</th><th>Test</th>
        <th class="num">Statistic</th><th class="num">p</th><th>Moved</th></tr></thead>
      <tbody>${d.metrics.map((m) => html`<tr key=${m.metric}>
        <td>${m.metric}</td><td>${side(m.baseline)}</td><td>${side(m.current)}</td>
        <td class="num">${m.change !== null ? fmtPct(m.change) : m.baseline?.n && m.current?.n ? 'from 0' : '-'}</td>
        <td>${m.test}</td><td class="num">${fmtNum(m.statistic)}</td><td class="num">${m.p_value === null ? '-' : Number(m.p_value).toPrecision(2)}</td>
        <td>${m.moved ? html`<span class="badge bad">moved</span>` : html`<span class="badge ok">no</span>`}</td>
      </tr>`)}</tbody>
    </table>
    ${topic && ((topic.rising || []).length || (topic.falling || []).length) ? html`<p>
      ${terms('Rising terms', topic.rising)}${terms('Falling terms', topic.falling)}</p>` : ''}`;
}

export function DriftSection(props) {
  const [open, setOpen] = useState(false);
  return html`<details class="drift" onToggle=${(e) => setOpen(e.target.open)}>
    <summary>Drift: this window against the one before it</summary>
    ${open ? html`<${DriftTable} ...${props} />` : ''}
  </details>`;
}
