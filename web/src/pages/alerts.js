// alerts.js - the alert rules part of the monitoring page: each rule with what it watches and
// its state per group (firing / ok and the value that decided it), the latest events with their
// webhook delivery, "Evaluate now", a form to add a rule, and delete behind a confirmation.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { useApi, ErrorBanner, Empty, fmtNum, fmtTime } from '../components.js';
import { createAlertRule, deleteAlertRule, evaluateAlerts, getAlertRule, listAlertEvents, listAlertRules } from './obs_api.js';
import { StatusBadge } from './obs_common.js';

const METRICS = ['requests', 'errors', 'error_rate', 'latency_p50', 'latency_p95', 'latency_p99', 'ttft_p50', 'ttft_p95',
  'ttft_p99', 'input_tokens', 'output_tokens', 'tokens', 'cost_usd', 'cache_hit_rate', 'feedback', 'positive_feedback_rate', 'guardrail_hits'];
const GROUPS = ['none', 'endpoint', 'model', 'version', 'user', 'key'];

// The list has no states: each rule is read too (rules are few).
async function loadAlerts() {
  const [{ rules }, { events }] = await Promise.all([listAlertRules(), listAlertEvents({ limit: 20 })]);
  const full = await Promise.all(rules.map((r) => getAlertRule(r.id).then((x) => x.rule)));
  return { rules: full, events };
}

function RuleState({ states }) {
  if (!states || !states.length) return html`<span class="muted">not judged yet</span>`;
  return html`<ul class="states">${states.map((s) => html`<li key=${s.group}>
    <${StatusBadge} value=${s.state} /> ${s.group ? html`<span>${s.group}</span>` : ''}
    <span class="muted"> value ${fmtNum(s.value)} since ${fmtTime(s.since_ms)}</span></li>`)}</ul>`;
}

function NewRuleForm({ onCreated }) {
  const blank = { name: '', metric: 'error_rate', group: 'none', endpoint: '', window_s: '300', comparison: '>', threshold: '', min_requests: '10', webhook_url: '' };
  const [f, setF] = useState(blank);
  const [error, setError] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const body = { name: f.name, metric: f.metric, group: f.group, window_s: Number(f.window_s), comparison: f.comparison,
      threshold: Number(f.threshold), min_requests: Number(f.min_requests) };
    if (f.endpoint) body.endpoint = f.endpoint;
    if (f.webhook_url) body.webhook_url = f.webhook_url;
    setError(null);
    try {
      await createAlertRule(body);
      setF(blank);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  const sel = (k, opts) => html`<select name=${k} value=${f[k]} onChange=${set(k)}>${opts.map((o) => html`<option value=${o}>${o}</option>`)}</select>`;
  return html`<form class="filters" aria-label="new alert rule" onSubmit=${submit}>
    <label><span>Name</span><input name="name" required value=${f.name} onInput=${set('name')} /></label>
    <label><span>Metric</span>${sel('metric', METRICS)}</label>
    <label><span>Per</span>${sel('group', GROUPS)}</label>
    <label><span>Endpoint</span><input name="endpoint" value=${f.endpoint} onInput=${set('endpoint')} placeholder="all" /></label>
    <label><span>Window (s)</span><input name="window_s" required inputmode="numeric" value=${f.window_s} onInput=${set('window_s')} /></label>
    <label><span>Fires when</span>${sel('comparison', ['>', '>=', '<', '<='])}</label>
    <label><span>Threshold</span><input name="threshold" required inputmode="decimal" value=${f.threshold} onInput=${set('threshold')} /></label>
    <label><span>Min requests</span><input name="min_requests" inputmode="numeric" value=${f.min_requests} onInput=${set('min_requests')} /></label>
    <label><span>Webhook URL</span><input name="webhook_url" value=${f.webhook_url} onInput=${set('webhook_url')} placeholder="optional" /></label>
    <div class="filter-actions"><button type="submit" class="primary">Add rule</button></div>
    <${ErrorBanner} error=${error} />
  </form>`;
}

export function AlertsSection() {
  const res = useApi(loadAlerts, []);
  const [confirm, setConfirm] = useState(null);
  const [error, setError] = useState(null);
  const [evaluated, setEvaluated] = useState(null);
  const act = async (fn) => {
    setError(null);
    try {
      await fn();
      res.reload();
    } catch (err) {
      setError(err);
    }
  };
  const d = res.data;
  return html`<section class="alerts" aria-labelledby="alerts-h">
    <h2 id="alerts-h">Alert rules</h2>
    <${ErrorBanner} error=${res.error || error} />
    ${d && !d.rules.length ? html`<${Empty} title="No alert rules">
      <p>Add one below, e.g. <code>error_rate > 0.05</code> per endpoint over 300 s. The server evaluates rules every 30 s and
      POSTs firing / resolved events to the rule's webhook.</p><//>` : ''}
    ${d && d.rules.length ? html`<table class="grid rules-table" aria-label="alert rules">
      <thead><tr><th>Rule</th><th>Condition</th><th>Scope</th><th>State</th><th></th></tr></thead>
      <tbody>${d.rules.map((r) => html`<tr key=${r.id}>
        <td>${r.name}${r.enabled === false ? html`<span class="muted"> (disabled)</span>` : ''}</td>
        <td><code>${r.metric} ${r.comparison} ${r.threshold}</code> over ${r.window_s} s, at least ${r.min_requests} requests</td>
        <td>${r.group && r.group !== 'none' ? 'per ' + r.group : 'all traffic'}${r.endpoint ? ', endpoint ' + r.endpoint : ''}${r.model ? ', model ' + r.model : ''}</td>
        <td><${RuleState} states=${r.states} /></td>
        <td>${confirm === r.id
          ? html`<span role="group" aria-label="confirm delete">Delete ${r.name}?
              <button type="button" class="danger" onClick=${() => { setConfirm(null); act(() => deleteAlertRule(r.id)); }}>Delete</button>
              <button type="button" onClick=${() => setConfirm(null)}>Cancel</button></span>`
          : html`<button type="button" onClick=${() => setConfirm(r.id)}>Delete…</button>`}</td>
      </tr>`)}</tbody>
    </table>` : ''}
    <p><button type="button" onClick=${() => act(async () => setEvaluated(await evaluateAlerts()))}>Evaluate now</button>
      ${evaluated ? html`<span class="muted"> evaluated ${evaluated.evaluated} rules, ${evaluated.events.length} state changes</span>` : ''}</p>
    <details><summary>Add an alert rule</summary><${NewRuleForm} onCreated=${res.reload} /></details>
    <h3>Recent alert events</h3>
    ${d && !d.events.length ? html`<p class="muted">No alert has fired yet.</p>` : ''}
    ${d && d.events.length ? html`<table class="grid events-table" aria-label="alert events">
      <thead><tr><th>When</th><th>Rule</th><th>Group</th><th>State</th><th>Value</th><th>Webhook</th></tr></thead>
      <tbody>${d.events.map((e) => html`<tr key=${e.id}>
        <td class="mono">${fmtTime(e.at_ms)}</td><td>${e.rule}</td><td>${e.group ?? '-'}</td><td><${StatusBadge} value=${e.state} /></td>
        <td>${fmtNum(e.value)} ${e.comparison} ${e.threshold}</td><td>${e.delivery}${e.last_error ? ` (${e.last_error})` : ''}</td>
      </tr>`)}</tbody>
    </table>` : ''}
  </section>`;
}
