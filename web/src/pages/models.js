// models.js - the model registry: registered models (filter, paging by the server), one model
// with its aliases and versions, and one version with its source run, serving spec, aliases
// and lineage (datasets → runs → version → endpoints).
import { html } from '../html.js';
import { api } from '../api.js';
import { href, setQuery, enc } from '../router.js';
import { PagedTable, Empty, FilterBox, Loaded, Badge, useApi, fmtTime } from '../components.js';
import { LineageView } from './lineage.js';

const PAGE = 50;

function Aliases({ aliases, model }) {
  // aliases: {"prod": 1} on a model, ["prod"] on a version
  if (Array.isArray(aliases)) return aliases.map((a) => html`<${Badge} kind="alias">@${a}<//>`);
  return Object.entries(aliases || {}).map(([a, v]) => html`<a href=${href('/models/' + enc(model) + '/versions/' + v)}><${Badge} kind="alias" title=${'version ' + v}>@${a} → v${v}<//></a>`);
}

export function ModelsPage({ query }) {
  const filter = query.filter || '';
  const fetchPage = async (token) => {
    const r = await api.get('/api/v1/models', { filter, max_results: PAGE, page_token: token, order_by: 'name ASC' });
    return { rows: r.models || [], next: r.next_page_token };
  };
  const columns = [
    { label: 'Model', render: (m) => html`<a href=${href('/models/' + enc(m.name))}>${m.name}</a>` },
    { label: 'Latest version', render: (m) => (m.latest_version ? html`<a href=${href('/models/' + enc(m.name) + '/versions/' + m.latest_version.version)}>v${m.latest_version.version}</a>` : html`<span class="muted">none</span>`) },
    { label: 'Aliases', render: (m) => html`<${Aliases} aliases=${m.aliases} model=${m.name} />` },
    { label: 'Description', key: 'description' },
    { label: 'Updated', render: (m) => fmtTime(m.last_updated_timestamp), cls: 'mono' },
  ];
  return html`<section>
    <h1>Models</h1>
    <${FilterBox} value=${filter} label="Filter models" placeholder="name LIKE 'support%'   or   tags.team = 'cx'" onApply=${(f) => setQuery({ filter: f })} />
    <${PagedTable} label="models" columns=${columns} fetchPage=${fetchPage} resetKey=${filter} rowKey=${(m) => m.name}
      empty=${html`<${Empty} title=${filter ? 'No model matches this filter' : 'No registered models yet'}>
        <p>Register one with <code>llmops models create NAME</code>, then a version from a run:
        <code>llmops models version-create NAME --source runs:/RUN_ID/model --run-id RUN_ID</code>.</p><//>`} />
  </section>`;
}

export function ModelPage({ params }) {
  const name = params.name;
  const model = useApi(() => api.get('/api/v1/models/' + enc(name)), [name]);
  const fetchPage = async (token) => {
    const r = await api.get('/api/v1/models/' + enc(name) + '/versions', { max_results: PAGE, page_token: token });
    return { rows: r.versions || [], next: r.next_page_token };
  };
  const columns = [
    { label: 'Version', render: (v) => html`<a href=${href('/models/' + enc(name) + '/versions/' + v.version)}>v${v.version}</a>` },
    { label: 'Aliases', render: (v) => html`<${Aliases} aliases=${v.aliases} />` },
    { label: 'Source run', render: (v) => (v.run_id ? html`<a class="mono" href=${href('/runs/' + v.run_id)}>${v.run_id.slice(0, 12)}…</a>` : html`<span class="muted">—</span>`) },
    { label: 'Serving', render: (v) => (v.serving ? html`<span class="mono">${v.serving.provider}/${v.serving.model}</span>` : html`<span class="muted">none</span>`) },
    { label: 'Status', key: 'status' },
    { label: 'Created', render: (v) => fmtTime(v.creation_timestamp), cls: 'mono' },
  ];
  return html`<section>
    <div class="crumbs"><a href="#/models">Models</a> /</div>
    <h1>${name}</h1>
    <${Loaded} result=${model} render=${({ model: m }) => html`
      <dl class="kv">
        <dt>Description</dt><dd>${m.description || html`<span class="muted">none</span>`}</dd>
        <dt>Aliases</dt><dd>${Object.keys(m.aliases || {}).length ? html`<${Aliases} aliases=${m.aliases} model=${name} />` : html`<span class="muted">none — set one with <code>llmops models alias set ${name} production 1</code></span>`}</dd>
        <dt>Tags</dt><dd>${Object.entries(m.tags || {}).map(([k, v]) => html`<${Badge}>${k}=${v}<//>`)}</dd>
        <dt>Updated</dt><dd class="mono">${fmtTime(m.last_updated_timestamp)}</dd>
      </dl>
      <h2>Versions</h2>
      <${PagedTable} label="versions" columns=${columns} fetchPage=${fetchPage} resetKey=${name} rowKey=${(v) => v.version}
        empty=${html`<${Empty} title="No versions yet"><p>Create one: <code>llmops models version-create ${name} --source runs:/RUN_ID/model --run-id RUN_ID</code>.</p><//>`} />`} />
  </section>`;
}

// Gateway endpoints with a target naming this version, directly (name/N) or by one of its
// aliases (name@alias), with or without the models:/ prefix.
function ServingEndpoints({ name, version, aliases }) {
  const result = useApi(() => api.get('/api/v1/endpoints'), [name, version]);
  const refs = new Set([`${name}/${version}`, ...aliases.map((a) => `${name}@${a}`)]);
  const names = (t) => t.model_ref && refs.has(t.model_ref.replace(/^models:\//, ''));
  return html`<${Loaded} result=${result} render=${(d) => {
    const hits = (d.endpoints || []).filter((e) => ((e.spec && e.spec.targets) || []).some(names));
    if (!hits.length) return html`<p class="muted">No gateway endpoint routes to this version. Clients can still call it as model <code>${name}/${version}</code>.</p>`;
    return html`<table class="grid" aria-label="endpoints"><thead><tr><th scope="col">Endpoint</th><th scope="col">Target</th><th scope="col" class="num">Weight</th></tr></thead>
      <tbody>${hits.flatMap((e) => e.spec.targets.filter(names).map((t) => html`<tr><td>${e.name}</td><td class="mono">${t.model_ref}</td><td class="num">${t.weight ?? 1}</td></tr>`))}</tbody></table>`;
  }} />`;
}

export function ModelVersionPage({ params }) {
  const { name, version } = params;
  const result = useApi(() => api.get('/api/v1/models/' + enc(name) + '/versions/' + enc(version)), [name, version]);
  return html`<section>
    <div class="crumbs"><a href="#/models">Models</a> / <a href=${href('/models/' + enc(name))}>${name}</a> /</div>
    <h1>${name} <span class="muted">v${version}</span></h1>
    <${Loaded} result=${result} render=${({ version: v }) => html`
      <dl class="kv">
        <dt>Aliases</dt><dd>${v.aliases.length ? html`<${Aliases} aliases=${v.aliases} />` : html`<span class="muted">none</span>`}</dd>
        <dt>Source</dt><dd class="mono">${v.source}</dd>
        <dt>Source run</dt><dd>${v.run_id ? html`<a class="mono" href=${href('/runs/' + v.run_id)}>${v.run_id}</a>` : html`<span class="muted">none</span>`}</dd>
        <dt>Status</dt><dd>${v.status}</dd>
        <dt>Description</dt><dd>${v.description || html`<span class="muted">none</span>`}</dd>
        <dt>Tags</dt><dd>${Object.entries(v.tags || {}).map(([k, val]) => html`<${Badge}>${k}=${val}<//>`)}</dd>
        <dt>Created</dt><dd class="mono">${fmtTime(v.creation_timestamp)}</dd>
        <dt>Gateway model</dt><dd class="mono">${v.serving ? `${name}/${v.version}` + v.aliases.map((a) => `, ${name}@${a}`).join('') : '—'}</dd>
      </dl>
      <h2>Serving spec</h2>
      ${v.serving ? html`<pre aria-label="serving spec">${JSON.stringify(v.serving, null, 2)}</pre>`
        : html`<p class="muted">No serving spec: the gateway cannot route to this version. Create a version with <code>--serving-provider P --serving-model M</code>.</p>`}
      <h2>Endpoints serving it</h2>
      <${ServingEndpoints} name=${name} version=${v.version} aliases=${v.aliases} />
      <h2>Lineage</h2>
      <${LineageView} type="model_version" id=${name + '/' + v.version} />`} />
  </section>`;
}
