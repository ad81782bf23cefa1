// runs.js - the runs of one experiment: MLflow runs/search does the filtering (search
// grammar), the sorting (order_by) and the paging (page tokens), so the table stays fast with
// 100,000 runs. Param/metric columns are picked from the keys seen, and kept in the URL with the
// filter and the sort; ticked runs open side by side in the compare page.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, MLFLOW } from '../api.js';
import { href, setQuery, navigate } from '../router.js';
import { PagedTable, Empty, FilterBox, ErrorBanner, useApi, fmtTime, fmtNum } from '../components.js';

const PAGE = 50;

// "metrics.acc DESC" -> {key: 'metrics.acc', desc: true}
function parseOrder(s) {
  const m = /^(.*?)(?:\s+(ASC|DESC))?$/i.exec((s || '').trim());
  return { key: m[1], desc: (m[2] || '').toUpperCase() === 'DESC' };
}

export function RunsPage({ params, query }) {
  const id = params.id;
  const filter = query.filter || '';
  const orderBy = query.order_by || 'attributes.start_time DESC';
  const chosen = query.columns ? query.columns.split(',').filter(Boolean) : null;
  const [keys, setKeys] = useState({ params: [], metrics: [] });
  const [selected, setSelected] = useState([]);
  const experiment = useApi(() => api.get(MLFLOW + '/experiments/get', { experiment_id: id }), [id]);

  const fetchPage = async (token) => {
    const body = { experiment_ids: [id], max_results: PAGE, order_by: [orderBy] };
    if (filter) body.filter = filter;
    if (token) body.page_token = token;
    const r = await api.post(MLFLOW + '/runs/search', body);
    const rows = r.runs || [];
    // Offer every key seen so far as a column.
    setKeys((k) => {
      const p = new Set(k.params), m = new Set(k.metrics);
      for (const run of rows) {
        for (const x of run.data.params || []) p.add(x.key);
        for (const x of run.data.metrics || []) m.add(x.key);
      }
      return { params: [...p].sort(), metrics: [...m].sort() };
    });
    return { rows, next: r.next_page_token };
  };

  // Default columns: the first few metrics and params, until the user picks.
  const columnsShown = chosen || [...keys.metrics.slice(0, 4).map((k) => 'metrics.' + k), ...keys.params.slice(0, 4).map((k) => 'params.' + k)];
  const toggleColumn = (c) => {
    const next = columnsShown.includes(c) ? columnsShown.filter((x) => x !== c) : [...columnsShown, c];
    setQuery({ columns: next.join(',') || ',' });
  };
  const order = parseOrder(orderBy);
  const sortHeader = (key, label, cls) => {
    const active = order.key === key;
    const next = active && order.desc ? key + ' ASC' : key + ' DESC';
    return html`<button class="link-button" onClick=${() => setQuery({ order_by: next })}
      aria-label=${'sort by ' + label} aria-sort=${active ? (order.desc ? 'descending' : 'ascending') : 'none'}>
      ${label}${active ? (order.desc ? ' ▼' : ' ▲') : ''}</button>`;
  };
  const value = (run, col) => {
    const [kind, ...rest] = col.split('.');
    const key = rest.join('.');
    const list = kind === 'metrics' ? run.data.metrics : kind === 'params' ? run.data.params : run.data.tags;
    const hit = (list || []).find((x) => x.key === key);
    return hit ? (kind === 'metrics' ? fmtNum(hit.value) : hit.value) : '';
  };
  const toggleRun = (rid) => setSelected((s) => (s.includes(rid) ? s.filter((x) => x !== rid) : [...s, rid]));

  const columns = [
    {
      label: html`<span class="sr-only">select</span>`,
      render: (r) => html`<input type="checkbox" aria-label=${'select ' + (r.info.run_name || r.info.run_id)}
        checked=${selected.includes(r.info.run_id)} onChange=${() => toggleRun(r.info.run_id)} />`,
    },
    { label: sortHeader('attributes.run_name', 'Run'), render: (r) => html`<a href=${href('/runs/' + r.info.run_id)}>${r.info.run_name || r.info.run_id}</a>` },
    { label: sortHeader('attributes.start_time', 'Started'), render: (r) => fmtTime(r.info.start_time), cls: 'mono' },
    { label: sortHeader('attributes.status', 'Status'), render: (r) => html`<span class=${'badge ' + (r.info.status === 'FAILED' ? 'bad' : r.info.status === 'FINISHED' ? 'ok' : '')}>${r.info.status}</span>` },
    ...columnsShown.map((c) => ({ label: sortHeader(c, c), render: (r) => value(r, c), cls: c.startsWith('metrics.') ? 'num' : '' })),
  ];

  const name = experiment.data ? experiment.data.experiment.name : id;
  return html`<section>
    <div class="crumbs"><a href="#/experiments">Experiments</a> /</div>
    <h1>${name} <span class="muted">runs</span></h1>
    <${ErrorBanner} error=${experiment.error} />
    <${FilterBox} value=${filter} label="Filter runs (search grammar)"
      placeholder="metrics.acc > 0.9 and params.lr = '0.01'   (see the search grammar)"
      onApply=${(f) => setQuery({ filter: f })} />
    <details class="columns-picker">
      <summary>Columns (${columnsShown.length})</summary>
      ${keys.metrics.length + keys.params.length === 0 ? html`<span class="muted">no params or metrics on this page</span>` : ''}
      ${['metrics', 'params'].map((kind) => keys[kind].map((k) => {
        const c = kind + '.' + k;
        return html`<label><input type="checkbox" checked=${columnsShown.includes(c)} onChange=${() => toggleColumn(c)} /> ${c}</label>`;
      }))}
    </details>
    <div class="row">
      <button class="primary" disabled=${selected.length < 2}
        onClick=${() => navigate('/compare', { runs: selected.join(',') })}>Compare selected (${selected.length})</button>
      ${selected.length ? html`<button onClick=${() => setSelected([])}>Clear selection</button>` : ''}
      <span class="muted">sort: ${orderBy}</span>
    </div>
    <${PagedTable} label="runs" columns=${columns} fetchPage=${fetchPage} resetKey=${id + '|' + filter + '|' + orderBy}
      rowKey=${(r) => r.info.run_id}
      empty=${html`<${Empty} title=${filter ? 'No run matches this filter' : 'No runs in this experiment yet'}>
        ${filter
          ? html`<p>Loosen the filter, or clear it. Filters look like <code>metrics.acc > 0.9 and params.lr = '0.01'</code>.</p>`
          : html`<p>Log one with an MLflow client (<code>MLFLOW_TRACKING_URI=${location.origin}</code>,
              experiment id ${id}) or <code>curl -X POST ${location.origin}/api/2.0/mlflow/runs/create -d '{"experiment_id":"${id}"}'</code>.</p>`}
      <//>`} />
  </section>`;
}
