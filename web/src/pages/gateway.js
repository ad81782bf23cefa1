// gateway.js - #/gateway: the gateway's endpoints with their targets and traffic split, the API
// keys with limits, usage and spend against budget, a spend-per-key chart (the monitoring
// summary grouped by key), creating a key (its secret shown once, with a copy button and a
// warning) and revoking one behind a confirmation.
import { useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { href } from '../router.js';
import { useApi, ErrorBanner, Empty, fmtNum, fmtTime } from '../components.js';
import { createKey, listEndpoints, listKeys, monitorSummary, revokeKey } from './obs_api.js';
import { TimeChart } from './time_chart.js';
import { toSeries } from './monitoring.js';
import { fmtCost } from './obs_common.js';

const targetLabel = (t) => t.model_ref || `${t.provider || '?'}:${t.model || '?'}`;

function Targets({ targets }) {
  const list = targets || [];
  const total = list.reduce((a, t) => a + (t.weight ?? 1), 0);
  return html`<ul class="targets">${list.map((t, i) => {
    const w = t.weight ?? 1;
    const share = total > 0 ? w / total : 0;
    return html`<li key=${i}>
      <span class="weight-bar" aria-hidden="true"><span style=${{ width: share * 100 + '%' }}></span></span>
      <span class="mono">${t.name ? t.name + ': ' : ''}${targetLabel(t)}</span>
      <span class="muted"> weight ${w} (${w === 0 ? 'fallback only' : Math.round(share * 100) + '%'})</span>
      ${t.prompt ? html`<span class="muted"> · prompt ${t.prompt}</span>` : ''}
      ${t.base_url ? html`<span class="muted"> · ${t.base_url}</span>` : ''}
    </li>`;
  })}</ul>`;
}

function Endpoints() {
  const res = useApi(listEndpoints, []);
  const eps = res.data?.endpoints || [];
  return html`<section aria-labelledby="endpoints-h">
    <h2 id="endpoints-h">Endpoints</h2>
    <${ErrorBanner} error=${res.error} />
    ${res.data && !eps.length ? html`<${Empty} title="No endpoints">
      <p>Create one with <code>POST /api/v1/endpoints</code>, <code>llmops endpoints create</code> or an <code>endpoints:</code>
      list in the server's config file; requests then name it as their <code>model</code>.</p><//>` : ''}
    ${eps.length ? html`<table class="grid endpoints-table" aria-label="endpoints">
      <thead><tr><th>Endpoint</th><th>Targets and weights</th><th>Cache</th><th>Source</th><th>Traffic</th></tr></thead>
      <tbody>${eps.map((e) => html`<tr key=${e.name}>
        <td><strong>${e.name}</strong>${e.description ? html`<div class="muted">${e.description}</div>` : ''}</td>
        <td><${Targets} targets=${e.spec?.targets} /></td>
        <td>${e.spec?.cache?.enabled ? `on, ${e.spec.cache.ttl_s ?? 300} s` : 'off'}</td>
        <td>${e.source}</td>
        <td><a href=${href('/traces', { endpoint: e.name })}>traces</a> · <a href=${href('/monitoring', { endpoint: e.name })}>monitoring</a></td>
      </tr>`)}</tbody>
    </table>` : ''}
  </section>`;
}

// The secret of a key just created: shown once, never again.
function NewSecret({ created, onDone }) {
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied('Copied');
    } catch {
      // no clipboard permission (plain http): select the text so Ctrl+C copies it
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('new-key-secret'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      setCopied('Selected: press Ctrl+C');
    }
  };
  return html`<div class="secret-box" role="alert" aria-label="new key secret">
    <p><strong>Key “${created.key.name}” created.</strong> Copy its secret now: <strong>it will not be shown again</strong>
      (the server keeps only its hash).</p>
    <p><code id="new-key-secret" class="secret">${created.secret}</code>
      <button type="button" onClick=${copy}>Copy</button> <span class="muted">${copied}</span></p>
    <p class="muted">Send it as <code>Authorization: Bearer …</code> on gateway requests.</p>
    <button type="button" class="primary" onClick=${onDone}>I have saved it</button>
  </div>`;
}

function NewKeyForm({ onCreated }) {
  const blank = { name: '', allowed_endpoints: '', rpm: '', tpm: '', budget_usd: '' };
  const [f, setF] = useState(blank);
  const [error, setError] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const body = { name: f.name.trim() };
    const eps = f.allowed_endpoints.split(',').map((s) => s.trim()).filter(Boolean);
    if (eps.length) body.allowed_endpoints = eps;
    // numbers are sent as typed: the server names a bad one
    for (const k of ['rpm', 'tpm', 'budget_usd']) if (f[k].trim()) body[k] = Number(f[k]);
    setError(null);
    try {
      const out = await createKey(body);
      setF(blank);
      onCreated(out);
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="filters" aria-label="new API key" onSubmit=${submit}>
    <label><span>Name</span><input name="name" required value=${f.name} onInput=${set('name')} /></label>
    <label><span>Allowed endpoints</span><input name="allowed_endpoints" value=${f.allowed_endpoints} onInput=${set('allowed_endpoints')} placeholder="all (or a,b)" /></label>
    <label><span>Requests/min</span><input name="rpm" inputmode="numeric" value=${f.rpm} onInput=${set('rpm')} placeholder="unlimited" /></label>
    <label><span>Tokens/min</span><input name="tpm" inputmode="numeric" value=${f.tpm} onInput=${set('tpm')} placeholder="unlimited" /></label>
    <label><span>Budget ($)</span><input name="budget_usd" inputmode="decimal" value=${f.budget_usd} onInput=${set('budget_usd')} placeholder="none" /></label>
    <div class="filter-actions"><button type="submit" class="primary">Create key</button></div>
    <${ErrorBanner} error=${error} />
  </form>`;
}

function Spend({ budget, spent }) {
  if (budget === null || budget === undefined) return fmtCost(spent);
  const share = budget > 0 ? Math.min(spent / budget, 1) : 1;
  return html`<span title=${`${fmtCost(spent)} of ${fmtCost(budget)}`}>${fmtCost(spent)} / ${fmtCost(budget)}
    <span class=${'budget-bar' + (share >= 0.9 ? ' near' : '')} aria-hidden="true"><span style=${{ width: share * 100 + '%' }}></span></span></span>`;
}

function SpendChart({ keys }) {
  // spend per key per day over 30 days: the monitoring summary grouped by key
  const res = useApi(async () => {
    const until = Date.now();
    const since = until - 30 * 86400e3;
    const out = await monitorSummary({ since, until, bucket: 'day', group: 'key' });
    return { since, until, rows: (out.rows || []).filter((r) => r.group !== null) };
  }, []);
  const chart = useMemo(() => {
    if (!res.data) return null;
    const s = toSeries(res.data.rows, res.data.since, res.data.until, 'day');
    const names = new Map(keys.map((k) => [k.id, k.name]));
    return { xs: s.xs, series: s.groups.map((g) => ({ label: names.get(g) || g, values: s.column(g, (r) => r.cost_usd, true) })) };
  }, [res.data, keys]);
  if (res.error) return html`<${ErrorBanner} error=${res.error} />`;
  if (!chart || !chart.series.length) return '';
  return html`<${TimeChart} title="Spend per key per day (last 30 days)" xs=${chart.xs} series=${chart.series} format=${fmtCost} />`;
}

function KeyRow({ k, confirming, onAsk, onCancel, onRevoke }) {
  return html`<tr class=${k.revoked_at ? 'revoked' : ''}>
    <td>${k.name}</td>
    <td><code>${k.prefix}…</code><div class="muted mono">${k.id}</div></td>
    <td>${k.allowed_endpoints ? k.allowed_endpoints.join(', ') : 'all'}</td>
    <td class="num">${k.rpm || '∞'} / ${k.tpm || '∞'}</td>
    <td><${Spend} budget=${k.budget_usd} spent=${k.usage?.spent_usd ?? 0} /></td>
    <td class="num">${k.usage ? fmtNum(k.usage.requests) : '-'}</td>
    <td class="num">${k.usage ? `${fmtNum(k.usage.input_tokens)} / ${fmtNum(k.usage.output_tokens)}` : '-'}</td>
    <td class="mono">${fmtTime(k.created_at)}</td>
    <td>${k.revoked_at
      ? html`<span class="badge bad">revoked ${fmtTime(k.revoked_at)}</span>`
      : confirming
        ? html`<span role="group" aria-label="confirm revoke">Revoke “${k.name}”? Requests with it will be refused.
            <button type="button" class="danger" onClick=${onRevoke}>Revoke</button>
            <button type="button" onClick=${onCancel}>Cancel</button></span>`
        : html`<button type="button" onClick=${onAsk}>Revoke…</button>`}
      ${' '}<a href=${href('/traces', { key_id: k.id })}>traces</a></td>
  </tr>`;
}

function Keys() {
  const res = useApi(listKeys, []);
  const [created, setCreated] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const [error, setError] = useState(null);
  const keys = res.data?.keys || [];
  const revoke = async (id) => {
    setConfirm(null);
    setError(null);
    try {
      await revokeKey(id);
      res.reload();
    } catch (err) {
      setError(err);
    }
  };
  return html`<section aria-labelledby="keys-h">
    <h2 id="keys-h">API keys</h2>
    ${created ? html`<${NewSecret} created=${created} onDone=${() => setCreated(null)} />` : ''}
    <${ErrorBanner} error=${res.error || error} />
    ${res.data && !keys.length ? html`<${Empty} title="No API keys">
      <p>Create one below; gateway requests then send it as a Bearer token.</p><//>` : ''}
    ${keys.length ? html`<table class="grid keys-table" aria-label="API keys">
      <thead><tr><th>Name</th><th>Key</th><th>Endpoints</th><th class="num">RPM / TPM</th><th>Spent / budget</th>
        <th class="num">Requests</th><th class="num">Tokens in/out</th><th>Created</th><th>Status</th></tr></thead>
      <tbody>${keys.map((k) => html`<${KeyRow} key=${k.id} k=${k} confirming=${confirm === k.id}
        onAsk=${() => setConfirm(k.id)} onCancel=${() => setConfirm(null)} onRevoke=${() => revoke(k.id)} />`)}</tbody>
    </table>` : ''}
    <h3>Create a key</h3>
    <${NewKeyForm} onCreated=${(out) => { setCreated(out); res.reload(); }} />
    <${SpendChart} keys=${keys} />
  </section>`;
}

export function GatewayPage() {
  return html`<section class="gateway-page"><h1>Gateway</h1><${Endpoints} /><${Keys} /></section>`;
}
