// run.js - one run: its info, params, metrics (each metric's full history charted over steps),
// tags, dataset inputs and artifacts (browsable folders, files downloadable).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, apiKey, MLFLOW } from '../api.js';
import { href } from '../router.js';
import { Loaded, Empty, Chart, useApi, fmtTime, fmtNum } from '../components.js';

// Every point of one metric, following page tokens (MLflow pages histories at 25,000 points).
export async function metricHistory(runId, key) {
  const points = [];
  let token = '';
  do {
    const r = await api.get(MLFLOW + '/metrics/get-history', { run_id: runId, metric_key: key, max_results: 25000, page_token: token });
    points.push(...(r.metrics || []));
    token = r.next_page_token || '';
  } while (token && points.length < 200000);
  return points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

// Artifact download path: the run's artifact_uri is "mlflow-artifacts:/<exp>/<run>/artifacts".
function artifactUrl(run, path) {
  const root = run.info.artifact_uri.replace(/^mlflow-artifacts:/, '');
  return '/api/2.0/mlflow-artifacts/artifacts' + root + '/' + path.split('/').map(encodeURIComponent).join('/');
}

// A plain link downloads; when an API key is in use the file is fetched with it instead.
async function download(e, url, name) {
  const key = apiKey();
  if (!key) return;
  e.preventDefault();
  const res = await fetch(url, { headers: { Authorization: 'Bearer ' + key } });
  if (!res.ok) return alert(`download failed: HTTP ${res.status}`);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

function ArtifactDir({ run, path }) {
  const list = useApi(() => api.get(MLFLOW + '/artifacts/list', { run_id: run.info.run_id, path }), [run.info.run_id, path]);
  return html`<${Loaded} result=${list} render=${(d) => {
    const files = d.files || [];
    if (!files.length && !path)
      return html`<${Empty} title="No artifacts"><p>Upload one with <code>curl -X PUT --data-binary @model.pkl ${location.origin}${artifactUrl(run, 'model.pkl')}</code> or <code>mlflow.log_artifact()</code>.</p><//>`;
    return html`<ul class="tree">${files.map((f) => html`<li key=${f.path}>${f.is_dir
      ? html`<${ArtifactFolder} run=${run} path=${f.path} />`
      : html`<a href=${artifactUrl(run, f.path)} download=${f.path.split('/').pop()}
          onClick=${(e) => download(e, artifactUrl(run, f.path), f.path.split('/').pop())}>${f.path.split('/').pop()}</a>
          <span class="muted"> ${fmtNum(f.file_size)} bytes</span>`}</li>`)}</ul>`;
  }} />`;
}

function ArtifactFolder({ run, path }) {
  const [open, setOpen] = useState(false);
  return html`<button class="link-button" aria-expanded=${open} onClick=${() => setOpen(!open)}>${open ? '▾' : '▸'} ${path.split('/').pop()}/</button>
    ${open ? html`<${ArtifactDir} run=${run} path=${path} />` : ''}`;
}

function MetricChart({ runId, metricKey }) {
  const hist = useApi(() => metricHistory(runId, metricKey), [runId, metricKey]);
  return html`<div class="card"><h3>${metricKey}</h3>
    <${Loaded} result=${hist} render=${(points) => points.length > 1
      ? html`<${Chart} title=${metricKey} series=${[{ label: metricKey, points: points.map((p) => [p.step, p.value]) }]} />`
      : html`<p class="muted">one value (${fmtNum(points[0] && points[0].value)} at step ${points[0] && points[0].step}): nothing to chart</p>`} /></div>`;
}

function KeyValues({ items, empty }) {
  if (!items || !items.length) return html`<p class="muted">${empty}</p>`;
  return html`<table class="grid"><thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
    <tbody>${items.map((x) => html`<tr key=${x.key}><td class="mono">${x.key}</td><td>${x.value}</td></tr>`)}</tbody></table>`;
}

export function RunPage({ params }) {
  const id = params.id;
  const result = useApi(() => api.get(MLFLOW + '/runs/get', { run_id: id }), [id]);
  return html`<section>
    <div class="crumbs"><a href="#/experiments">Experiments</a> / ${result.data
      ? html`<a href=${href('/experiments/' + result.data.run.info.experiment_id + '/runs')}>experiment ${result.data.run.info.experiment_id}</a> /` : ''}</div>
    <${Loaded} result=${result} render=${({ run }) => {
      const { info, data } = run;
      const metrics = data.metrics || [];
      const tags = (data.tags || []).filter((t) => t.key !== 'mlflow.runName');
      const inputs = (run.inputs && run.inputs.dataset_inputs) || [];
      return html`
        <h1>${info.run_name || info.run_id}</h1>
        <dl class="kv">
          <dt>Run id</dt><dd class="mono">${info.run_id}</dd>
          <dt>Status</dt><dd><span class=${'badge ' + (info.status === 'FAILED' ? 'bad' : info.status === 'FINISHED' ? 'ok' : '')}>${info.status}</span></dd>
          <dt>Started</dt><dd class="mono">${fmtTime(info.start_time)}</dd>
          <dt>Ended</dt><dd class="mono">${fmtTime(info.end_time) || '—'}</dd>
          <dt>Lifecycle</dt><dd>${info.lifecycle_stage}</dd>
          <dt>Lineage</dt><dd><a href=${href('/lineage', { type: 'run', id: info.run_id })}>datasets in, models out</a></dd>
        </dl>
        <p><a href=${href('/compare', { runs: info.run_id })}>Compare with other runs…</a></p>
        <h2>Metrics</h2>
        ${metrics.length
          ? html`<table class="grid" aria-label="metrics"><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Latest</th><th scope="col" class="num">Step</th><th scope="col">Time</th></tr></thead>
              <tbody>${metrics.map((m) => html`<tr key=${m.key}><td class="mono">${m.key}</td><td class="num">${fmtNum(m.value)}</td><td class="num">${m.step}</td><td class="mono">${fmtTime(m.timestamp)}</td></tr>`)}</tbody></table>
             <div class="cards">${metrics.map((m) => html`<${MetricChart} key=${m.key} runId=${info.run_id} metricKey=${m.key} />`)}</div>`
          : html`<p class="muted">No metrics logged (runs/log-metric or log-batch).</p>`}
        <h2>Params</h2>
        <${KeyValues} items=${data.params} empty="No params logged." />
        <h2>Tags</h2>
        <${KeyValues} items=${tags} empty="No tags." />
        <h2>Inputs</h2>
        ${inputs.length
          ? html`<table class="grid" aria-label="dataset inputs"><thead><tr><th scope="col">Dataset</th><th scope="col">Digest</th><th scope="col">Source</th><th scope="col">Context</th></tr></thead>
              <tbody>${inputs.map((i) => html`<tr><td>${i.dataset.name}</td><td class="mono">${i.dataset.digest}</td><td class="mono">${i.dataset.source_type}: ${i.dataset.source}</td>
                <td>${(i.tags || []).map((t) => html`<span class="badge">${t.value}</span>`)}</td></tr>`)}</tbody></table>`
          : html`<p class="muted">No dataset inputs (runs/log-inputs).</p>`}
        <h2>Artifacts</h2>
        <${ArtifactDir} run=${run} path="" />`;
    }} />
  </section>`;
}
