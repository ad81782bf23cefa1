// monitoring.js - #/monitoring: charts over time (requests, errors, latency p50/p95/p99,
// tokens, cost, feedback rate) from GET /api/v1/monitor/summary, split by endpoint, model,
// version, key or user, filtered by endpoint, model or version and a time window, with a
// totals table for the window, drift against the window before (drift.js); then the alert
// rules, their state and events (alerts.js).
// Every control is in the URL.
import { useMemo } from 'preact/hooks';
import { html } from '../html.js';
import { navigate } from '../router.js';
import { useApi, ErrorBanner, Empty, Loading, fmtNum } from '../components.js';
import { monitorSummary } from './obs_api.js';
import { TimeChart } from './time_chart.js';
import { AlertsSection } from './alerts.js';
import { DriftSection } from './drift.js';
import { QueryForm, WINDOWS, fmtCost, fmtMs, fmtPct, windowMs } from './obs_common.js';

const BUCKET_MS = { minute: 60e3, hour: 3600e3, day: 86400e3 };
const GROUPS = ['none', 'endpoint', 'model', 'version', 'key', 'user'];

// The finest bucket that keeps a chart under about 400 points.
export function bucketFor(windowLen) {
  if (windowLen <= 6 * 3600e3) return 'minute';
  if (windowLen <= 14 * 86400e3) return 'hour';
  return 'day';
}

const groupName = (g) => (g === null || g === undefined ? '(none)' : g);

// Summary rows as chart columns: every bucket of the window on x (an empty bucket is 0 for
// counts, a gap for rates and percentiles), one column per group and field.
export function toSeries(rows, since, until, bucket) {
  const w = BUCKET_MS[bucket];
  const xs = [];
  for (let x = Math.floor(since / w) * w; x < until; x += w) xs.push(x);
  const index = new Map(xs.map((x, i) => [x, i]));
  const groups = new Map();
  for (const r of rows) {
    const g = groupName(r.group);
    if (!groups.has(g)) groups.set(g, new Array(xs.length).fill(null));
    const i = index.get(r.bucket_ms);
    if (i !== undefined) groups.get(g)[i] = r;
  }
  const column = (g, pick, zero) => groups.get(g).map((r) => (r ? pick(r) ?? null : zero ? 0 : null));
  return { xs, groups: [...groups.keys()], column };
}

const feedbackRate = (r) => (r.requests ? r.feedback / r.requests : null);

function Charts({ rows, group, since, until, bucket }) {
  const charts = useMemo(() => {
    const s = toSeries(rows, since, until, bucket);
    // one line per group; split, a chart keeps one figure per group (p95, total tokens, the
    // feedback rate) so it stays readable, the totals table has the rest
    const split = group !== 'none';
    const per = (label, pick, zero) => s.groups.map((g) => ({ label: split ? g : label, values: s.column(g, pick, zero) }));
    return {
      xs: s.xs,
      list: [
        { title: 'Requests', series: per('requests', (r) => r.requests, true) },
        { title: 'Errors', series: per('errors', (r) => r.errors, true) },
        split
          ? { title: 'Latency p95', format: fmtMs, series: per('p95', (r) => r.latency_p95) }
          : { title: 'Latency p50 / p95 / p99', format: fmtMs,
            series: [...per('p50', (r) => r.latency_p50), ...per('p95', (r) => r.latency_p95), ...per('p99', (r) => r.latency_p99)] },
        split
          ? { title: 'Tokens (input + output)', series: per('tokens', (r) => r.input_tokens + r.output_tokens, true) }
          : { title: 'Tokens (input / output)', series: [...per('input', (r) => r.input_tokens, true), ...per('output', (r) => r.output_tokens, true)] },
        { title: 'Cost (USD)', format: fmtCost, series: per('cost', (r) => r.cost_usd, true) },
        split
          ? { title: 'Feedback rate', format: fmtPct, range: [0, 1], series: per('feedback rate', feedbackRate) }
          : { title: 'Feedback rate and positive share', format: fmtPct, range: [0, 1],
            series: [...per('feedback rate', feedbackRate), ...per('positive', (r) => r.positive_feedback_rate)] },
      ],
    };
  }, [rows, group, since, until, bucket]);
  return html`<div class="chart-grid">
    ${charts.list.map((c) => html`<${TimeChart} key=${c.title} title=${c.title} xs=${charts.xs} series=${c.series} format=${c.format} range=${c.range} />`)}
  </div>`;
}

function Totals({ rows, group }) {
  const g = group !== 'none';
  return html`<table class="grid totals-table" aria-label="totals">
    <thead><tr>
      ${g ? html`<th>${group}</th>` : ''}
      <th class="num">Requests</th><th class="num">Errors</th><th class="num">Error rate</th>
      <th class="num">p50</th><th class="num">p95</th><th class="num">p99</th>
      <th class="num">Tokens in</th><th class="num">Tokens out</th><th class="num">Cost</th>
      <th class="num">Feedback</th><th class="num">Feedback rate</th><th class="num">Positive</th><th class="num">Cache hits</th>
    </tr></thead>
    <tbody>${rows.map((r) => html`<tr key=${groupName(r.group)}>
      ${g ? html`<td>${groupName(r.group)}</td>` : ''}
      <td class="num">${fmtNum(r.requests)}</td><td class="num">${fmtNum(r.errors)}</td><td class="num">${fmtPct(r.error_rate)}</td>
      <td class="num">${fmtMs(r.latency_p50)}</td><td class="num">${fmtMs(r.latency_p95)}</td><td class="num">${fmtMs(r.latency_p99)}</td>
      <td class="num">${fmtNum(r.input_tokens)}</td><td class="num">${fmtNum(r.output_tokens)}</td><td class="num">${fmtCost(r.cost_usd)}</td>
      <td class="num">${fmtNum(r.feedback)}</td><td class="num feedback-rate">${fmtPct(feedbackRate(r))}</td>
      <td class="num">${fmtPct(r.positive_feedback_rate)}</td><td class="num">${fmtPct(r.cache_hit_rate)}</td>
    </tr>`)}</tbody>
  </table>`;
}

export function MonitoringPage({ query }) {
  const win = windowMs(query.window) ? query.window : '24h';
  // the summary filters by endpoint and model; a version is picked from the version split
  const group = query.version ? 'version' : GROUPS.includes(query.group) ? query.group : 'none';
  const key = JSON.stringify([win, group, query.endpoint, query.model, query.version, query.t]);
  const res = useApi(async () => {
    const until = Date.now();
    const since = until - windowMs(win);
    const bucket = bucketFor(until - since);
    const base = { since, until, group, endpoint: query.endpoint, model: query.model };
    const [series, totals] = await Promise.all([monitorSummary({ ...base, bucket }), monitorSummary({ ...base, bucket: 'none' })]);
    const keep = (rows) => (query.version ? rows.filter((r) => r.group === query.version) : rows);
    return { since, until, bucket, rows: keep(series.rows || []), totals: keep(totals.rows || []) };
  }, [key]);
  const fields = [
    ['window', 'Window', 'select', WINDOWS.map(([n]) => [n, 'last ' + n])],
    ['group', 'Split by', 'select', GROUPS.map((g) => [g === 'none' ? '' : g, g === 'none' ? 'nothing' : g])],
    ['endpoint', 'Endpoint', 'text'],
    ['model', 'Model', 'text'],
    ['version', 'Version', 'text'],
  ];
  const d = res.data;
  const requests = d ? d.totals.reduce((a, r) => a + r.requests, 0) : 0;
  return html`<section class="monitoring-page">
    <div class="row"><h1>Monitoring</h1>
      <button type="button" onClick=${() => navigate('/monitoring', { ...query, t: String(Date.now()) })}>Refresh</button></div>
    <${QueryForm} path="/monitoring" query=${{ ...query, window: win }} fields=${fields} label="monitoring filters" />
    <${ErrorBanner} error=${res.error} />
    ${res.loading && !d ? html`<${Loading} />` : ''}
    ${d ? html`<p class="muted">${fmtNum(requests)} requests in the last ${win}, per ${d.bucket}. Feedback rate = traces with a
        human score / requests; positive = the share of that feedback that is positive.</p>
      ${d.totals.length === 0
        ? html`<${Empty} title="No traffic in this window">
            <p>Widen the window${query.endpoint || query.model || query.version ? ' or clear a filter' : ''}, or send requests
            through the gateway (<code>POST /v1/chat/completions</code>).</p><//>`
        : html`<${Totals} rows=${d.totals} group=${group} />
          <${Charts} rows=${d.rows} group=${group} since=${d.since} until=${d.until} bucket=${d.bucket} />
          <${DriftSection} since=${d.since} until=${d.until} endpoint=${query.endpoint} model=${query.model} />`}` : ''}
    <${AlertsSection} />
  </section>`;
}
