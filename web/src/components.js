// components.js - the small shared pieces every page is made of: data loading (useApi), the
// error banner, empty states, a table paginated by the server's page tokens, a uPlot chart
// wrapper, alias/tag badges and the API-key dialog.
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { html } from './html.js';
import { onKeyRequired, setApiKey } from './api.js';

// Run an async loader when deps change; {data, error, loading, reload}. A late answer for old
// deps is dropped so fast typing in a filter box never shows stale rows.
export function useApi(loader, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const load = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ data: s.data, error: null, loading: true }));
    Promise.resolve()
      .then(loader)
      .then(
        (data) => mine === seq.current && setState({ data, error: null, loading: false }),
        (error) => mine === seq.current && setState({ data: null, error, loading: false })
      );
  }, deps);
  useEffect(load, [load]);
  return { ...state, reload: load };
}

export function ErrorBanner({ error }) {
  if (!error) return null;
  const status = error.status ? `${error.status}${error.code ? ' ' + error.code : ''}: ` : '';
  return html`<div class="error" role="alert"><strong>Error</strong> ${status}${error.message}${
    error.field ? html` <span class="muted">(field ${error.field})</span>` : ''
  }</div>`;
}

// An empty state says what there is to do next (children: the hint, often a command).
export function Empty({ title, children }) {
  return html`<div class="empty"><p><strong>${title}</strong></p>${children}</div>`;
}

export function Loading() {
  return html`<p class="muted" aria-live="polite">Loading…</p>`;
}

// Wraps the three states of a useApi result; render(data) only runs with data.
export function Loaded({ result, render }) {
  if (result.error) return html`<${ErrorBanner} error=${result.error} />`;
  if (!result.data) return html`<${Loading} />`;
  return render(result.data);
}

export function Badge({ kind = '', children, title }) {
  return html`<span class=${'badge ' + kind} title=${title}>${children}</span>`;
}

export function fmtTime(ms) {
  if (ms === undefined || ms === null || ms === '') return '';
  const d = new Date(Number(ms));
  return isNaN(d) ? String(ms) : d.toISOString().replace('T', ' ').slice(0, 19);
}

export function fmtNum(v) {
  if (v === undefined || v === null || v === '') return '';
  const n = Number(v);
  if (!isFinite(n)) return String(v);
  return Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, '');
}

// A table over server-side pages. fetchPage(token) resolves to {rows, next}; the component
// keeps the stack of tokens so Previous works without the server supporting it. Changing
// `resetKey` (filter, sort...) starts again from the first page.
export function PagedTable({ columns, fetchPage, resetKey, empty, rowKey, label }) {
  // The token stack belongs to one resetKey: a new filter or sort starts from page 1 at once,
  // without first asking the server for a page of the old stack.
  const [state, setState] = useState({ key: resetKey, tokens: [''] });
  const tokens = state.key === resetKey ? state.tokens : [''];
  const setTokens = (t) => setState({ key: resetKey, tokens: t });
  const token = tokens[tokens.length - 1];
  const result = useApi(() => fetchPage(token), [resetKey, token]);
  const page = tokens.length;
  const data = result.data;
  return html`<div class="paged">
    <${ErrorBanner} error=${result.error} />
    ${data && data.rows.length === 0 && page === 1 && !result.loading
      ? empty
      : html`<table class="grid" aria-label=${label}>
          <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.cls || ''}>${c.label}</th>`)}</tr></thead>
          <tbody>${(data ? data.rows : []).map(
            (row, i) => html`<tr key=${rowKey ? rowKey(row) : i}>${columns.map(
              (c) => html`<td class=${c.cls || ''}>${c.render ? c.render(row) : row[c.key]}</td>`
            )}</tr>`
          )}</tbody>
        </table>`}
    <div class="pager">
      <button disabled=${page === 1} onClick=${() => setTokens(tokens.slice(0, -1))}>← Previous</button>
      <span class="muted">page ${page}${result.loading ? ' …' : ''}</span>
      <button disabled=${!data || !data.next} onClick=${() => setTokens([...tokens, data.next])}>Next →</button>
    </div>
  </div>`;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

// Line chart over uPlot. series: [{label, points: [[x, y], ...]}]; the x values of all series
// are merged (uPlot wants one x axis) and a series has gaps where it has no point.
export function Chart({ series, xLabel = 'step', height = 220, title }) {
  const el = useRef(null);
  useEffect(() => {
    if (!el.current || !series.length) return;
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const data = [xs];
    for (const s of series) {
      const ys = new Array(xs.length).fill(null);
      for (const [x, y] of s.points) ys[index.get(x)] = y;
      data.push(ys);
    }
    const width = Math.max(300, el.current.clientWidth || 600);
    const plot = new uPlot(
      {
        width,
        height,
        scales: { x: { time: false } },
        axes: [{ label: xLabel }, {}],
        series: [
          { label: xLabel },
          ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true, points: { show: xs.length < 60 } })),
        ],
      },
      data,
      el.current
    );
    return () => plot.destroy();
  }, [series, xLabel, height, title]);
  return html`<div class="chart" ref=${el} role="img" aria-label=${title || 'chart'}></div>`;
}

// Asked for when the API answers 401 (api.js awaits the promise this resolves).
export function KeyDialog() {
  const [pending, setPending] = useState(null);
  const [value, setValue] = useState('');
  const input = useRef(null);
  useEffect(() => {
    onKeyRequired(() => new Promise((resolve) => setPending({ resolve })));
  }, []);
  useEffect(() => {
    if (pending && input.current) input.current.focus();
  }, [pending]);
  if (!pending) return null;
  const finish = (key) => {
    if (key) setApiKey(key);
    pending.resolve(key);
    setPending(null);
    setValue('');
  };
  return html`<div class="modal" role="dialog" aria-modal="true" aria-labelledby="key-title">
    <form class="modal-box" onSubmit=${(e) => { e.preventDefault(); finish(value.trim()); }}>
      <h2 id="key-title">API key required</h2>
      <p>The server answered 401: it requires an API key. It is kept in this browser only (localStorage).</p>
      <label>API key <input ref=${input} type="password" value=${value} onInput=${(e) => setValue(e.target.value)} autocomplete="off" /></label>
      <div class="row"><button type="submit" class="primary">Use key</button><button type="button" onClick=${() => finish('')}>Cancel</button></div>
    </form>
  </div>`;
}

// A text box that applies its value on Enter (filters): typing does not hit the server.
export function FilterBox({ value, onApply, placeholder, label }) {
  const [text, setText] = useState(value || '');
  useEffect(() => setText(value || ''), [value]);
  return html`<form class="filter" role="search" onSubmit=${(e) => { e.preventDefault(); onApply(text.trim()); }}>
    <label class="sr-only" for="filter-box">${label}</label>
    <input id="filter-box" type="search" value=${text} placeholder=${placeholder} onInput=${(e) => setText(e.target.value)} />
    <button type="submit">Apply</button>
    ${value ? html`<button type="button" onClick=${() => onApply('')}>Clear</button>` : ''}
  </form>`;
}
