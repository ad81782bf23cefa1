// traces.js - the trace list (#/traces): every filter of GET /api/v1/traces (endpoint, model,
// version, user, session, status, minimum latency and cost, feedback, a score condition, full
// text, time window)
// in a form whose values live in the URL, so a filtered list is a link; sort by time, latency,
// cost or tokens; server-side keyset pages (PagedTable). Rows link to the trace page.
import { html } from '../html.js';
import { href } from '../router.js';
import { PagedTable, Empty, fmtTime } from '../components.js';
import { listTraces } from './obs_api.js';
import { QueryForm, StatusBadge, WINDOWS, fmtCost, fmtMs, fmtTokens, windowMs } from './obs_common.js';

const FIELDS = [
  ['q', 'Search input/output', 'text', 'words, all must occur'],
  ['endpoint', 'Endpoint', 'text'],
  ['model', 'Model', 'text'],
  ['version', 'Version', 'text'],
  ['user', 'User', 'text'],
  ['session_id', 'Session', 'text'],
  ['min_latency_ms', 'Min latency (ms)', 'text', 'e.g. 2000'],
  ['min_cost_usd', 'Min cost ($)', 'text', 'e.g. 0.01'],
  ['score', 'Score', 'text', 'e.g. helpful>=0.5'],
  ['status', 'Status', 'select', [['', 'any'], ['ok', 'ok'], ['error', 'error'], ['unset', 'unset']]],
  ['has_feedback', 'Feedback', 'select', [['', 'any'], ['true', 'with feedback'], ['false', 'without feedback']]],
  ['window', 'Started within', 'select', [['', 'all time'], ...WINDOWS.map(([n]) => [n, 'last ' + n])]],
  ['sort', 'Sort by', 'select', [['', 'time'], ['latency_ms', 'latency'], ['cost_usd', 'cost'], ['tokens', 'tokens']]],
  ['order', 'Order', 'select', [['', 'descending'], ['asc', 'ascending']]],
];
// Filters the list understands without a form field (links from other pages).
const HIDDEN = ['key_id', 'source', 'name'];
const API_PARAMS = ['q', 'endpoint', 'model', 'version', 'user', 'session_id', 'min_latency_ms', 'min_cost_usd', 'score',
  'status', 'has_feedback', 'sort', 'order', ...HIDDEN];

export function tracesParams(query) {
  const p = { limit: 50 };
  for (const k of API_PARAMS) if (query[k]) p[k] = query[k];
  const w = windowMs(query.window);
  if (w) p.since = Date.now() - w;
  return p;
}

const COLUMNS = [
  { label: 'Started', cls: 'mono', render: (t) => html`<a href=${href('/traces/' + t.trace_id)}>${fmtTime(t.start_ms)}</a>` },
  { label: 'Name', render: (t) => html`<a href=${href('/traces/' + t.trace_id)}>${t.name || t.trace_id.slice(0, 12)}</a>` },
  { label: 'Status', render: (t) => html`<${StatusBadge} value=${t.status} />` },
  { label: 'Endpoint', render: (t) => t.endpoint || '-' },
  { label: 'Model', render: (t) => t.model || t.model_name || '-' },
  { label: 'Version', render: (t) => t.version || '-' },
  { label: 'User', render: (t) => t.user || '-' },
  { label: 'Latency', cls: 'num', render: (t) => fmtMs(t.latency_ms) },
  { label: 'Tokens in/out', cls: 'num', render: (t) => fmtTokens(t.input_tokens, t.output_tokens) },
  { label: 'Cost', cls: 'num', render: (t) => fmtCost(t.cost_usd) },
  { label: 'Spans', cls: 'num', key: 'span_count' },
];

export function TracesPage({ query }) {
  const params = tracesParams(query);
  const resetKey = JSON.stringify(query);
  const hidden = Object.fromEntries(HIDDEN.filter((k) => query[k]).map((k) => [k, query[k]]));
  const filtered = Object.keys(query).some((k) => k !== 'sort' && k !== 'order' && query[k]);
  const fetchPage = async (token) => {
    const r = await listTraces({ ...params, page_token: token || undefined });
    return { rows: r.traces || [], next: r.next_page_token };
  };
  return html`<section class="traces-page">
    <div class="row"><h1>Traces</h1><a href=${href('/sessions')}>Sessions →</a></div>
    <${QueryForm} path="/traces" query=${query} fields=${FIELDS} label="trace filters" keep=${hidden} />
    ${Object.keys(hidden).length ? html`<p class="muted">Also filtered by ${Object.entries(hidden).map(([k, v]) => `${k}=${v}`).join(', ')}
      (<a href=${href('/traces', { ...query, ...Object.fromEntries(HIDDEN.map((k) => [k, ''])) })}>remove</a>)</p>` : ''}
    <${PagedTable} label="traces" columns=${COLUMNS} fetchPage=${fetchPage} resetKey=${resetKey} rowKey=${(t) => t.trace_id}
      empty=${filtered
        ? html`<${Empty} title="No trace matches these filters"><p>Widen the time window or clear a filter.</p><//>`
        : html`<${Empty} title="No traces yet">
            <p>Every gateway call is traced: send a request to <code>POST /v1/chat/completions</code>. Instrumented
            applications export spans to <code>POST /v1/traces</code> (OTLP/HTTP) or through a Langfuse SDK.</p><//>`} />
  </section>`;
}
