// datasets.js - datasets (#/datasets: the list, keyset pages by name), one dataset
// (#/datasets/NAME: description, tags, its versions newest first) and one version
// (#/datasets/NAME/N: digest, source, parent, splits, the inferred schema, a paginated preview
// of its rows filtered by split, export links). The preview's split and offset are in the URL.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { href, setQuery } from '../router.js';
import { PagedTable, Empty, useApi, Loaded, ErrorBanner, fmtTime, fmtNum } from '../components.js';
import { datasetExportUrl, datasetRows, getDataset, getDatasetVersion, listDatasetVersions, listDatasets } from './obs_api.js';
import { JsonBlock, download } from './obs_common.js';

const enc = encodeURIComponent;
const PREVIEW = 20;

export function DatasetsPage() {
  const fetchPage = async (cursor) => {
    const r = await listDatasets({ limit: 50, cursor: cursor || undefined });
    return { rows: r.datasets || [], next: r.next_cursor };
  };
  const columns = [
    { label: 'Dataset', render: (d) => html`<a href=${href('/datasets/' + enc(d.name))}>${d.name}</a>` },
    { label: 'Description', render: (d) => d.description || '' },
    { label: 'Latest version', cls: 'num', render: (d) => (d.latest_version ? html`<a href=${href(`/datasets/${enc(d.name)}/${d.latest_version}`)}>v${d.latest_version}</a>` : '-') },
    { label: 'Tags', render: (d) => Object.entries(d.tags || {}).map(([k, v]) => html`<span class="badge">${k}=${v}</span>`) },
    { label: 'Updated', cls: 'mono', render: (d) => fmtTime(d.updated_at ?? d.created_at) },
  ];
  return html`<section class="datasets-page">
    <div class="row"><h1>Datasets</h1><a href=${href('/evaluations')}>Evaluations →</a></div>
    <${PagedTable} label="datasets" columns=${columns} fetchPage=${fetchPage} resetKey="" rowKey=${(d) => d.name}
      empty=${html`<${Empty} title="No datasets yet">
        <p>Import a JSONL or CSV file: <code>llmops datasets import qa qa.jsonl --split train=0.8,test=0.2</code>, or
        <code>curl -X POST --data-binary @qa.jsonl -H 'Content-Type: application/x-ndjson' ${location.origin}/api/v1/datasets/qa/versions</code>.
        Feedback exported from traces (<code>GET /api/v1/feedback/export</code>) imports the same way.</p><//>`} />
  </section>`;
}

export function DatasetPage({ params }) {
  const name = params.name;
  const ds = useApi(() => getDataset(name), [name]);
  const fetchPage = async (cursor) => {
    const r = await listDatasetVersions(name, { limit: 50, cursor: cursor || undefined });
    return { rows: r.versions || [], next: r.next_cursor };
  };
  const columns = [
    { label: 'Version', render: (v) => html`<a href=${href(`/datasets/${enc(name)}/${v.version}`)}>v${v.version}</a>` },
    { label: 'Rows', cls: 'num', render: (v) => fmtNum(v.row_count) },
    { label: 'Splits', render: (v) => (v.splits ? Object.entries(v.splits.counts || {}).map(([k, n]) => html`<span class="badge">${k} ${n}</span>`) : '-') },
    { label: 'Source', render: (v) => v.source || '-' },
    { label: 'Parent', render: (v) => v.parent || '-' },
    { label: 'Digest', cls: 'mono', render: (v) => (v.digest || '').slice(0, 12) },
    { label: 'Description', render: (v) => v.description || '' },
    { label: 'Created', cls: 'mono', render: (v) => fmtTime(v.created_at) },
  ];
  return html`<section class="dataset-page">
    <div class="crumbs"><a href=${href('/datasets')}>Datasets</a> /</div>
    <h1>${name}</h1>
    <${Loaded} result=${ds} render=${(d) => html`<dl class="kv summary">
      <dt>Description</dt><dd>${d.description || '-'}</dd>
      <dt>Tags</dt><dd>${Object.entries(d.tags || {}).map(([k, v]) => html`<span class="badge">${k}=${v}</span>`)}</dd>
      <dt>Created</dt><dd>${fmtTime(d.created_at)}</dd>
      <dt>Evaluations</dt><dd><a href=${href('/evaluations', { dataset: name })}>evaluations on ${name}</a></dd>
    </dl>`} />
    <h2>Versions</h2>
    <${PagedTable} label="versions" columns=${columns} fetchPage=${fetchPage} resetKey=${name} rowKey=${(v) => v.version}
      empty=${html`<${Empty} title="No versions"><p>Import a file into it: <code>llmops datasets import ${name} FILE.jsonl</code>.</p><//>`} />
  </section>`;
}

function Schema({ schema }) {
  const cols = Object.entries(schema || {});
  if (!cols.length) return html`<p class="muted">No columns.</p>`;
  return html`<table class="grid schema-table" aria-label="schema">
    <thead><tr><th>Column</th><th>Types</th><th>Required</th><th class="num">Nulls</th><th class="num">Missing</th></tr></thead>
    <tbody>${cols.map(([k, c]) => html`<tr key=${k}>
      <td class="mono">${k}</td><td>${(c.types || []).join(', ') || '-'}</td><td>${c.required ? 'yes' : 'no'}</td>
      <td class="num">${c.null_count}</td><td class="num">${c.missing_count}</td></tr>`)}</tbody>
  </table>`;
}

const cell = (v) => (v === undefined ? '' : v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

function Preview({ name, version, columns, splits, query }) {
  const offset = Math.max(0, parseInt(query.offset || '0', 10) || 0);
  const split = query.split || '';
  const res = useApi(() => datasetRows(name, version, { offset, limit: PREVIEW, split: split || undefined }), [name, version, offset, split]);
  const d = res.data; // the label below counts from the answer's offset, so it never describes stale rows
  return html`<div class="preview">
    <div class="row">
      <label>Split <select name="split" value=${split} onChange=${(e) => setQuery({ split: e.target.value, offset: null })}>
        <option value="">all rows</option>
        ${Object.keys(splits?.counts || {}).map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
      ${d ? html`<span class="muted">rows ${d.total ? d.offset + 1 : 0}–${Math.min(d.offset + d.rows.length, d.total)} of ${fmtNum(d.total)}</span>` : ''}
      <button type="button" disabled=${offset === 0} onClick=${() => setQuery({ offset: offset - PREVIEW > 0 ? String(offset - PREVIEW) : null })}>← Previous</button>
      <button type="button" disabled=${!d || offset + PREVIEW >= d.total} onClick=${() => setQuery({ offset: String(offset + PREVIEW) })}>Next →</button>
    </div>
    <${ErrorBanner} error=${res.error} />
    ${d ? html`<div class="scroll-x"><table class="grid rows-table" aria-label="rows">
      <thead><tr><th class="num">#</th>${splits ? html`<th>Split</th>` : ''}${columns.map((c) => html`<th class="mono">${c}</th>`)}</tr></thead>
      <tbody>${d.rows.map((r) => html`<tr key=${r.index}>
        <td class="num">${r.index}</td>${splits ? html`<td>${r.split}</td>` : ''}
        ${columns.map((c) => html`<td class="cell">${cell(r.row[c])}</td>`)}</tr>`)}</tbody>
    </table></div>` : ''}
  </div>`;
}

export function DatasetVersionPage({ params, query }) {
  const { name, version } = params;
  const [exportError, setExportError] = useState(null);
  const res = useApi(() => getDatasetVersion(name, version), [name, version]);
  return html`<section class="dataset-version-page">
    <div class="crumbs"><a href=${href('/datasets')}>Datasets</a> / <a href=${href('/datasets/' + enc(name))}>${name}</a> /</div>
    <h1>${name} v${res.data ? res.data.version : version}</h1>
    <${Loaded} result=${res} render=${(v) => html`
      <dl class="kv summary">
        <dt>Rows</dt><dd>${fmtNum(v.row_count)}</dd>
        <dt>Digest</dt><dd class="mono">${v.digest}</dd>
        <dt>Source</dt><dd>${v.source || '-'}</dd>
        <dt>Parent</dt><dd>${v.parent || '-'}</dd>
        <dt>Description</dt><dd>${v.description || '-'}</dd>
        <dt>Splits</dt><dd>${v.splits ? html`<code>${v.splits.rule}</code> seed ${v.splits.seed}:
          ${Object.entries(v.splits.counts || {}).map(([k, n]) => html` <span class="badge">${k} ${n}</span>`)}` : 'none'}</dd>
        <dt>Created</dt><dd>${fmtTime(v.created_at)}</dd>
        <dt>Export</dt><dd>${['jsonl', 'csv'].map((f, i) => html`${i ? ' · ' : ''}<a href=${datasetExportUrl(name, v.version, f)}
          onClick=${(e) => { e.preventDefault(); download(datasetExportUrl(name, v.version, f), `${name}-v${v.version}.${f}`).catch(setExportError); }}
          >${f.toUpperCase()}</a>`)}${exportError ? html`<${ErrorBanner} error=${exportError} />` : ''}</dd>
        <dt>Evaluations</dt><dd><a href=${href('/evaluations', { dataset: `${name}/${v.version}` })}>on this version</a></dd>
      </dl>
      ${v.tags && Object.keys(v.tags).length ? html`<h2>Tags</h2><${JsonBlock} value=${v.tags} label="tags" />` : ''}
      <h2>Schema</h2><${Schema} schema=${v.schema} />
      <h2>Rows</h2>
      <${Preview} name=${name} version=${v.version} columns=${Object.keys(v.schema || {})} splits=${v.splits} query=${query} />`} />
  </section>`;
}
