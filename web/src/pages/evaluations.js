// evaluations.js - evaluations (docs/eval-api.md): the list (#/evaluations, newest first, filter
// by dataset and status, aggregate scores per scorer; tick two to compare), one evaluation
// (#/evaluations/ID: status and progress, each scorer's mean with its confidence interval and
// pass rate, gates, the per-row table with a "failed only" filter, each row linked to its
// trace), and the comparison of two (#/evaluations/compare?a=BASELINE&b=CANDIDATE: per-scorer
// wins / losses / ties and the difference with its CI, then the regressions, worst first).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { href, navigate, setQuery } from '../router.js';
import { PagedTable, Empty, useApi, Loaded, fmtTime, fmtNum } from '../components.js';
import { compareEvaluations, evaluationRows, getEvaluation, listEvaluations } from './obs_api.js';
import { QueryForm, StatusBadge, fmtCost, fmtMs, fmtPct } from './obs_common.js';

export function scorerNames(ev) {
  const fromList = (ev.scorers || []).map((s) => s.name || s.type).filter(Boolean);
  if (fromList.length) return fromList;
  return Object.keys(ev.metrics || {}).filter((k) => ev.metrics[k] && typeof ev.metrics[k] === 'object');
}

// #/datasets/NAME/N for a dataset reference "NAME/N"
const datasetHref = (ref) => href('/datasets/' + ref.split('/').map(encodeURIComponent).join('/'));
const text = (v) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const targetText = (t) => (!t ? '-' : t.prompt ? `prompt ${t.prompt} → ${t.model}` : t.endpoint ? `endpoint ${t.endpoint}` : t.model ? `model ${t.model}` : JSON.stringify(t));

// mean [ci_low, ci_high] with a bar: the interval on a 0..1 scale when the scorer is a 0..1 score
function CI({ m }) {
  if (!m || m.mean === null || m.mean === undefined) return '-';
  const unit = m.mean >= 0 && m.mean <= 1 && (m.ci_low ?? 0) >= 0 && (m.ci_high ?? 1) <= 1;
  const has = m.ci_low !== null && m.ci_low !== undefined && m.ci_high !== null && m.ci_high !== undefined;
  return html`<span class="ci">
    <strong>${fmtNum(m.mean)}</strong>${has ? html` <span class="muted">[${fmtNum(m.ci_low)}, ${fmtNum(m.ci_high)}]</span>` : ''}
    ${unit && has ? html`<span class="ci-bar" aria-hidden="true">
        <span class="ci-range" style=${{ left: m.ci_low * 100 + '%', width: (m.ci_high - m.ci_low) * 100 + '%' }}></span>
        <span class="ci-mean" style=${{ left: m.mean * 100 + '%' }}></span>
      </span>` : ''}
  </span>`;
}

export function EvaluationsPage({ query }) {
  const [picked, setPicked] = useState([]);
  const resetKey = JSON.stringify([query.dataset, query.status]);
  const fetchPage = async (token) => {
    const r = await listEvaluations({ dataset: query.dataset, status: query.status, limit: 50, page_token: token || undefined });
    return { rows: r.evaluations || [], next: r.next_page_token };
  };
  const toggle = (id) => setPicked(picked.includes(id) ? picked.filter((x) => x !== id) : [...picked.slice(-1), id]);
  const columns = [
    { label: 'Compare', render: (e) => html`<input type="checkbox" aria-label=${'compare ' + (e.name || e.id)} checked=${picked.includes(e.id)} onChange=${() => toggle(e.id)} />` },
    { label: 'Evaluation', render: (e) => html`<a href=${href('/evaluations/' + e.id)}>${e.name || e.id.slice(0, 12)}</a>` },
    { label: 'Status', render: (e) => html`<${StatusBadge} value=${e.status} />${e.status === 'running' ? html` <span class="muted">${e.done}/${e.total}</span>` : ''}` },
    { label: 'Dataset', render: (e) => (e.dataset ? html`<a href=${datasetHref(e.dataset)}>${e.dataset}</a>` : '-') },
    { label: 'Target', render: (e) => targetText(e.target) },
    { label: 'Scores (mean [CI])', render: (e) => scorerNames(e).map((s) => html`<div><span class="muted">${s}</span> <${CI} m=${e.metrics?.[s]} /></div>`) },
    { label: 'Pass rate', cls: 'num', render: (e) => fmtPct(e.metrics?.pass_rate) },
    { label: 'Gates', render: (e) => (e.gates_passed === true ? html`<span class="badge ok">passed</span>` : e.gates_passed === false ? html`<span class="badge bad">failed</span>` : '-') },
    { label: 'Created', cls: 'mono', render: (e) => fmtTime(e.created_ms) },
  ];
  return html`<section class="evaluations-page">
    <div class="row"><h1>Evaluations</h1><a href=${href('/datasets')}>Datasets →</a></div>
    <${QueryForm} path="/evaluations" query=${query} label="evaluation filters" fields=${[
      ['dataset', 'Dataset', 'text', 'qa or qa/3'],
      ['status', 'Status', 'select', [['', 'any'], ['queued', 'queued'], ['running', 'running'], ['finished', 'finished'], ['failed', 'failed'], ['interrupted', 'interrupted']]],
    ]} />
    <div class="row">
      <button type="button" class="primary" disabled=${picked.length !== 2}
        onClick=${() => navigate('/evaluations/compare', { a: picked[0], b: picked[1] })}>Compare selected</button>
      <span class="muted">${picked.length === 2 ? 'first ticked = baseline, second = candidate' : 'tick two evaluations to compare them'}</span>
    </div>
    <${PagedTable} label="evaluations" columns=${columns} fetchPage=${fetchPage} resetKey=${resetKey} rowKey=${(e) => e.id}
      empty=${html`<${Empty} title=${query.dataset || query.status ? 'No evaluation matches these filters' : 'No evaluations yet'}>
        <p>Run one: <code>llmops eval run --dataset qa@latest --target endpoint=support --scorer exact_match</code>, or
        <code>POST /api/v1/evaluations</code> with a dataset, a target and scorers.</p><//>`} />
  </section>`;
}

function RowsTable({ id, scorers, failed }) {
  const fetchPage = async (token) => {
    const r = await evaluationRows(id, { limit: 50, page_token: token || undefined, failed: failed ? 'true' : undefined });
    return { rows: r.rows || [], next: r.next_page_token };
  };
  const columns = [
    { label: '#', cls: 'num', key: 'index' },
    { label: 'Input', render: (r) => html`<div class="cell">${text(r.input)}</div>` },
    { label: 'Expected', render: (r) => html`<div class="cell">${text(r.expected)}</div>` },
    { label: 'Output', render: (r) => (r.error ? html`<span class="bad-text">${text(r.error)}</span>` : html`<div class="cell">${text(r.output)}</div>`) },
    ...scorers.map((s) => ({
      label: s,
      render: (r) => {
        const sc = r.scores?.[s];
        if (!sc) return '-';
        return html`<span class=${'badge ' + (sc.pass === true ? 'ok' : sc.pass === false ? 'bad' : '')} title=${sc.reason || ''}>${fmtNum(sc.value)}</span>`;
      },
    })),
    { label: 'Latency', cls: 'num', render: (r) => fmtMs(r.latency_ms) },
    { label: 'Cost', cls: 'num', render: (r) => (r.cached ? 'cached' : fmtCost(r.cost_usd)) },
    { label: 'Trace', render: (r) => (r.trace_id ? html`<a href=${href('/traces/' + r.trace_id)}>trace</a>` : '-') },
  ];
  return html`<${PagedTable} label="evaluation rows" columns=${columns} fetchPage=${fetchPage} resetKey=${id + (failed ? ':failed' : '')}
    rowKey=${(r) => r.index}
    empty=${html`<${Empty} title=${failed ? 'No failed row' : 'No rows scored yet'}><p>${failed ? 'Every scored row passed.' : 'Rows appear as the evaluation scores them.'}</p><//>`} />`;
}

function Evaluation({ ev, query }) {
  const scorers = scorerNames(ev);
  const m = ev.metrics || {};
  const failed = query.failed === 'true';
  return html`
    <dl class="kv summary">
      <dt>Status</dt><dd><${StatusBadge} value=${ev.status} /> ${ev.done ?? 0} / ${ev.total ?? '?'} rows, ${ev.errors ?? 0} errors, ${ev.cached ?? 0} cached
        ${ev.error ? html`<div class="bad-text">${text(ev.error)}</div>` : ''}</dd>
      <dt>Dataset</dt><dd>${ev.dataset ? html`<a href=${datasetHref(ev.dataset)}>${ev.dataset}</a>` : '-'}${ev.split ? ` (split ${ev.split})` : ''}</dd>
      <dt>Target</dt><dd>${targetText(ev.target)}</dd>
      <dt>Run</dt><dd><a href=${href('/runs/' + ev.id)}>tracking run ${ev.id}</a></dd>
      <dt>Started</dt><dd>${fmtTime(ev.started_ms || ev.created_ms)}${ev.finished_ms ? ` · finished ${fmtTime(ev.finished_ms)}` : ''}</dd>
      ${ev.baseline ? html`<dt>Baseline</dt><dd><a href=${href('/evaluations/compare', { a: ev.baseline, b: ev.id })}>compare with ${ev.baseline}</a></dd>` : ''}
    </dl>
    <h2>Scores</h2>
    <table class="grid metrics-table" aria-label="scores">
      <thead><tr><th>Scorer</th><th>Mean [95% CI]</th><th class="num">Pass rate</th></tr></thead>
      <tbody>${scorers.map((s) => html`<tr key=${s}><td>${s}</td><td><${CI} m=${m[s]} /></td><td class="num">${fmtPct(m[s]?.pass_rate)}</td></tr>`)}</tbody>
    </table>
    <dl class="kv summary">
      <dt>Pass rate (all scorers)</dt><dd>${fmtPct(m.pass_rate)}</dd>
      <dt>Error rate</dt><dd>${fmtPct(m.error_rate)}</dd>
      <dt>Latency p50 / p95</dt><dd>${fmtMs(m.latency_p50)} / ${fmtMs(m.latency_p95)}</dd>
      <dt>Cost per row / total</dt><dd>${fmtCost(m.cost)} / ${fmtCost(m.cost_total)}</dd>
    </dl>
    ${Array.isArray(ev.gates) && ev.gates.length ? html`<h2>Gates ${ev.gates_passed ? html`<span class="badge ok">passed</span>` : html`<span class="badge bad">failed</span>`}</h2>
      <table class="grid gates-table" aria-label="gates"><thead><tr><th>Gate</th><th>Value</th><th>Result</th></tr></thead>
      <tbody>${ev.gates.map((g, i) => html`<tr key=${i}><td class="mono">${g.gate || g.expr || g.metric}</td><td>${fmtNum(g.value)}</td>
        <td>${g.passed ?? g.pass ? html`<span class="badge ok">pass</span>` : html`<span class="badge bad">fail</span>`}${g.message ? ' ' + g.message : ''}</td></tr>`)}</tbody></table>` : ''}
    <div class="row"><h2>Rows</h2>
      <label class="check"><input type="checkbox" name="failed" checked=${failed} onChange=${(e) => setQuery({ failed: e.target.checked ? 'true' : null })} /> failed rows only</label></div>
    <${RowsTable} id=${ev.id} scorers=${scorers} failed=${failed} />`;
}


export function EvaluationPage({ params, query }) {
  const res = useApi(() => getEvaluation(params.id), [params.id]);
  return html`<section class="evaluation-page">
    <div class="crumbs"><a href=${href('/evaluations')}>Evaluations</a> /</div>
    <h1>${res.data ? res.data.evaluation.name || 'Evaluation' : 'Evaluation'} <span class="mono muted">${params.id}</span></h1>
    ${res.data && ['queued', 'running'].includes(res.data.evaluation.status) ? html`<button type="button" onClick=${res.reload}>Refresh</button>` : ''}
    <${Loaded} result=${res} render=${(d) => html`<${Evaluation} ev=${d.evaluation} query=${query} />`} />
  </section>`;
}

function Comparison({ c }) {
  const scorers = Object.entries(c.scorers || {});
  const regs = c.regressions || [];
  return html`
    <p>${c.rows_compared} rows compared, matched by dataset row. A is the baseline, B the candidate.</p>
    <table class="grid compare-table" aria-label="per-scorer comparison">
      <thead><tr><th>Scorer</th><th class="num">Wins</th><th class="num">Losses</th><th class="num">Ties</th>
        <th class="num">Mean A</th><th class="num">Mean B</th><th>Diff B − A [95% CI]</th></tr></thead>
      <tbody>${scorers.map(([name, s]) => {
        // an interval clear of 0 is a real difference; which side is better depends on the scorer
        const up = s.ci_low > 0, down = s.ci_high < 0;
        const better = s.higher_is_better === false ? down : up;
        const sig = better ? 'ok' : up || down ? 'bad' : '';
        return html`<tr key=${name}><td>${name}</td>
          <td class="num">${s.wins}</td><td class="num">${s.losses}</td><td class="num">${s.ties}</td>
          <td class="num">${fmtNum(s.mean_a)}</td><td class="num">${fmtNum(s.mean_b)}</td>
          <td><span class=${'badge ' + sig}>${s.diff > 0 ? '+' : ''}${fmtNum(s.diff)}</span>
            <span class="muted">[${fmtNum(s.ci_low)}, ${fmtNum(s.ci_high)}]</span>
            ${sig === 'ok' ? ' better' : sig === 'bad' ? ' worse' : ' no clear difference'}</td></tr>`;
      })}</tbody>
    </table>
    <h2>Regressions (${c.regressions_total ?? regs.length}), worst first</h2>
    ${!regs.length ? html`<${Empty} title="No regression"><p>No row scored worse on B than on A.</p><//>` : html`<table class="grid regressions-table" aria-label="regressions">
      <thead><tr><th class="num">Row</th><th class="num">Drop</th><th>Input</th><th>Expected</th><th>Output A</th><th>Output B</th><th>Scores A → B</th></tr></thead>
      <tbody>${regs.map((r) => html`<tr key=${r.index}>
        <td class="num">${r.index}</td><td class="num"><span class="badge bad">−${fmtNum(r.worst_drop)}</span></td>
        <td class="cell">${text(r.input)}</td><td class="cell">${text(r.expected)}</td>
        <td class="cell">${text(r.output_a)}</td><td class="cell">${text(r.output_b)}</td>
        <td>${Object.keys({ ...(r.scores_a || {}), ...(r.scores_b || {}) }).map((k) => html`<div><span class="muted">${k}:</span>${' '}
          ${fmtNum(r.scores_a?.[k]?.value ?? r.scores_a?.[k])} → ${fmtNum(r.scores_b?.[k]?.value ?? r.scores_b?.[k])}</div>`)}</td>
      </tr>`)}</tbody></table>`}`;
}

export function EvaluationComparePage({ query }) {
  const { a, b } = query;
  const [draft, setDraft] = useState({ a: a || '', b: b || '' });
  useEffect(() => setDraft({ a: a || '', b: b || '' }), [a, b]); // the boxes follow the URL (Swap, back)
  const res = useApi(() => (a && b ? compareEvaluations(a, b) : Promise.resolve(null)), [a, b]);
  return html`<section class="evaluation-compare-page">
    <div class="crumbs"><a href=${href('/evaluations')}>Evaluations</a> /</div>
    <h1>Compare evaluations</h1>
    <form class="filters" aria-label="evaluations to compare" onSubmit=${(e) => { e.preventDefault(); navigate('/evaluations/compare', draft); }}>
      <label><span>A (baseline)</span><input name="a" value=${draft.a} onInput=${(e) => setDraft({ ...draft, a: e.target.value })} /></label>
      <label><span>B (candidate)</span><input name="b" value=${draft.b} onInput=${(e) => setDraft({ ...draft, b: e.target.value })} /></label>
      <div class="filter-actions"><button type="submit" class="primary">Compare</button>
        <button type="button" onClick=${() => navigate('/evaluations/compare', { a: b, b: a })} disabled=${!a || !b}>Swap</button></div>
    </form>
    ${a && b ? html`<p><a href=${href('/evaluations/' + a)}>A: ${a}</a> · <a href=${href('/evaluations/' + b)}>B: ${b}</a></p>` : ''}
    ${!a || !b ? html`<${Empty} title="Pick two evaluations"><p>Tick two evaluations in the <a href=${href('/evaluations')}>list</a>, or paste their ids above.</p><//>`
      : html`<${Loaded} result=${res} render=${(c) => html`<${Comparison} c=${c} />`} />`}
  </section>`;
}
