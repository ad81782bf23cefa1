// experiments.js - the experiment list (MLflow experiments/search, paginated by the server).
import { html } from '../html.js';
import { api, MLFLOW } from '../api.js';
import { href, setQuery } from '../router.js';
import { PagedTable, Empty, FilterBox, fmtTime } from '../components.js';

export function ExperimentsPage({ query }) {
  const filter = query.filter || '';
  const fetchPage = async (token) => {
    const body = { max_results: 50, order_by: ['last_update_time DESC'] };
    if (filter) body.filter = filter;
    if (token) body.page_token = token;
    const r = await api.post(MLFLOW + '/experiments/search', body);
    return { rows: r.experiments || [], next: r.next_page_token };
  };
  const columns = [
    { label: 'Experiment', render: (e) => html`<a href=${href('/experiments/' + e.experiment_id + '/runs')}>${e.name}</a>` },
    { label: 'ID', key: 'experiment_id', cls: 'mono' },
    { label: 'Tags', render: (e) => (e.tags || []).map((t) => html`<span class="badge">${t.key}=${t.value}</span>`) },
    { label: 'Updated', render: (e) => fmtTime(e.last_update_time), cls: 'mono' },
  ];
  return html`<section>
    <h1>Experiments</h1>
    <${FilterBox} value=${filter} label="Filter experiments" placeholder="name LIKE 'demo%'  or  tags.team = 'cx'"
      onApply=${(f) => setQuery({ filter: f })} />
    <${PagedTable} label="experiments" columns=${columns} fetchPage=${fetchPage} resetKey=${filter}
      rowKey=${(e) => e.experiment_id}
      empty=${html`<${Empty} title=${filter ? 'No experiment matches this filter' : 'No experiments yet'}>
        <p>Create one with <code>llmops experiments create NAME</code>, or point an MLflow client here:
        <code>MLFLOW_TRACKING_URI=${location.origin}</code>.</p><//>`} />
  </section>`;
}
