// lineage.js - the lineage graph around one object (#/lineage?type=run&id=...): what it came
// from (upstream: datasets → runs → model versions) and what came of it (downstream: versions,
// endpoints, traces), from GET /api/v1/lineage/graph, each node linking to its own page.
import { html } from '../html.js';
import { api } from '../api.js';
import { href } from '../router.js';
import { Loaded, Empty, useApi } from '../components.js';

// The UI page of a lineage node, when the UI has one.
export function nodeLink(node) {
  const { type, id } = node;
  if (type === 'run') return href('/runs/' + id);
  if (type === 'model_version') {
    const slash = id.lastIndexOf('/');
    return href('/models/' + encodeURIComponent(id.slice(0, slash)) + '/versions/' + id.slice(slash + 1));
  }
  if (type === 'prompt_version') {
    const slash = id.lastIndexOf('/');
    return href('/prompts/' + encodeURIComponent(id.slice(0, slash)), { version: id.slice(slash + 1) });
  }
  if (type === 'trace') return href('/traces/' + id);
  return null;
}

function Direction({ type, id, direction, title }) {
  const result = useApi(() => api.get('/api/v1/lineage/graph', { type, id, direction, max_depth: 10 }), [type, id, direction]);
  return html`<div class="card"><h3>${title}</h3><${Loaded} result=${result} render=${(g) => {
    const nodes = g.nodes.filter((n) => n.depth > 0);
    if (!nodes.length) return html`<p class="muted">nothing ${direction}</p>`;
    const rel = (n) => g.edges.filter((e) => (direction === 'upstream' ? e.from : e.to).type === n.type && (direction === 'upstream' ? e.from : e.to).id === n.id).map((e) => e.relation);
    return html`<ol class="lineage">${nodes.map((n) => {
      const link = nodeLink(n);
      return html`<li style=${'margin-left:' + (n.depth - 1) * 18 + 'px'}>
        <span class="badge">${n.type}</span> ${link ? html`<a href=${link}>${n.id}</a>` : html`<span class="mono">${n.id}</span>`}
        <span class="muted"> ${[...new Set(rel(n))].join(', ')}</span></li>`;
    })}</ol>`;
  }} /></div>`;
}

export function LineageView({ type, id }) {
  return html`<div class="split">
    <${Direction} type=${type} id=${id} direction="upstream" title="Comes from (upstream)" />
    <${Direction} type=${type} id=${id} direction="downstream" title="Leads to (downstream)" />
  </div>`;
}

export function LineagePage({ query }) {
  if (!query.type || !query.id)
    return html`<section><h1>Lineage</h1><${Empty} title="No object named"><p>Open lineage from a run, a model version or a prompt version.</p><//></section>`;
  const link = nodeLink(query);
  return html`<section>
    <h1>Lineage of <span class="badge">${query.type}</span> ${link ? html`<a href=${link}>${query.id}</a>` : query.id}</h1>
    <${LineageView} type=${query.type} id=${query.id} />
  </section>`;
}
