// prompts.js - the prompt registry: prompts (name search, paging by the server), and one
// prompt with its alias badges, version history, one version's content, and a side-by-side diff
// of two versions (#/prompts/NAME?diff=1..2, from the server's unified diff).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { href, setQuery, enc } from '../router.js';
import { PagedTable, Empty, FilterBox, Loaded, Badge, useApi, fmtTime } from '../components.js';

const PAGE = 50;

function AliasBadges({ aliases, name }) {
  return Object.entries(aliases || {}).map(([a, v]) => html`<a href=${href('/prompts/' + enc(name), { version: v })}><${Badge} kind="alias" title=${'version ' + v}>@${a} → v${v}<//></a>`);
}

export function PromptsPage({ query }) {
  const q = query.q || '';
  const fetchPage = async (token) => {
    const r = await api.get('/api/v1/prompts', { q, limit: PAGE, page_token: token });
    return { rows: r.prompts || [], next: r.next_page_token };
  };
  const columns = [
    { label: 'Prompt', render: (p) => html`<a href=${href('/prompts/' + enc(p.name))}>${p.name}</a>` },
    { label: 'Latest', render: (p) => html`<a href=${href('/prompts/' + enc(p.name), { version: p.latest_version })}>v${p.latest_version}</a>` },
    { label: 'Aliases', render: (p) => html`<${AliasBadges} aliases=${p.aliases} name=${p.name} />` },
    { label: 'Description', key: 'description' },
    { label: 'Updated', render: (p) => fmtTime(p.updated_at), cls: 'mono' },
  ];
  return html`<section>
    <h1>Prompts</h1>
    <${FilterBox} value=${q} label="Search prompts by name" placeholder="part of a name" onApply=${(v) => setQuery({ q: v })} />
    <${PagedTable} label="prompts" columns=${columns} fetchPage=${fetchPage} resetKey=${q} rowKey=${(p) => p.name}
      empty=${html`<${Empty} title=${q ? 'No prompt name contains "' + q + '"' : 'No prompts yet'}>
        <p>Create one with <code>llmops prompts create support --template 'Answer as {{ company }}: {{ question }}' --message v1</code>.</p><//>`} />
  </section>`;
}

// The content of a version as text lines ("### role" headers for chat, as the server's diff).
function VersionContent({ v }) {
  if (v.type === 'chat')
    return html`<div class="messages">${(v.messages || []).map((m) => html`<div class="message"><span class="badge">${m.role}</span><pre>${m.content}</pre></div>`)}</div>`;
  return html`<pre aria-label="template">${v.template}</pre>`;
}

// Unified diff → rows [left, right, kind] for a side-by-side view. Removed and added runs are
// paired line by line; context lines appear on both sides.
export function sideBySide(unified) {
  const rows = [];
  let dels = [], adds = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++)
      rows.push([dels[i] ?? null, adds[i] ?? null, 'change']);
    dels = [];
    adds = [];
  };
  for (const line of (unified || '').split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++') || line.startsWith('\\')) continue;
    if (line.startsWith('@@')) { flush(); rows.push([line, line, 'hunk']); }
    else if (line.startsWith('-')) dels.push(line.slice(1));
    else if (line.startsWith('+')) adds.push(line.slice(1));
    else if (line.startsWith(' ')) { flush(); rows.push([line.slice(1), line.slice(1), 'same']); }
  }
  flush();
  return rows;
}

function DiffTable({ title, unified, from, to }) {
  const rows = sideBySide(unified);
  if (!rows.length) return html`<p class="muted">${title}: no difference.</p>`;
  return html`<table class="grid diff" aria-label=${title}>
    <thead><tr><th scope="col">${title} v${from}</th><th scope="col">${title} v${to}</th></tr></thead>
    <tbody>${rows.map(([l, r, kind]) => html`<tr class=${kind}>
      <td class=${'mono ' + (kind === 'change' && l !== null ? 'diff-del' : '')}>${l ?? ''}</td>
      <td class=${'mono ' + (kind === 'change' && r !== null ? 'diff-add' : '')}>${r ?? ''}</td></tr>`)}</tbody></table>`;
}

function Diff({ name, spec }) {
  const [from, to] = spec.split('..');
  const result = useApi(() => api.get('/api/v1/prompts/' + enc(name) + '/diff', { from, to }), [name, spec]);
  return html`<section aria-label="diff">
    <h2>Diff v${from} → v${to} <a class="muted" href=${href('/prompts/' + enc(name))}>(close)</a></h2>
    <${Loaded} result=${result} render=${(d) => html`
      <${DiffTable} title="template" unified=${d.template_diff} from=${d.from.version} to=${d.to.version} />
      <${DiffTable} title="model config" unified=${d.model_config_diff} from=${d.from.version} to=${d.to.version} />`} />
  </section>`;
}

function DiffPicker({ name, latest }) {
  const [a, setA] = useState(latest > 1 ? latest - 1 : 1);
  const [b, setB] = useState(latest);
  return html`<form class="row" onSubmit=${(e) => { e.preventDefault(); setQuery({ diff: a + '..' + b }); }}>
    <label>Diff v <input type="number" min="1" max=${latest} value=${a} onInput=${(e) => setA(e.target.value)} style="width:5em" /></label>
    <label>with v <input type="number" min="1" max=${latest} value=${b} onInput=${(e) => setB(e.target.value)} style="width:5em" /></label>
    <button type="submit">Show diff</button></form>`;
}

function VersionDetail({ name, version }) {
  const result = useApi(() => api.get('/api/v1/prompts/' + enc(name) + '/versions/' + enc(version)), [name, version]);
  return html`<${Loaded} result=${result} render=${(v) => html`<div class="card" aria-label="version">
    <h2>v${v.version} <span class="muted">${v.type}</span> ${v.aliases.map((a) => html`<${Badge} kind="alias">@${a}<//>`)}</h2>
    <dl class="kv">
      <dt>Message</dt><dd>${v.commit_message || html`<span class="muted">none</span>`}</dd>
      <dt>Author</dt><dd>${v.author}</dd>
      <dt>Created</dt><dd class="mono">${fmtTime(v.created_at)}</dd>
      <dt>Variables</dt><dd>${v.variables.length ? v.variables.map((x) => html`<code class="badge">${x}</code>`) : html`<span class="muted">none</span>`}</dd>
      <dt>Model config</dt><dd>${v.model_config ? html`<code>${JSON.stringify(v.model_config)}</code>` : html`<span class="muted">none</span>`}</dd>
    </dl>
    <${VersionContent} v=${v} />
    <p><a href=${href('/playground', { prompt: name, version: v.version })}>Try it in the playground →</a>
      ${v.version > 1 ? html` · <a href=${href('/prompts/' + enc(name), { diff: v.version - 1 + '..' + v.version })}>diff with v${v.version - 1}</a>` : ''}
      ${' · '}<a href=${href('/lineage', { type: 'prompt_version', id: name + '/' + v.version })}>lineage</a></p>
  </div>`} />`;
}

export function PromptPage({ params, query }) {
  const name = params.name;
  const prompt = useApi(() => api.get('/api/v1/prompts/' + enc(name)), [name]);
  const fetchPage = async (token) => {
    const r = await api.get('/api/v1/prompts/' + enc(name) + '/versions', { limit: PAGE, page_token: token });
    return { rows: r.versions || [], next: r.next_page_token };
  };
  const columns = [
    { label: 'Version', render: (v) => html`<a href=${href('/prompts/' + enc(name), { version: v.version })}>v${v.version}</a>` },
    { label: 'Type', key: 'type' },
    { label: 'Aliases', render: (v) => v.aliases.map((a) => html`<${Badge} kind="alias">@${a}<//>`) },
    { label: 'Message', key: 'commit_message' },
    { label: 'Author', key: 'author' },
    { label: 'Created', render: (v) => fmtTime(v.created_at), cls: 'mono' },
    { label: 'Diff', render: (v) => (v.version > 1 ? html`<a href=${href('/prompts/' + enc(name), { diff: v.version - 1 + '..' + v.version })} aria-label=${'diff v' + (v.version - 1) + ' with v' + v.version}>v${v.version - 1}↔v${v.version}</a>` : '') },
  ];
  return html`<section>
    <div class="crumbs"><a href="#/prompts">Prompts</a> /</div>
    <h1>${name}</h1>
    <${Loaded} result=${prompt} render=${(p) => html`
      <p>${p.description || ''} ${Object.keys(p.aliases || {}).length
        ? html`<${AliasBadges} aliases=${p.aliases} name=${name} />`
        : html`<span class="muted">No aliases — <code>llmops prompts alias set ${name} production ${p.latest_version}</code></span>`}</p>
      ${query.diff ? html`<${Diff} name=${name} spec=${query.diff} />` : ''}
      <${VersionDetail} name=${name} version=${query.version || p.latest_version} />
      <h2>History</h2>
      ${p.latest_version > 1 ? html`<${DiffPicker} name=${name} latest=${p.latest_version} />` : ''}
      <${PagedTable} label="versions" columns=${columns} fetchPage=${fetchPage} resetKey=${name} rowKey=${(v) => v.version}
        empty=${html`<${Empty} title="No versions"><p><code>llmops prompts version ${name} --template '...'</code></p><//>`} />`} />
  </section>`;
}
