// sessions.js - sessions, the traces that share a session_id (a conversation): the list
// (#/sessions: most recent activity first, filter by user, server-side keyset pages) and one
// session (#/sessions/<id>: its totals, then its traces oldest first with each turn's input
// and output).
import { html } from '../html.js';
import { href } from '../router.js';
import { PagedTable, Empty, useApi, Loaded, fmtTime } from '../components.js';
import { getSession, listSessions } from './obs_api.js';
import { MessagesView, QueryForm, StatusBadge, fmtCost, fmtMs, fmtTokens } from './obs_common.js';

const COLUMNS = [
  { label: 'Session', render: (s) => html`<a href=${href('/sessions/' + encodeURIComponent(s.session_id))}>${s.session_id}</a>` },
  { label: 'User', render: (s) => s.user || '-' },
  { label: 'Traces', cls: 'num', key: 'trace_count' },
  { label: 'First', cls: 'mono', render: (s) => fmtTime(s.first_start_ms) },
  { label: 'Last', cls: 'mono', render: (s) => fmtTime(s.last_start_ms) },
  { label: 'Tokens in/out', cls: 'num', render: (s) => fmtTokens(s.input_tokens, s.output_tokens) },
  { label: 'Cost', cls: 'num', render: (s) => fmtCost(s.cost_usd) },
  { label: 'Errors', cls: 'num', key: 'errors' },
];

export function SessionsPage({ query }) {
  const fetchPage = async (token) => {
    const r = await listSessions({ user: query.user, page_token: token || undefined, limit: 50 });
    return { rows: r.sessions || [], next: r.next_page_token };
  };
  return html`<section class="sessions-page">
    <div class="crumbs"><a href=${href('/traces')}>Traces</a> /</div>
    <h1>Sessions</h1>
    <${QueryForm} path="/sessions" query=${query} fields=${[['user', 'User', 'text']]} label="session filters" />
    <${PagedTable} label="sessions" columns=${COLUMNS} fetchPage=${fetchPage} resetKey=${query.user || ''} rowKey=${(s) => s.session_id}
      empty=${html`<${Empty} title=${query.user ? 'No session of user ' + query.user : 'No sessions yet'}>
        <p>A session groups the traces that carry the same session id: send <code>X-Llmops-Session-Id</code> with gateway
        requests, <code>session.id</code> on OTLP spans, or <code>sessionId</code> from a Langfuse SDK.</p><//>`} />
  </section>`;
}

function Session({ id, s }) {
  return html`
    <dl class="kv summary">
      <dt>User</dt><dd>${s.user || '-'}</dd>
      <dt>Traces</dt><dd>${s.trace_count} (<a href=${href('/traces', { session_id: id })}>as a list</a>)</dd>
      <dt>From</dt><dd>${fmtTime(s.first_start_ms)}</dd>
      <dt>To</dt><dd>${fmtTime(s.last_start_ms)}</dd>
      <dt>Tokens in/out</dt><dd>${fmtTokens(s.input_tokens, s.output_tokens)}</dd>
      <dt>Cost</dt><dd>${fmtCost(s.cost_usd)}</dd>
      <dt>Errors</dt><dd>${s.errors}</dd>
    </dl>
    ${s.truncated ? html`<p class="error">Only the first 1000 traces of this session are shown.</p>` : ''}
    <ol class="conversation">
      ${(s.traces || []).map((t) => html`<li key=${t.trace_id} class="turn">
        <div class="turn-head">
          <a href=${href('/traces/' + t.trace_id)}>${fmtTime(t.start_ms)} · ${t.name || t.trace_id.slice(0, 12)}</a>
          ${' '}<${StatusBadge} value=${t.status} /> <span class="muted">${fmtMs(t.latency_ms)} · ${fmtCost(t.cost_usd)}</span>
        </div>
        <div class="split">
          <div><h4>Input</h4><${MessagesView} value=${t.input} label="input" /></div>
          <div><h4>Output</h4><${MessagesView} value=${t.output} label="output" /></div>
        </div>
      </li>`)}
    </ol>`;
}

export function SessionViewPage({ params }) {
  const id = params.id;
  const res = useApi(() => getSession(id), [id]);
  return html`<section class="session-page">
    <div class="crumbs"><a href=${href('/sessions')}>Sessions</a> /</div>
    <h1>Session ${id}</h1>
    <${Loaded} result=${res} render=${(s) => html`<${Session} id=${id} s=${s} />`} />
  </section>`;
}
