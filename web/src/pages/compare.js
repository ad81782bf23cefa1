// compare.js - two or more runs side by side (#/compare?runs=A,B,C): params in one table with
// the rows that differ highlighted (or only those shown), latest metrics, and every metric's
// history overlaid run against run on one chart.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, MLFLOW } from '../api.js';
import { href, setQuery } from '../router.js';
import { Loaded, Empty, Chart, useApi, fmtNum } from '../components.js';
import { metricHistory } from './run.js';

function OverlayChart({ runs, metricKey }) {
  const result = useApi(
    () => Promise.all(runs.map(async (r) => ({ label: r.info.run_name || r.info.run_id.slice(0, 8),
      points: (await metricHistory(r.info.run_id, metricKey)).map((p) => [p.step, p.value]) }))),
    [runs.map((r) => r.info.run_id).join(','), metricKey]
  );
  return html`<div class="card"><h3>${metricKey}</h3><${Loaded} result=${result} render=${(series) => html`<${Chart} title=${metricKey} series=${series} />`} /></div>`;
}

function AddRun({ ids }) {
  const [text, setText] = useState('');
  return html`<form class="row" onSubmit=${(e) => { e.preventDefault(); if (text.trim()) setQuery({ runs: [...ids, text.trim()].join(',') }); }}>
    <label>Add a run by id <input value=${text} onInput=${(e) => setText(e.target.value)} class="mono" size="34" /></label>
    <button type="submit">Add</button></form>`;
}

export function ComparePage({ query }) {
  const ids = (query.runs || '').split(',').map((s) => s.trim()).filter(Boolean);
  const onlyDiff = query.only_diff === '1';
  const result = useApi(() => Promise.all(ids.map((id) => api.get(MLFLOW + '/runs/get', { run_id: id }).then((r) => r.run))), [ids.join(',')]);
  if (ids.length < 2)
    return html`<section><h1>Compare runs</h1>
      <${Empty} title="Pick at least two runs"><p>Tick runs in an experiment's run table and press <em>Compare selected</em>, or add run ids here.</p><//>
      <${AddRun} ids=${ids} /></section>`;
  return html`<section>
    <div class="crumbs"><a href="#/experiments">Experiments</a> /</div>
    <h1>Compare ${ids.length} runs</h1>
    <${Loaded} result=${result} render=${(runs) => {
      const name = (r) => r.info.run_name || r.info.run_id.slice(0, 8);
      const get = (list, key) => { const hit = (list || []).find((x) => x.key === key); return hit ? hit.value : undefined; };
      const paramKeys = [...new Set(runs.flatMap((r) => (r.data.params || []).map((p) => p.key)))].sort();
      const metricKeys = [...new Set(runs.flatMap((r) => (r.data.metrics || []).map((m) => m.key)))].sort();
      const differs = (key) => new Set(runs.map((r) => String(get(r.data.params, key)))).size > 1;
      const shown = onlyDiff ? paramKeys.filter(differs) : paramKeys;
      const header = html`<tr><th scope="col">Key</th>${runs.map((r) => html`<th scope="col"><a href=${href('/runs/' + r.info.run_id)}>${name(r)}</a></th>`)}</tr>`;
      return html`
        <h2>Params</h2>
        <label><input type="checkbox" checked=${onlyDiff} onChange=${() => setQuery({ only_diff: onlyDiff ? null : '1' })} /> only params that differ</label>
        <span class="muted"> (${paramKeys.filter(differs).length} of ${paramKeys.length} differ; highlighted)</span>
        <table class="grid" aria-label="params"><thead>${header}</thead><tbody>
          ${shown.map((k) => html`<tr key=${k} class=${differs(k) ? 'differs' : ''}><td class="mono">${k}</td>
            ${runs.map((r) => html`<td>${get(r.data.params, k) ?? html`<span class="muted">—</span>`}</td>`)}</tr>`)}
        </tbody></table>
        <h2>Metrics (latest)</h2>
        <table class="grid" aria-label="metrics"><thead><tr><th scope="col">Key</th>${runs.map((r) => html`<th scope="col" class="num">${name(r)}</th>`)}</tr></thead><tbody>
          ${metricKeys.map((k) => html`<tr key=${k}><td class="mono">${k}</td>${runs.map((r) => html`<td class="num">${fmtNum(get(r.data.metrics, k))}</td>`)}</tr>`)}
        </tbody></table>
        <h2>Metric histories</h2>
        ${metricKeys.length ? html`<div class="cards">${metricKeys.map((k) => html`<${OverlayChart} key=${k} runs=${runs} metricKey=${k} />`)}</div>` : html`<p class="muted">These runs have no metrics.</p>`}
        <h2>Runs</h2>
        <ul>${runs.map((r) => html`<li><a href=${href('/runs/' + r.info.run_id)}>${name(r)}</a> <span class="mono muted">${r.info.run_id}</span>
          <button class="link-button muted" aria-label=${'remove ' + name(r)} onClick=${() => setQuery({ runs: ids.filter((x) => x !== r.info.run_id).join(',') })}>✕</button></li>`)}</ul>
        <${AddRun} ids=${ids} />`;
    }} />
  </section>`;
}
