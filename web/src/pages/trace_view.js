// trace_view.js - one trace (#/traces/<trace_id>): its summary, input and output, the span tree
// on a timeline (each bar placed by the span's start and sized by its duration, nested under
// its parent; arrow keys move through it), the selected span's input, output, attributes and
// events, the trace's scores, and a form that adds a score / comment / correction
// (POST /api/v1/feedback) and shows it at once. The selected span is in the URL (?span=ID).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { href, setQuery } from '../router.js';
import { useApi, ErrorBanner, Loading, fmtTime } from '../components.js';
import { addFeedback, getTrace } from './obs_api.js';
import { JsonBlock, MessagesView, StatusBadge, fmtCost, fmtMs, fmtTokens } from './obs_common.js';

// The tree flattened depth-first, each span with its depth, in the order the timeline lists them.
export function flattenTree(tree) {
  const out = [];
  const walk = (nodes, depth) => {
    for (const s of nodes || []) {
      out.push({ span: s, depth });
      walk(s.children, depth + 1);
    }
  };
  walk(tree, 0);
  return out;
}

// A span's duration: its measured latency (sub-millisecond for fast calls) when it has one,
// else end - start (whole milliseconds).
function duration(span) {
  if (span.latency_ms !== null && span.latency_ms !== undefined) return span.latency_ms;
  if (span.start_ms === null || span.start_ms === undefined || span.end_ms === null || span.end_ms === undefined) return 0;
  return Math.max(0, span.end_ms - span.start_ms);
}

// The timeline's range: the trace's, widened to every span's.
function timeRange(trace, rows) {
  let lo = trace.start_ms ?? Infinity;
  let hi = trace.end_ms ?? -Infinity;
  for (const { span } of rows) {
    if (span.start_ms !== null && span.start_ms !== undefined) {
      lo = Math.min(lo, span.start_ms);
      hi = Math.max(hi, span.start_ms + duration(span));
    }
    if (span.end_ms !== null && span.end_ms !== undefined) hi = Math.max(hi, span.end_ms);
  }
  if (!Number.isFinite(lo)) lo = 0;
  if (!Number.isFinite(hi) || hi <= lo) hi = lo + 1; // a zero-length trace still gets an axis
  return [lo, hi];
}

function Timeline({ trace, rows, selected, onSelect }) {
  const [lo, hi] = timeRange(trace, rows);
  const total = hi - lo;
  const onKey = (i) => (e) => {
    const to = e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : -1;
    if (to >= 0 && to < rows.length) {
      e.preventDefault();
      onSelect(rows[to].span.span_id, true);
    } else if (e.key === 'Enter') onSelect(rows[i].span.span_id);
  };
  return html`<div class="timeline" role="tree" aria-label="span tree">
    <div class="tl-row tl-axis" aria-hidden="true">
      <span class="tl-label">Span</span>
      <span class="tl-track">${[0, 0.25, 0.5, 0.75, 1].map((t) => html`<span class="tick" style=${{ left: t * 100 + '%' }}>${fmtMs(t * total)}</span>`)}</span>
    </div>
    ${rows.map(({ span, depth }, i) => {
      const start = (span.start_ms ?? lo) - lo;
      const dur = duration(span);
      const left = (start / total) * 100;
      const width = Math.max((dur / total) * 100, 0.4);
      const sel = span.span_id === selected;
      return html`<div key=${span.span_id} id=${'span-' + span.span_id} role="treeitem" aria-level=${depth + 1}
          aria-selected=${sel ? 'true' : 'false'} tabindex="0"
          class=${'tl-row' + (sel ? ' selected' : '') + (span.status === 'error' ? ' is-error' : '')}
          onClick=${() => onSelect(span.span_id)} onKeyDown=${onKey(i)}>
        <span class="tl-label" style=${{ paddingLeft: depth * 16 + 4 + 'px' }} title=${span.name}>
          ${span.name}${span.orphan ? html` <span class="muted">(parent missing)</span>` : ''}
          ${span.type ? html` <span class="badge">${span.type}</span>` : ''}
        </span>
        <span class="tl-track">
          <span class=${'bar bar-' + (span.type || 'span')} style=${{ left: left + '%', width: width + '%' }}
            title=${`+${fmtMs(start)} · ${fmtMs(dur)}`}></span>
          ${width > 25
            ? html`<span class="bar-text inside" style=${{ left: left + '%' }}>${fmtMs(dur)}</span>`
            : html`<span class="bar-text" style=${{ left: left + width + '%' }}>${fmtMs(dur)}</span>`}
        </span>
      </div>`;
    })}
  </div>`;
}

function SpanDetails({ span }) {
  if (!span) return html`<p class="muted">Select a span to see its input, output and attributes.</p>`;
  const attrs = span.attributes && typeof span.attributes === 'object' ? Object.entries(span.attributes) : [];
  const has = (v) => v !== null && v !== undefined;
  return html`<div class="span-details" aria-label="selected span">
    <h3>${span.name} <${StatusBadge} value=${span.status} /></h3>
    <dl class="kv">
      <dt>Span id</dt><dd class="mono">${span.span_id}</dd>
      <dt>Kind / type</dt><dd>${span.kind || '-'} / ${span.type || '-'}</dd>
      <dt>Started</dt><dd>${fmtTime(span.start_ms)}</dd>
      <dt>Duration</dt><dd>${fmtMs(duration(span))}</dd>
      ${span.model ? html`<dt>Model</dt><dd>${span.model}</dd>` : ''}
      ${has(span.input_tokens) || has(span.output_tokens) ? html`<dt>Tokens in/out</dt><dd>${fmtTokens(span.input_tokens, span.output_tokens)}</dd>` : ''}
      ${has(span.cost_usd) ? html`<dt>Cost</dt><dd>${fmtCost(span.cost_usd)}</dd>` : ''}
      ${span.status_message ? html`<dt>Status message</dt><dd>${span.status_message}</dd>` : ''}
    </dl>
    <h4>Input</h4><${MessagesView} value=${span.input} label="span input" />
    <h4>Output</h4><${MessagesView} value=${span.output} label="span output" />
    <h4>Attributes</h4>
    ${attrs.length === 0 ? html`<p class="muted">No attributes.</p>` : html`<table class="grid attrs" aria-label="attributes"><tbody>
      ${attrs.map(([k, v]) => html`<tr key=${k}><th scope="row" class="mono">${k}</th><td>${typeof v === 'string' ? v : JSON.stringify(v)}</td></tr>`)}
    </tbody></table>`}
    ${Array.isArray(span.events) && span.events.length ? html`<h4>Events</h4><${JsonBlock} value=${span.events} label="events" />` : ''}
  </div>`;
}

function ScoresTable({ scores }) {
  if (!scores.length) return html`<p class="muted">No feedback yet: add a score below.</p>`;
  return html`<table class="grid scores-table" aria-label="scores">
    <thead><tr><th>Name</th><th>Value</th><th>Source</th><th>Author</th><th>Comment</th><th>Correction</th><th>Span</th><th>When</th></tr></thead>
    <tbody>${scores.map((s) => html`<tr key=${s.id}>
      <td>${s.name}</td>
      <td><strong>${String(s.value)}</strong> <span class="muted">${s.data_type}</span></td>
      <td>${s.source}</td><td>${s.author || '-'}</td><td>${s.comment || '-'}</td>
      <td class="wrap">${s.correction || '-'}</td>
      <td class="mono">${s.span_id ? s.span_id.slice(0, 8) : '-'}</td>
      <td class="mono">${fmtTime(s.created_ms)}</td>
    </tr>`)}</tbody>
  </table>`;
}

// The value as the API wants it for the chosen type (NaN: not a number, refused before sending).
function feedbackValue(type, raw) {
  if (type === 'boolean') return raw === 'true';
  if (type === 'numeric') return raw.trim() === '' ? NaN : Number(raw);
  return raw;
}

function FeedbackForm({ traceId, spanId, onAdded }) {
  const blank = { name: 'thumbs', data_type: 'boolean', value: 'true', comment: '', correction: '', author: '', onSpan: false };
  const [f, setF] = useState(blank);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const value = feedbackValue(f.data_type, f.value);
    if (f.data_type === 'numeric' && !Number.isFinite(value)) {
      setError({ message: 'the value must be a number', field: 'value' });
      return;
    }
    // source human: the monitoring feedback rate counts human scores
    const body = { trace_id: traceId, name: f.name.trim(), data_type: f.data_type, value, source: 'human' };
    if (f.comment.trim()) body.comment = f.comment;
    if (f.correction.trim()) body.correction = f.correction;
    if (f.author.trim()) body.author = f.author.trim();
    if (f.onSpan && spanId) body.span_id = spanId;
    setBusy(true);
    setError(null);
    try {
      const out = await addFeedback(body);
      onAdded(out.score);
      setF({ ...f, comment: '', correction: '' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="filters feedback-form" aria-label="add feedback" onSubmit=${submit}>
    <label><span>Score name</span><input name="name" required value=${f.name} onInput=${set('name')} /></label>
    <label><span>Type</span>
      <select name="data_type" value=${f.data_type}
        onChange=${(e) => setF({ ...f, data_type: e.target.value, value: e.target.value === 'boolean' ? 'true' : '' })}>
        <option value="boolean">thumbs up/down</option><option value="numeric">number</option><option value="categorical">category</option>
      </select></label>
    <label><span>Value</span>
      ${f.data_type === 'boolean'
        ? html`<select name="value" value=${f.value} onChange=${set('value')}>
            <option value="true">true (good)</option><option value="false">false (bad)</option></select>`
        : html`<input name="value" required value=${f.value} onInput=${set('value')}
            inputmode=${f.data_type === 'numeric' ? 'decimal' : 'text'} placeholder=${f.data_type === 'numeric' ? 'e.g. 4' : 'e.g. good'} />`}
    </label>
    <label><span>Author</span><input name="author" value=${f.author} onInput=${set('author')} placeholder="you" /></label>
    <label class="wide"><span>Comment</span><input name="comment" value=${f.comment} onInput=${set('comment')} /></label>
    <label class="wide"><span>Correction (the answer that was wanted)</span>
      <textarea name="correction" rows="3" value=${f.correction} onInput=${set('correction')}></textarea></label>
    ${spanId ? html`<label class="check"><input type="checkbox" name="onSpan" checked=${f.onSpan} onChange=${set('onSpan')} /> about the selected span only</label>` : ''}
    <div class="filter-actions"><button type="submit" class="primary" disabled=${busy}>${busy ? 'Saving…' : 'Add feedback'}</button></div>
    <${ErrorBanner} error=${error} />
  </form>`;
}

export function TraceViewPage({ params, query }) {
  const id = params.id;
  const res = useApi(() => getTrace(id), [id]);
  const [added, setAdded] = useState([]);
  const back = html`<div class="crumbs"><a href=${href('/traces')}>Traces</a> /</div>`;
  if (res.error) return html`<section>${back}<h1>Trace ${id}</h1><${ErrorBanner} error=${res.error} /></section>`;
  if (!res.data) return html`<section>${back}<${Loading} /></section>`;
  const t = res.data;
  const rows = flattenTree(t.tree);
  const selectedId = query.span || (rows[0] && rows[0].span.span_id);
  const selected = rows.find((r) => r.span.span_id === selectedId)?.span;
  const select = (spanId, focus) => {
    setQuery({ span: spanId });
    if (focus) setTimeout(() => document.getElementById('span-' + spanId)?.focus(), 0);
  };
  // a score just added shows before the reload that confirms it arrives
  const known = new Set((t.scores || []).map((s) => s.id));
  const scores = [...(t.scores || []), ...added.filter((s) => !known.has(s.id))];
  return html`<section class="trace-page">
    <div class="crumbs"><a href=${href('/traces')}>Traces</a> /
      ${t.session_id ? html` <a href=${href('/sessions/' + encodeURIComponent(t.session_id))}>session ${t.session_id}</a> /` : ''}</div>
    <h1>${t.name || 'Trace'} <${StatusBadge} value=${t.status} /> <span class="mono muted">${t.trace_id}</span></h1>
    <dl class="kv summary">
      <dt>Started</dt><dd>${fmtTime(t.start_ms)}</dd>
      <dt>Latency</dt><dd>${fmtMs(t.latency_ms)}${t.ttft_ms !== null && t.ttft_ms !== undefined ? ` (first token ${fmtMs(t.ttft_ms)})` : ''}</dd>
      <dt>Tokens in/out</dt><dd>${fmtTokens(t.input_tokens, t.output_tokens)}</dd>
      <dt>Cost</dt><dd>${fmtCost(t.cost_usd)}</dd>
      <dt>Endpoint</dt><dd>${t.endpoint ? html`<a href=${href('/traces', { endpoint: t.endpoint })}>${t.endpoint}</a>` : '-'}</dd>
      <dt>Model</dt><dd>${t.model || '-'}${t.provider ? ` (${t.provider})` : ''}</dd>
      ${t.model_name ? html`<dt>Registered model</dt>
        <dd>${t.model_name}${t.model_version ? ' v' + t.model_version : ''}${t.model_alias ? ' @' + t.model_alias : ''}</dd>` : ''}
      ${t.prompt_name ? html`<dt>Prompt</dt><dd>${t.prompt_name} v${t.prompt_version}</dd>` : ''}
      <dt>Version</dt><dd>${t.version || '-'}</dd>
      <dt>User</dt><dd>${t.user ? html`<a href=${href('/traces', { user: t.user })}>${t.user}</a>` : '-'}</dd>
      <dt>Source</dt><dd>${t.source || '-'}</dd>
      ${t.error ? html`<dt>Error</dt><dd class="bad-text">${typeof t.error === 'string' ? t.error : JSON.stringify(t.error)}</dd>` : ''}
    </dl>
    <div class="split">
      <div><h2>Input</h2><${MessagesView} value=${t.input} label="trace input" /></div>
      <div><h2>Output</h2><${MessagesView} value=${t.output} label="trace output" /></div>
    </div>
    <h2>Spans (${rows.length})</h2>
    ${rows.length === 0 ? html`<p class="muted">This trace has no spans.</p>` : html`<div class="trace-split">
      <${Timeline} trace=${t} rows=${rows} selected=${selectedId} onSelect=${select} />
      <${SpanDetails} span=${selected} />
    </div>`}
    <h2 id="feedback">Feedback (${scores.length})</h2>
    <${ScoresTable} scores=${scores} />
    <h3>Add feedback</h3>
    <${FeedbackForm} traceId=${t.trace_id} spanId=${selected?.span_id}
      onAdded=${(s) => { setAdded([...added, s]); res.reload(); }} />
  </section>`;
}
