// obs_common.js - pieces the Traces, Sessions, Monitoring, Gateway and Datasets & evaluations
// pages share beyond components.js: formats for latency, cost, rates and tokens, the time
// windows of the filters (kept in the URL by name, "24h", resolved when the page loads, so a
// pasted link shows the last 24 hours of whenever it is opened), a chat-message viewer, the
// status badge, a filter form whose values become the URL's query, and file downloads that
// carry the API key.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { navigate } from '../router.js';
import { apiKey, ApiError } from '../api.js';
import './obs.css';

export function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '-';
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 100 ? Math.round(ms) : Number(Number(ms).toFixed(1))} ms`;
}

export function fmtCost(usd) {
  if (usd === null || usd === undefined) return '-';
  if (usd === 0) return '$0';
  if (Math.abs(usd) < 0.01) return '$' + Number(usd).toPrecision(2);
  return '$' + Number(usd).toFixed(usd < 100 ? 4 : 2);
}

export const fmtPct = (r) => (r === null || r === undefined || Number.isNaN(r) ? '-' : `${(r * 100).toFixed(1)}%`);

export function fmtTokens(i, o) {
  if ((i === null || i === undefined) && (o === null || o === undefined)) return '-';
  return `${i ?? 0} / ${o ?? 0}`;
}

export const WINDOWS = [
  ['15m', 15 * 60e3],
  ['1h', 3600e3],
  ['6h', 6 * 3600e3],
  ['24h', 24 * 3600e3],
  ['7d', 7 * 86400e3],
  ['30d', 30 * 86400e3],
];

export function windowMs(name) {
  const w = WINDOWS.find(([n]) => n === name);
  return w ? w[1] : null;
}

// ok / error / unset, evaluation statuses, alert states: green for good, red for bad.
export function StatusBadge({ value }) {
  const v = value ?? '-';
  const kind = ['ok', 'finished', 'resolved', 'pass', 'passed'].includes(v) ? 'ok'
    : ['error', 'failed', 'firing', 'fail', 'interrupted'].includes(v) ? 'bad' : '';
  return html`<span class=${'badge ' + kind}>${v}</span>`;
}

export function JsonBlock({ value, label }) {
  if (value === null || value === undefined || value === '') return html`<p class="muted">No ${label || 'value'}.</p>`;
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return html`<pre class="json-block" tabindex="0" aria-label=${label}>${text}</pre>`;
}

// Chat messages as a conversation when the value looks like OpenAI messages, else JSON/text.
export function MessagesView({ value, label }) {
  const msgs = Array.isArray(value) ? value : value && Array.isArray(value.messages) ? value.messages : null;
  if (msgs && msgs.length && msgs.every((m) => m && typeof m === 'object' && 'role' in m)) {
    return html`<div class="messages" aria-label=${label}>
      ${msgs.map((m, i) => html`<div key=${i} class=${'message role-' + m.role}>
        <span class="role">${m.role}</span>
        <div class="content">${typeof m.content === 'string' ? m.content : JSON.stringify(m.content, null, 2)}</div>
      </div>`)}
    </div>`;
  }
  return html`<${JsonBlock} value=${value} label=${label} />`;
}

// A filter form over the URL's query: fields are [name, label, kind, options]; text fields
// apply on Enter / Apply, selects at once. The form follows the URL (back button, pasted link).
export function QueryForm({ path, query, fields, label, keep = {} }) {
  const [draft, setDraft] = useState(query);
  const sig = JSON.stringify(query);
  useEffect(() => setDraft(query), [sig]);
  const apply = (next) => navigate(path, { ...keep, ...next });
  const any = fields.some(([k]) => query[k]);
  return html`<form class="filters" aria-label=${label} onSubmit=${(e) => { e.preventDefault(); apply(draft); }}>
    ${fields.map(([k, text, kind, opts]) => html`<label key=${k}>
      <span>${text}</span>
      ${kind === 'select'
        ? html`<select name=${k} value=${draft[k] || ''} onChange=${(e) => apply({ ...draft, [k]: e.target.value })}>
            ${opts.map(([v, t]) => html`<option value=${v}>${t}</option>`)}
          </select>`
        : html`<input name=${k} value=${draft[k] || ''} placeholder=${opts || ''}
            onInput=${(e) => setDraft({ ...draft, [k]: e.target.value })} />`}
    </label>`)}
    <div class="filter-actions">
      <button type="submit" class="primary">Apply</button>
      <button type="button" disabled=${!any} onClick=${() => apply({})}>Clear</button>
    </div>
  </form>`;
}

// Download a file from the API with the saved key (a plain link would not send it when the
// server requires one); the server's error is thrown as an ApiError.
export async function download(url, filename) {
  const key = apiKey();
  const res = await fetch(url, { headers: key ? { Authorization: 'Bearer ' + key } : {} });
  if (!res.ok) {
    const text = await res.text();
    let msg = text;
    try {
      msg = JSON.parse(text).error.message;
    } catch {
      /* not llmops' error shape: keep the text */
    }
    throw new ApiError(res.status, 'http_' + res.status, msg);
  }
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
